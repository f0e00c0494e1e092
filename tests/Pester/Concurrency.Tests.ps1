#Requires -Version 7.4
# Concurrency guarantees of the BUILT module, proven with real processes: a sqlite3 writer committing while
# New-DbBackup runs, and sqlite3 readers holding the target open while Restore-DbBackup replaces it.

BeforeAll {
    . (Join-Path $PSScriptRoot 'RobustHelpers.ps1')
    Import-BackupPSUnderTest
    $script:Root = Join-Path $TestDrive 'concurrency'
    $null = New-Item -ItemType Directory -Force $script:Root

    # One transaction per sqlite3 process: counter(id, v) gets row i and meta.last becomes i, atomically, with
    # i = 1, 2, 3, ... so a consistent copy holds rows 1..n with meta.last = n. Stops at the stop file (or a bound).
    $script:WriterScript = Join-Path $script:Root 'writer.sh'
    Set-Content -LiteralPath $script:WriterScript -Value @'
#!/bin/bash
db=$1; stop=$2; progress=$3; errlog=$4; pause=${5:-0}
i=0
while [ ! -e "$stop" ] && [ $i -lt 100000 ]; do
  i=$((i + 1))
  if ! sqlite3 -batch -bail "$db" ".timeout 10000" "BEGIN IMMEDIATE; INSERT INTO counter(id, v) VALUES ($i, $i); UPDATE meta SET last = $i; COMMIT;" >/dev/null 2>>"$errlog"; then
    echo "transaction $i failed" >>"$errlog"
    exit 1
  fi
  echo "$i" >"$progress.tmp" && mv -f "$progress.tmp" "$progress"
  if [ "$pause" != 0 ]; then sleep "$pause"; fi
done
exit 0
'@
    function Get-WriterProgress([string] $ProgressFile) {
        $text = Get-Content -Raw -LiteralPath $ProgressFile -ErrorAction Ignore
        if ($text -match '^\d+') { [int]$Matches[0] } else { 0 }
    }
}

