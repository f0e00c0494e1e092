@{
    RootModule           = 'BackupPS.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5b7f3c8e-2d41-4a7e-9c55-1e0d6b2f8a31'
    Author               = 'BackupPS maintainers'
    CompanyName          = 'BackupPS'
    Copyright            = '(c) BackupPS maintainers. MIT License.'
    Description          = 'Back up, verify, restore and prune SQLite databases and the files that go with them: checksummed, self-describing backups, atomic restores with automatic rollback.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('BackupPS.format.ps1xml')
    CmdletsToExport      = @('New-DbBackup', 'Get-DbBackup', 'Test-DbBackup', 'Restore-DbBackup', 'Remove-DbBackup', 'Get-DbBackupAuditLog')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('backup', 'restore', 'sqlite', 'database', 'zstd')
            ProjectUri = 'https://example.invalid/backupps'
        }
    }
}
