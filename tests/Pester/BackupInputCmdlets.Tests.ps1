# Pester 6: Remove-DbBackup -Path and Restore-DbBackup's one-backup-per-target rule, on real SQLite files made with
# the sqlite3 CLI. Run against the built module: $env:BACKUPPS_MODULE_PATH = out/BackupPS (the default).

BeforeAll {
    $modulePath = if ($env:BACKUPPS_MODULE_PATH) { $env:BACKUPPS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/BackupPS' }
    Import-Module (Join-Path $modulePath BackupPS.psd1) -Force

    function New-TestDatabase([string] $Path, [int] $Rows) {
        $values = (1..$Rows | ForEach-Object { "($_)" }) -join ','
        & sqlite3 $Path "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES $values;"
        if ($LASTEXITCODE -ne 0) { throw "sqlite3 failed to create $Path" }
    }
}

Describe 'Remove-DbBackup -Path' {
    BeforeEach {
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $root | Out-Null
        $db = Join-Path $root 'app.db'
        New-TestDatabase $db 3
        $destination = Join-Path $root 'backups'
    }

    It 'removes a listed backup given by its path, sidecar first' {
        $backup = New-DbBackup -Database $db -Destination $destination
        Remove-DbBackup -Path $backup.Path -Confirm:$false -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $backup.Path | Should -Not -Exist
        "$($backup.Path).json" | Should -Not -Exist
        Get-DbBackup $destination | Should -BeNullOrEmpty
    }

    It 'refuses a backup file without a sidecar with NotAListedBackup and keeps it' {
        $backup = New-DbBackup -Database $db -Destination $destination
        $copy = Join-Path $root 'copy.tar.zst'
        Copy-Item $backup.Path $copy
        Remove-DbBackup -Path $copy -Force -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NotAListedBackup,*'
        $copy | Should -Exist
    }
}

Describe 'Restore-DbBackup with several backups for one target' {
    It 'restores only the first when a Database and a Full backup of the same database are piped' {
        $root = Join-Path $TestDrive 'multi'
        New-Item -ItemType Directory -Path (Join-Path $root 'files') -Force | Out-Null
        $db = Join-Path $root 'app.db'
        New-TestDatabase $db 2
        Set-Content (Join-Path $root 'files/a.txt') 'a'
        $destination = Join-Path $root 'backups'
        New-DbBackup -Database $db -IncludePath (Join-Path $root 'files') -Destination $destination | Out-Null   # Full, 2 rows
        & sqlite3 $db 'INSERT INTO t VALUES (3);'
        Start-Sleep -Milliseconds 20
        New-DbBackup -Database $db -Destination $destination | Out-Null                                           # Database, 3 rows

        $target = Join-Path $root 'restored.db'
        $backups = Get-DbBackup $destination -DatabaseName app   # newest first: the Database backup, then the Full one
        $backups.Type | Should -Be @('Database', 'Full')
        $err = $null
        try { $backups | Restore-DbBackup -Target $target -FilesTarget (Join-Path $root 'restored-files') -Force | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MultipleBackupsForOneTarget,*'
        & sqlite3 $target 'SELECT count(*) FROM t;' | Should -Be '3'   # the newest backup stays restored
    }
}
