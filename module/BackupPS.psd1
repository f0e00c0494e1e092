@{
    RootModule           = 'BackupPS.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5b7f3c8e-2d41-4a7e-9c55-1e0d6b2f8a31'
    Author               = 'BackupPS maintainers'
    CompanyName          = 'BackupPS'
    Copyright            = '(c) BackupPS maintainers. MIT License.'
    Description          = 'Back up, verify, restore and prune SQLite and PostgreSQL databases and the files that go with them, in a local folder or S3-compatible object storage: consistent, checksummed, self-describing and optionally encrypted backups; atomic restores with a safety copy and automatic rollback; retention policies, schedules, health and an audit log.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('BackupPS.format.ps1xml')
    CmdletsToExport      = @('New-DbBackup', 'Get-DbBackup', 'Test-DbBackup', 'Restore-DbBackup', 'Remove-DbBackup',
        'Copy-DbBackup', 'Import-DbBackup', 'Get-DbHealth', 'Get-DbBackupStorage', 'Get-DbBackupAuditLog',
        'Register-DbBackupSchedule', 'Get-DbBackupSchedule', 'Unregister-DbBackupSchedule')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('backup', 'restore', 'sqlite', 'postgresql', 'database', 'zstd', 's3', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            # No LicenseUri or ProjectUri: the project has no public address yet; the LICENSE file ships in the module.
            ReleaseNotes = 'Ships the SQLite native library for linux-x64/arm64/arm, linux-musl-x64/arm64, osx-x64/arm64 and win-x64/arm64/x86; refuses to import on any other platform with one sentence naming it.'
        }
    }
}
