# SQLite companions (-wal, -shm, -journal) at a restore target that do not belong to the restored image: SQLite must
# never replay them into it. Leftovers are built by real sqlite3/python processes; content is proven by sqlite3 .dump.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'leftovers'
    $script:dest = Join-Path $ws 'backups'
    # The backed-up source: WAL mode, so its restored image opens its -wal when one lies beside it.
    $script:source = Join-Path $ws 'source.db'
    Invoke-Sqlite $source "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'backed up'), (2, 'backed up');" | Out-Null
    $script:sourceDump = (Invoke-Sqlite $source '.dump') -join "`n"
    $script:backup = New-DbBackup -Database $source -Destination $dest

    # Companions of an older database at some path: a -wal/-shm copied while a writer held frames un-checkpointed.
    function New-ForeignWal([string] $Folder) {
        New-Item -ItemType Directory -Force -Path $Folder | Out-Null
        $old = Join-Path $Folder 'old.db'
        $sql = "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); " +
            "INSERT INTO t SELECT value, 'old row' FROM generate_series(1, 50);"
        # .shell runs while the connection is open, before the CLI's closing checkpoint deletes the -wal.
        Invoke-Native sqlite3 $old $sql ".shell cp '$old-wal' '$Folder/wal' && cp '$old-shm' '$Folder/shm'" | Out-Null
        Remove-Item -LiteralPath $old
        @{ Wal = Join-Path $Folder 'wal'; Shm = Join-Path $Folder 'shm' }
    }
    # A hot journal: a rollback-mode writer killed with SIGKILL after its cache spilled into the database file.
    function New-HotJournal([string] $Folder) {
        New-Item -ItemType Directory -Force -Path $Folder | Out-Null
        $old = Join-Path $Folder 'old.db'
        $py = @"
import os, sqlite3, shutil, signal
c = sqlite3.connect('$old', isolation_level=None)
c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
c.execute("INSERT INTO t SELECT value, hex(randomblob(200)) FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 2000) SELECT value FROM s)")
c.execute("PRAGMA cache_size=2")
c.execute("BEGIN")
c.execute("UPDATE t SET v = 'old row'")
shutil.copy('$old-journal', '$Folder/journal')
os.kill(os.getpid(), signal.SIGKILL)
"@
        Set-Content -LiteralPath "$Folder/writer.py" -Value $py
        & python3 "$Folder/writer.py" 2>$null
        Remove-Item -LiteralPath $old, "$old-journal" -ErrorAction Ignore
        Join-Path $Folder 'journal'
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Restore-DbBackup with leftovers of another database at the target' {
    It 'a -wal and -shm without their database are moved aside, kept, and not replayed' {
        $foreign = New-ForeignWal (Join-Path $ws 'w1')
        $target = Join-Path $ws 'w1/app.db'
        Copy-Item $foreign.Wal "$target-wal"; Copy-Item $foreign.Shm "$target-shm"
        $walHash = Get-Sha256 "$target-wal"
        $verbose = $backup | Restore-DbBackup -Target $target -Confirm:$false -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
        Invoke-Sqlite $target 'PRAGMA integrity_check' | Should -Be 'ok'
        $kept = @(Get-ChildItem -LiteralPath (Join-Path $ws 'w1') -Filter 'app.db-wal.orphaned-*')
        $kept.Count | Should -Be 1
        Get-Sha256 $kept[0].FullName | Should -Be $walHash
        @(Get-ChildItem -LiteralPath (Join-Path $ws 'w1') -Filter 'app.db-shm.orphaned-*').Count | Should -Be 1
        ($verbose.Message -join "`n") | Should -Match ([regex]::Escape("$target-wal"))
    }

    It 'a hot journal without its database is moved aside, kept, and not rolled back into the restored image' {
        $journal = New-HotJournal (Join-Path $ws 'j1')
        (Get-Item $journal).Length | Should -BeGreaterThan 512
        $target = Join-Path $ws 'j1/app.db'
        Copy-Item $journal "$target-journal"
        $backup | Restore-DbBackup -Target $target -Confirm:$false
        (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
        @(Get-ChildItem -LiteralPath (Join-Path $ws 'j1') -Filter 'app.db-journal.orphaned-*').Count | Should -Be 1
    }

    It 'a stale -wal of an older database beside an existing rollback-mode target is not replayed' {
        $foreign = New-ForeignWal (Join-Path $ws 'w2')
        $target = New-SmallDatabase (Join-Path $ws 'w2/app.db')
        Copy-Item $foreign.Wal "$target-wal"; Copy-Item $foreign.Shm "$target-shm"
        $backup | Restore-DbBackup -Target $target -Confirm:$false
        (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
    }

    It 'a -wal of another database beside an existing, idle WAL-mode target is moved aside and kept, and the safety backup holds the target as it was' {
        $foreign = New-ForeignWal (Join-Path $ws 'w3')
        $target = Join-Path $ws 'w3/app.db'
        # An application database that has seen some use, closed cleanly (its own -wal checkpointed and deleted).
        Invoke-Sqlite $target ("PRAGMA journal_mode=WAL; CREATE TABLE app (id INTEGER PRIMARY KEY, v TEXT);" + (-join (1..12 | ForEach-Object { " INSERT INTO app (v) VALUES ('app row $_');" }))) | Out-Null
        $targetDump = (Invoke-Sqlite $target '.dump') -join "`n"
        Test-Path "$target-wal" | Should -BeFalse
        Copy-Item $foreign.Wal "$target-wal"; Copy-Item $foreign.Shm "$target-shm"
        $walHash = Get-Sha256 "$target-wal"
        $verbose = $backup | Restore-DbBackup -Target $target -Confirm:$false -Verbose 4>&1
        $result = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $messages = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
        $kept = @(Get-ChildItem -LiteralPath (Join-Path $ws 'w3') -Filter 'app.db-wal.orphaned-*')
        $kept.Count | Should -Be 1
        Get-Sha256 $kept[0].FullName | Should -Be $walHash
        $messages | Should -Match 'belongs to another database'
        # The safety backup is the target as any application saw it, not the target with the other database's frames replayed.
        $undo = Join-Path $ws 'w3/undo.db'
        $result.SafetyBackup | Restore-DbBackup -Target $undo -Confirm:$false | Out-Null
        (Invoke-Sqlite $undo '.dump') -join "`n" | Should -Be $targetDump
    }

    It 'a hot -wal the own writer of the target left when it was killed belongs to it: the safety backup holds its committed rows' {
        $folder = Join-Path $ws 'w4'
        New-Item -ItemType Directory -Force -Path $folder | Out-Null
        $target = Join-Path $folder 'app.db'
        Invoke-Sqlite $target ("PRAGMA journal_mode=WAL; CREATE TABLE app (id INTEGER PRIMARY KEY, v TEXT);" + (-join (1..5 | ForEach-Object { " INSERT INTO app (v) VALUES ('app row $_');" }))) | Out-Null
        $py = @"
import os, sqlite3, signal
c = sqlite3.connect('$target', isolation_level=None)
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("INSERT INTO app (v) VALUES ('committed before the crash')")
c.execute("CREATE TABLE later (x)")
os.kill(os.getpid(), signal.SIGKILL)
"@
        Set-Content -LiteralPath "$folder/writer.py" -Value $py
        & python3 "$folder/writer.py" 2>$null
        (Get-Item "$target-wal").Length | Should -BeGreaterThan 0
        # What any application opening the target sees: its committed rows, replayed from its own -wal (on a copy).
        Copy-Item $target "$folder/probe.db"; Copy-Item "$target-wal" "$folder/probe.db-wal"
        $targetDump = (Invoke-Sqlite "$folder/probe.db" '.dump') -join "`n"
        $targetDump | Should -Match 'committed before the crash'
        $result = $backup | Restore-DbBackup -Target $target -Confirm:$false
        (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
        @(Get-ChildItem -LiteralPath $folder -Filter 'app.db-wal.orphaned-*').Count | Should -Be 0
        $undo = Join-Path $folder 'undo.db'
        $result.SafetyBackup | Restore-DbBackup -Target $undo -Confirm:$false | Out-Null
        (Invoke-Sqlite $undo '.dump') -join "`n" | Should -Be $targetDump
    }

    It 'the -wal of a live WAL-mode target is respected: the restore goes through SQLite and the result is the backup' {
        $target = Join-Path $ws 'live/app.db'
        New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
        Invoke-Sqlite $target "PRAGMA journal_mode=WAL; CREATE TABLE x (a); INSERT INTO x VALUES (1);" | Out-Null
        $script = Join-Path (Split-Path $target) 'writer.py'
        Set-Content -LiteralPath $script -Value "import sqlite3,time`nc=sqlite3.connect('$target')`nc.execute('PRAGMA wal_autocheckpoint=0')`nc.execute('INSERT INTO x VALUES (2)')`nc.commit()`ntime.sleep(60)"
        $reader = Start-Process -PassThru -FilePath python3 -ArgumentList $script
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (-not (Test-Path "$target-wal") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Start-Sleep -Milliseconds 300
            $backup | Restore-DbBackup -Target $target -Confirm:$false
            (Invoke-Sqlite $target '.dump') -join "`n" | Should -Be $sourceDump
            @(Get-ChildItem -LiteralPath (Split-Path $target) -Filter '*.orphaned-*').Count | Should -Be 0
        }
        finally { Stop-Process -Id $reader.Id -Force -ErrorAction Ignore }
    }
}