# The engine snapshots three ways (SqliteSnapshot): WAL fully checkpointed → the frozen file is streamed under a read
# transaction; WAL with frames a checkpoint cannot reach (a reader pins them) → SQLite's online backup API;
# rollback journal → a copy under the SHARED lock. Each is run here against a live writer; -Verbose tells which ran.
Describe 'New-DbBackup while a writer keeps committing (<Name>)' -ForEach @(
    @{ Name = 'WAL, writer pausing between commits'; Mode = 'wal'; Pin = $false; Pause = '0.05'; Snapshot = 'frozen file streamed', 'backup API' }
    @{ Name = 'WAL, flat-out writer, a reader pinning the WAL'; Mode = 'wal'; Pin = $true; Pause = '0'; Snapshot = , 'backup API' }
    @{ Name = 'rollback journal, flat-out writer'; Mode = 'delete'; Pin = $false; Pause = '0'; Snapshot = , 'copy under lock' }
) {
    BeforeAll {
        $dir = Join-Path $script:Root "writer-$Mode-$Pin"
        $null = New-Item -ItemType Directory -Force $dir
        $db = New-TestDatabase -Path (Join-Path $dir 'live.db') -SizeMB 100 -JournalMode $Mode -Tag live
        $stop = Join-Path $dir 'stop'
        $progressFile = Join-Path $dir 'progress'
        $errLog = Join-Path $dir 'writer.err'
        $null = New-Item -ItemType File $errLog
        $pinned = $null
        if ($Pin) {
            # A reader whose read transaction began before any frame was written: no checkpoint can complete while it lasts.
            $pinned = Start-SqliteSession -Database $db.Path -WorkDir (Join-Path $dir 'pinned-reader')
            Send-SqliteSession $pinned 'BEGIN;'
            Invoke-SqliteSession $pinned "SELECT count(*), 'END' FROM counter;" | Should -Be '0'
        }
        $writer = Start-ChildProcess -FilePath '/bin/bash' -ArgumentList @($script:WriterScript, $db.Path, $stop, $progressFile, $errLog, $Pause) `
            -StdOut (Join-Path $dir 'writer.out') -StdErr (Join-Path $dir 'writer.stderr')
        try {
            # The writer is demonstrably committing before the backup starts.
            Wait-Until -TimeoutSec 60 -Because 'the writer to commit 20 transactions' -Condition {
                if ($writer.HasExited) { throw "The writer exited early: $(Get-Content -Raw $errLog)" }
                (Get-WriterProgress $progressFile) -ge 20
            }
            $committedBefore = Get-WriterProgress $progressFile
            $output = New-DbBackup -Database $db.Path -Destination (Join-Path $dir 'backups') -Verbose -ErrorVariable backupErrors -ErrorAction SilentlyContinue 4>&1
            $committedAfterBackup = Get-WriterProgress $progressFile
            # Let it commit a few more after the backup, proving it was not wedged by it.
            Wait-Until -TimeoutSec 60 -Because 'the writer to go on committing after the backup' -Condition {
                $writer.HasExited -or (Get-WriterProgress $progressFile) -ge $committedAfterBackup + 10
            }
        } finally {
            $null = New-Item -ItemType File -Force $stop
            Wait-ChildProcess $writer -TimeoutSec 60
        }
        if ($pinned) {
            Invoke-SqliteSession $pinned "SELECT count(*), 'END' FROM counter;" | Should -Be '0' -Because 'the pinned reader kept its snapshot'
            Stop-SqliteSession $pinned
        }
        $backup = $output | Where-Object { $_ -is [BackupPS.DbBackup] }
        $verbose = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        $snapshotPath = switch -Regex ($verbose) {
            'frozen' { 'frozen file streamed'; break }
            'online backup API' { 'backup API'; break }
            'SHARED lock' { 'copy under lock'; break }
            default { 'unknown' }
        }
        $writerExit = $writer.ExitCode
        $writerErrors = (Get-Content -Raw $errLog) ?? ''
        $final = Invoke-Sqlite3 $db.Path "SELECT count(*) || '|' || max(id) || '|' || (SELECT last FROM meta) FROM counter;"

        $restored = Join-Path $dir 'restored/live.db'
        if ($backup) { $restore = Restore-DbBackup -InputObject $backup -Target $restored -Confirm:$false -ErrorVariable restoreErrors -ErrorAction SilentlyContinue }
        Write-Host "    [$Name] snapshot: $snapshotPath; the writer committed $committedBefore transactions before the backup, $committedAfterBackup when it returned, $($final.Split('|')[0]) in all"
    }
    AfterAll {
        if ($writer -and -not $writer.HasExited) { Stop-ChildProcess $writer }
        Stop-SqliteSession $pinned
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
    }

    # With a pausing writer the WAL is usually fully checkpointed when the backup starts (frozen file), but a commit
    # landing at that instant legitimately sends it to the backup API: either is right, the consistency checks below hold for both.
    It 'took a snapshot path valid for the mode' {
        $snapshotPath | Should -BeIn $Snapshot
    }

    It 'makes the backup without errors' {
        $backupErrors | Should -BeNullOrEmpty
        $backup | Should -Not -BeNullOrEmpty
    }

    It 'never fails the writer (no lock error, exit status 0)' {
        $writerErrors | Should -BeNullOrEmpty
        $writerExit | Should -Be 0
        # The source itself stayed consistent under the concurrent writer.
        $count, $max, $last = $final.Split('|')
        $count | Should -Be $max
        $last | Should -Be $max
    }

    It 'restores to a new path and passes integrity_check' {
        $restoreErrors | Should -BeNullOrEmpty
        $restore.IntegrityCheck | Should -Be 'ok'
        Get-IntegrityCheck $restored | Should -Be 'ok'
    }

    It 'holds a consistent prefix of the committed transactions (rows 1..n, no gap, meta.last = n)' {
        $count, $max, $minId, $last, $mismatched = (Invoke-Sqlite3 $restored "SELECT count(*) || '|' || coalesce(max(id), 0) || '|' || coalesce(min(id), 0) || '|' || (SELECT last FROM meta) || '|' || (SELECT count(*) FROM counter WHERE v <> id) FROM counter;").Split('|') | ForEach-Object { [long]$_ }
        $count | Should -Be $max -Because 'every committed transaction up to the snapshot is present, without gaps'
        $minId | Should -Be 1
        $last | Should -Be $count -Because 'meta.last was updated in the same transactions as counter'
        $mismatched | Should -Be 0
        $count | Should -BeGreaterOrEqual $committedBefore -Because 'everything committed before the backup started is in it'
        $count | Should -BeLessOrEqual ([long]$final.Split('|')[0])
        $backup.TableRowCounts['counter'] | Should -Be $count -Because "the manifest's row count describes the snapshot itself"
        $backup.TableRowCounts['blobs'] | Should -Be $db.Rows
        [long](Invoke-Sqlite3 $restored 'SELECT count(*) FROM blobs;') | Should -Be $db.Rows
    }

    It 'verifies with Test-DbBackup' {
        $result = Test-DbBackup -InputObject $backup
        $result.Passed | Should -BeTrue -Because $result.FailureReason
    }
}

Describe 'Restore-DbBackup while a sqlite3 reader holds the target open' {
    BeforeAll {
        $script:Sessions = [System.Collections.Generic.List[object]]::new()
        # The content to restore: 300 rows tagged 'new'; the targets hold 100 rows tagged 'old'.
        function New-Scenario([string] $Name, [string] $Mode) {
            $dir = Join-Path $script:Root "reader-$Name"
            $null = New-Item -ItemType Directory -Force $dir
            $new = Join-Path $dir 'new.db'
            $null = Invoke-Sqlite3 $new @("PRAGMA journal_mode = $Mode;", 'CREATE TABLE t(id INTEGER PRIMARY KEY, tag TEXT, pad BLOB);',
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300) INSERT INTO t SELECT x, 'new', randomblob(3000) FROM c;")
            $backup = New-DbBackup -Database $new -Destination (Join-Path $dir 'backups') -ErrorAction Stop
            $target = Join-Path $dir 'target.db'
            $null = Invoke-Sqlite3 $target @("PRAGMA journal_mode = $Mode;", 'CREATE TABLE t(id INTEGER PRIMARY KEY, tag TEXT, pad BLOB);',
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) INSERT INTO t SELECT x, 'old', randomblob(3000) FROM c;")
            $session = Start-SqliteSession -Database $target -WorkDir (Join-Path $dir 'reader')
            $script:Sessions.Add($session)
            [pscustomobject]@{ Dir = $dir; Backup = $backup; Target = $target; Session = $session }
        }
        $script:ContentQuery = "SELECT count(*), min(tag), max(tag), 'END' FROM t;"
    }
    AfterAll {
        foreach ($s in $script:Sessions) { Stop-SqliteSession $s }
    }

    It 'WAL mode: restores under an open reader connection, which then sees the restored content' {
        $s = New-Scenario 'wal-open' 'wal'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old'

        $result = Restore-DbBackup -InputObject $s.Backup -Target $s.Target -Force -LockTimeoutSec 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        $result.IntegrityCheck | Should -Be 'ok'

        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '300|new|new'
        Invoke-SqliteSession $s.Session "SELECT group_concat(integrity_check, ' '), 'END' FROM pragma_integrity_check;" | Should -Be 'ok'
        Get-SqliteSessionErrors $s.Session | Should -BeNullOrEmpty
        Get-IntegrityCheck $s.Target | Should -Be 'ok'
        (Invoke-Sqlite3 $s.Target 'PRAGMA journal_mode;') | Should -Be 'wal'
    }

    It 'WAL mode: a reader inside a read transaction keeps its snapshot (never a mix), then sees the restored content' {
        $s = New-Scenario 'wal-tx' 'wal'
        Send-SqliteSession $s.Session 'BEGIN;'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old'

        $result = Restore-DbBackup -InputObject $s.Backup -Target $s.Target -Force -LockTimeoutSec 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        $result.IntegrityCheck | Should -Be 'ok'

        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old' -Because 'a WAL read transaction sees one consistent version'
        Send-SqliteSession $s.Session 'COMMIT;'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '300|new|new'
        Get-SqliteSessionErrors $s.Session | Should -BeNullOrEmpty
        Get-IntegrityCheck $s.Target | Should -Be 'ok'
    }

    It 'rollback-journal mode: restores while a reader holds the connection open (no transaction)' {
        $s = New-Scenario 'delete-open' 'delete'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old'

        $result = Restore-DbBackup -InputObject $s.Backup -Target $s.Target -Force -LockTimeoutSec 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        $result.IntegrityCheck | Should -Be 'ok'

        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '300|new|new'
        Invoke-SqliteSession $s.Session "SELECT group_concat(integrity_check, ' '), 'END' FROM pragma_integrity_check;" | Should -Be 'ok'
        Get-SqliteSessionErrors $s.Session | Should -BeNullOrEmpty
        Get-IntegrityCheck $s.Target | Should -Be 'ok'
    }

    It 'rollback-journal mode: a reader inside a read transaction makes it fail with DatabaseLocked, target byte-identical' {
        $s = New-Scenario 'delete-tx' 'delete'
        Send-SqliteSession $s.Session 'BEGIN;'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old'
        $before = Get-Sha256 $s.Target

        $result = Restore-DbBackup -InputObject $s.Backup -Target $s.Target -Force -LockTimeoutSec 2 -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'DatabaseLocked,BackupPS.Cmdlets.RestoreDbBackupCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'

        Get-Sha256 $s.Target | Should -Be $before
        Test-Path "$($s.Target)-journal" | Should -BeFalse -Because 'a failed replacement leaves no hot journal behind'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old'
        Send-SqliteSession $s.Session 'COMMIT;'
        Invoke-SqliteSession $s.Session $script:ContentQuery | Should -Be '100|old|old'
        Get-SqliteSessionErrors $s.Session | Should -BeNullOrEmpty
        Get-Sha256 $s.Target | Should -Be $before
        Get-IntegrityCheck $s.Target | Should -Be 'ok'
        # No scratch folder left beside the target.
        Get-ChildItem -Force $s.Dir -Filter '.backupps-*' | Should -BeNullOrEmpty
    }
}
