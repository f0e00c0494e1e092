# New-DbBackup only reads its source: no checkpoint, no write to the database or its -wal, and a database on a
# read-only mount can be backed up.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'rosource'
    # A WAL database whose last frames are not checkpointed, left so by a writer killed with SIGKILL (no closing checkpoint).
    function New-UncheckpointedWal([string] $Path) {
        New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
        $py = "import os, signal, sqlite3`nc = sqlite3.connect('$Path', isolation_level=None)`nc.execute('PRAGMA journal_mode=WAL')`nc.execute('PRAGMA wal_autocheckpoint=0')`nc.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')`nc.execute(""INSERT INTO t VALUES (1, 'frame'), (2, 'frame')"")`nos.kill(os.getpid(), signal.SIGKILL)"
        Set-Content -LiteralPath "$Path.py" -Value $py
        & python3 "$Path.py" 2>$null
        Remove-Item -LiteralPath "$Path.py"
        (Get-Item "$Path-wal").Length | Should -BeGreaterThan 32
        $Path
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'New-DbBackup leaves its source untouched' {
    It 'the database and its -wal keep their bytes and mtime when the WAL holds un-checkpointed frames' {
        $db = New-UncheckpointedWal (Join-Path $ws 'wal/app.db')
        # The expected content, read by sqlite3 from a copy (sqlite3 checkpoints its WAL on close).
        $copy = Join-Path $ws 'wal-copy/app.db'
        New-Item -ItemType Directory -Force -Path (Split-Path $copy) | Out-Null
        Copy-Item -LiteralPath $db -Destination $copy; Copy-Item -LiteralPath "$db-wal" -Destination "$copy-wal"
        $dump = (Invoke-Sqlite $copy '.dump') -join "`n"
        $before = @{ Db = Get-Sha256 $db; Wal = Get-Sha256 "$db-wal"; DbTime = (Get-Item $db).LastWriteTimeUtc; WalTime = (Get-Item "$db-wal").LastWriteTimeUtc }
        $backup = New-DbBackup -Database $db -Destination (Join-Path $ws 'wal-backups')
        Get-Sha256 $db | Should -Be $before.Db
        Get-Sha256 "$db-wal" | Should -Be $before.Wal
        (Get-Item $db).LastWriteTimeUtc | Should -Be $before.DbTime
        (Get-Item "$db-wal").LastWriteTimeUtc | Should -Be $before.WalTime
        $restored = Join-Path $ws 'wal-restored/app.db'
        $backup | Restore-DbBackup -Target $restored -Confirm:$false
        (Invoke-Sqlite $restored '.dump') -join "`n" | Should -Be $dump
    }

    It 'backs up a WAL database on a read-only mount' {
        $rw = Join-Path $ws 'rw'
        $ro = Join-Path $ws 'ro'
        New-Item -ItemType Directory -Force -Path $ro | Out-Null
        $db = New-UncheckpointedWal (Join-Path $rw 'app.db')
        & mount --bind $rw $ro 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'mount --bind is not permitted here (needs root with CAP_SYS_ADMIN)'; return }
        try {
            & mount -o remount,ro,bind $ro 2>$null
            if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'a read-only bind remount is not permitted here'; return }
            { [IO.File]::OpenWrite((Join-Path $ro 'app.db')).Dispose() } | Should -Throw
            $before = Get-Sha256 (Join-Path $rw 'app.db-wal')
            $backup = New-DbBackup -Database (Join-Path $ro 'app.db') -Destination (Join-Path $ws 'ro-backups')
            $backup | Should -Not -BeNullOrEmpty
            $restored = Join-Path $ws 'ro-restored/app.db'
            $backup | Restore-DbBackup -Target $restored -Confirm:$false
            Invoke-Sqlite $restored 'SELECT group_concat(v) FROM t' | Should -Be 'frame,frame'
            Get-Sha256 (Join-Path $rw 'app.db-wal') | Should -Be $before
        }
        finally { & umount $ro 2>$null }
    }
}
