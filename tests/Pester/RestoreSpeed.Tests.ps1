# Restore at the speed of a copy, every guarantee kept (issue 14): an image checked once is not checked again (the
# SHA-256 of the extracted bytes must match the recorded one), and the swap paths. Content is proven with sqlite3 .dump.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'restorespeed'
    $script:dest = Join-Path $ws 'backups'
    $script:source = Join-Path $ws 'source.db'
    Invoke-Sqlite $source "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 500) INSERT INTO t SELECT x, hex(randomblob(30)) FROM s;" | Out-Null
    $script:sourceDump = (Invoke-Sqlite $source '.dump') -join "`n"

    function Get-Verbose([scriptblock] $Script) {
        $all = & $Script 4>&1
        [pscustomobject]@{
            Output  = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            Verbose = (@($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n")
        }
    }
    # The SHA-256 of the database image in a backup, by tar and sha256sum (not by BackupPS).
    function Get-ImageSha256([string] $BackupPath) {
        $x = Join-Path $ws ("x-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $x | Out-Null
        Invoke-Native tar --zstd -xf $BackupPath -C $x | Out-Null
        $image = Get-ChildItem -LiteralPath (Join-Path $x 'database') -File | Select-Object -First 1
        (Invoke-Native sha256sum $image.FullName) -split ' ' | Select-Object -First 1
    }
    function Set-SidecarField([string] $BackupPath, [hashtable] $Fields) {
        $sidecar = Get-Content -Raw "$BackupPath.json" | ConvertFrom-Json -AsHashtable
        foreach ($k in $Fields.Keys) { $sidecar[$k] = $Fields[$k] }
        $sidecar | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath "$BackupPath.json"
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Restore-DbBackup does not check the same bytes twice' {
    It 'a never-checked image gets the full check, recorded with the SHA-256 of the extracted image; the next restore reuses it' {
        $backup = New-DbBackup -Database $source -Destination (Join-Path $dest 'reuse')
        (Get-Content -Raw "$($backup.Path).json" | ConvertFrom-Json -AsHashtable).ContainsKey('integrityCheckedSha256') | Should -BeFalse
        $target = Join-Path $ws 'reuse.db'
        $first = Get-Verbose { $backup | Restore-DbBackup -Target $target -Confirm:$false -Verbose }
        $first.Verbose | Should -Match 'Running PRAGMA integrity_check on the decompressed'
        $sidecar = Get-Content -Raw "$($backup.Path).json" | ConvertFrom-Json -AsHashtable
        $sidecar.integrityCheckedSha256 | Should -Be (Get-ImageSha256 $backup.Path)
        $sidecar.integrityCheckedUtc | Should -Not -BeNullOrEmpty

        $again = Get-Verbose { Restore-DbBackup -Path $backup.Path -Target $target -Confirm:$false -Verbose }
        $again.Verbose | Should -Not -Match 'Running PRAGMA integrity_check on the decompressed'
        $again.Verbose | Should -Match "Not running PRAGMA integrity_check again: reused: .*$($sidecar.integrityCheckedSha256)"
        $again.Output[0].Verification.Checks.Where({ $_.Name -eq 'IntegrityCheck' }).Message | Should -Match 'reused'
        $again.Output[0].IntegrityCheck | Should -Be 'ok'
        (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
    }

    It 'Test-DbBackup records its full check too, and -Quick records none' {
        $backup = New-DbBackup -Database $source -Destination (Join-Path $dest 'tested')
        Test-DbBackup -Path $backup.Path -Quick | Out-Null
        (Get-Content -Raw "$($backup.Path).json" | ConvertFrom-Json -AsHashtable)['integrityCheckedSha256'] | Should -BeNullOrEmpty
        Test-DbBackup -Path $backup.Path | Out-Null
        (Get-Content -Raw "$($backup.Path).json" | ConvertFrom-Json -AsHashtable)['integrityCheckedSha256'] | Should -Be (Get-ImageSha256 $backup.Path)
        $r = Get-Verbose { Restore-DbBackup -Path $backup.Path -Target (Join-Path $ws 'tested.db') -Confirm:$false -Verbose }
        $r.Verbose | Should -Match 'Not running PRAGMA integrity_check again'
    }

    It 'a sidecar claiming a passed check for other bytes does not let a damaged image skip it' {
        # A damaged image (an index b-tree pointer bent with python), backed up with -AllowDamaged.
        $db = Join-Path $ws 'damaged.db'
        Invoke-Sqlite $db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 2000) INSERT INTO t SELECT x, hex(randomblob(20)) FROM s;" | Out-Null
        $py = @"
import sqlite3
c = sqlite3.connect('$db')
root = c.execute("SELECT rootpage FROM sqlite_schema WHERE name = 't_v'").fetchone()[0]
size = c.execute('PRAGMA page_size').fetchone()[0]
c.close()
with open('$db', 'r+b') as f:
    f.seek((root - 1) * size + 8)
    f.write((1).to_bytes(4, 'big'))
"@
        Set-Content -LiteralPath "$ws/corrupt.py" -Value $py
        Invoke-Native python3 "$ws/corrupt.py" | Out-Null
        $damaged = New-DbBackup -Database $db -Destination (Join-Path $dest 'damaged') -AllowDamaged -WarningAction SilentlyContinue
        # The claim names the image of a good backup that really passed its check.
        $good = New-DbBackup -Database $source -Destination (Join-Path $dest 'good')
        Test-DbBackup -Path $good.Path | Out-Null
        $claimed = (Get-Content -Raw "$($good.Path).json" | ConvertFrom-Json -AsHashtable)['integrityCheckedSha256']
        $claimed | Should -Not -BeNullOrEmpty
        Set-SidecarField $damaged.Path @{ integrityCheckedSha256 = $claimed; integrityCheckedUtc = '2026-01-01T00:00:00+00:00' }
        $target = New-SmallDatabase (Join-Path $ws 'victim.db')
        $before = Get-Sha256 $target
        $r = Get-Verbose { try { Restore-DbBackup -Path $damaged.Path -Target $target -Confirm:$false -Verbose -ErrorAction Stop } catch { $script:err = $_ } }
        $r.Verbose | Should -Match 'Running PRAGMA integrity_check on the decompressed'
        $r.Verbose | Should -Not -Match 'Not running PRAGMA integrity_check again'
        $script:err.FullyQualifiedErrorId | Should -Match '^BackupVerificationFailed'
        Get-Sha256 $target | Should -Be $before
    }
}
