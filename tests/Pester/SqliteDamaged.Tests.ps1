# A damaged source database (a real file whose index b-tree page was corrupted with python) is refused at backup time
# (SourceDatabaseDamaged), backed up only with -AllowDamaged (warned, recorded in the manifest), and such a backup is
# restored with -Restore-DbBackup -Force, byte for byte.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'damaged'
    $script:db = Join-Path $ws 'app.db'
    Invoke-Sqlite $db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 2000) INSERT INTO t SELECT x, hex(randomblob(20)) FROM s;" | Out-Null
    # The index's root is an interior page: point its right-most child at page 1. The file still opens and the table
    # reads, but the b-tree is broken.
    $py = @"
import sqlite3
c = sqlite3.connect('$db')
root = c.execute("SELECT rootpage FROM sqlite_schema WHERE name = 't_v'").fetchone()[0]
size = c.execute('PRAGMA page_size').fetchone()[0]
c.close()
with open('$db', 'r+b') as f:
    f.seek((root - 1) * size)
    assert f.read(1) == b'\x02', 'the index root is not an interior page'
    f.seek((root - 1) * size + 8)
    f.write((1).to_bytes(4, 'big'))
"@
    Set-Content -LiteralPath "$ws/corrupt.py" -Value $py
    Invoke-Native python3 "$ws/corrupt.py" | Out-Null
    $script:dbHash = Get-Sha256 $db
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'A damaged source database' {
    It 'is damaged as sqlite3 sees it, yet opens' {
        Invoke-Sqlite $db 'SELECT count(*) FROM t' | Should -Be '2000'
        (& sqlite3 $db 'PRAGMA quick_check' 2>&1) | Should -Not -Be 'ok'
    }

    It 'is refused by New-DbBackup (SourceDatabaseDamaged) and no backup is left' {
        $dest = Join-Path $ws 'refused'
        $err = Get-ThrownError { New-DbBackup -Database $db -Destination $dest -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'SourceDatabaseDamaged,BackupPS.Cmdlets.NewDbBackupCommand'
        $err.Exception.Message | Should -Match '-AllowDamaged'
        @(Get-ChildItem -LiteralPath $dest -Force -ErrorAction Ignore | Where-Object Name -NE "audit.jsonl").Count | Should -Be 0
        Get-Sha256 $db | Should -Be $dbHash
    }

    It 'is backed up with -AllowDamaged, with a warning and the check recorded in the manifest' {
        $script:damagedBackup = New-DbBackup -Database $db -Destination (Join-Path $ws 'allowed') -AllowDamaged -WarningVariable warnings -WarningAction SilentlyContinue
        $damagedBackup | Should -Not -BeNullOrEmpty
        ($warnings -join "`n") | Should -Match 'damaged'
        $sidecar = Get-Content -Raw -LiteralPath "$($damagedBackup.Path).json" | ConvertFrom-Json
        $sidecar.manifest.sqlite.quickCheck | Should -Not -BeNullOrEmpty
        $sidecar.manifest.sqlite.quickCheck | Should -Not -Be @('ok')
    }

    It 'a sound database records quickCheck ok' {
        $good = New-SmallDatabase (Join-Path $ws 'good.db')
        $backup = New-DbBackup -Database $good -Destination (Join-Path $ws 'good')
        (Get-Content -Raw -LiteralPath "$($backup.Path).json" | ConvertFrom-Json).manifest.sqlite.quickCheck | Should -Be @('ok')
    }

    It 'that backup is refused by Restore-DbBackup, and restored byte for byte with -Force and a warning' {
        $target = Join-Path $ws 'restored/app.db'
        $err = Get-ThrownError { $damagedBackup | Restore-DbBackup -Target $target -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupVerificationFailed,*'
        $target | Should -Not -Exist
        $damagedBackup | Restore-DbBackup -Target $target -Force -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        Get-Sha256 $target | Should -Be $dbHash
        ($warnings -join "`n") | Should -Match 'damaged'
    }
}
