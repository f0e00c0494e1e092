<#
.SYNOPSIS
    The main job, end to end on a sample database: back up, list, verify, change the database, restore, show the objects.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    # Chinook (shared/data) when present; otherwise a small database is created with BackupPS's own SQLite.
    [string] $SampleDatabase
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'BackupPS.psd1') -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "backupps-demo-$PID"
New-Item -ItemType Directory -Path $work, "$work/uploads/2026" -Force | Out-Null
Push-Location $work
try {
    function Show([string] $title) { Write-Host "`n=== $title" -ForegroundColor Cyan }
    function Invoke-Sql([string] $database, [string] $sql) {
        # SQLite is reached through the module's own Microsoft.Data.Sqlite, so the demo needs nothing else installed.
        $asm = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Data.Sqlite' } | Select-Object -First 1
        $connection = [Activator]::CreateInstance($asm.GetType('Microsoft.Data.Sqlite.SqliteConnection'), @("Data Source=$((Resolve-Path -LiteralPath $database -ErrorAction SilentlyContinue) ?? (Join-Path $PWD $database));Pooling=False"))
        try {
            $connection.Open()
            $command = $connection.CreateCommand()
            $command.CommandText = $sql
            $command.ExecuteScalar()
        } finally { $connection.Dispose() }
    }

    if ($SampleDatabase -and (Test-Path $SampleDatabase)) {
        Copy-Item $SampleDatabase ./app.db
    } else {
        # Touch the engine once so its SQLite is loaded, then build a small database.
        $null = New-DbBackup -Database ./missing.db -Destination ./backups -ErrorAction SilentlyContinue
        Invoke-Sql (Join-Path $PWD app.db) "CREATE TABLE Track(TrackId INTEGER PRIMARY KEY, Name TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3503) INSERT INTO Track SELECT i, 'Track ' || i FROM n;" | Out-Null
    }
    Set-Content ./config.toml "[app]`nlisten = '127.0.0.1:8080'"
    Set-Content ./uploads/2026/invoice-0001.txt 'an uploaded file'

    Show 'New-DbBackup -Database ./app.db -Destination ./backups -IncludePath ./config.toml, ./uploads'
    $backup = New-DbBackup -Database ./app.db -Destination ./backups -IncludePath ./config.toml, ./uploads -Description 'before upgrade' -Tag demo
    $backup | Format-List Id, Path, Database, Type, Created, SizeBytes, DatabaseSizeBytes, CompressionRatio, Sha256, FileCount, TableRowCounts | Out-Host

    Show 'Get-DbBackup ./backups'
    Get-DbBackup ./backups | Out-Host

    Show 'Get-DbBackup ./backups -Latest | Test-DbBackup'
    $test = Get-DbBackup ./backups -Latest | Test-DbBackup
    $test | Out-Host
    $test.Checks | Out-Host
    if (-not $test.Passed) { throw "Verification failed: $($test.FailureReason)" }

    Show 'Change the database: delete every track'
    Invoke-Sql ./app.db 'PRAGMA foreign_keys = OFF; DELETE FROM Track' | Out-Null
    Write-Host "Tracks now: $(Invoke-Sql ./app.db 'SELECT count(*) FROM Track')"

    Show 'Get-DbBackup ./backups -Latest | Restore-DbBackup -Target ./app.db -WhatIf'
    Get-DbBackup ./backups -Latest | Restore-DbBackup -Target ./app.db -WhatIf

    Show 'Get-DbBackup ./backups -Latest | Restore-DbBackup -Target ./app.db -Confirm:$false'
    $restore = Get-DbBackup ./backups -Latest | Restore-DbBackup -Target ./app.db -Confirm:$false
    $restore | Format-List Database, Target, FilesTargets, FilesRestored, IntegrityCheck, Duration, SafetyBackup | Out-Host
    $tracks = Invoke-Sql ./app.db 'SELECT count(*) FROM Track'
    Write-Host "Tracks after restore: $tracks (the backup recorded $($backup.TableRowCounts['Track']))"
    if ($tracks -ne $backup.TableRowCounts['Track']) { throw 'The restore did not bring the tracks back.' }

    Show 'Get-DbBackup ./backups  (the PreRestore safety backup is listed too)'
    Get-DbBackup ./backups | Out-Host

    Show 'The backup opens without BackupPS: tar --zstd -tvf'
    if (Get-Command tar -ErrorAction Ignore) { & tar --zstd -tvf $backup.Path | Out-Host }

    Show 'Remove the safety backup: Get-DbBackup ./backups -Type PreRestore | Remove-DbBackup -Confirm:$false'
    Get-DbBackup ./backups -Type PreRestore | Remove-DbBackup -Confirm:$false
    Get-DbBackup ./backups | Out-Host
    Write-Host "`nDemo complete (work folder $work, removed now)." -ForegroundColor Green
} finally {
    Pop-Location
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
