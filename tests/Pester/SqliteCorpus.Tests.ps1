# A real-world SQLite corpus, differential: unusual databases built by the sqlite3 CLI (and python3 for live and
# crashed writers) go through New-DbBackup -> Test-DbBackup -> Restore-DbBackup (a new target; in place over the
# changed source with -Force; over an unrelated default database with -Force). Each restored database is proven
# against the source by the sqlite3 CLI alone: `.dump` equality, the header properties (page_size, encoding,
# auto_vacuum, application_id, user_version) and PRAGMA integrity_check.
BeforeDiscovery {
    $script:corpus = @(
        @{ Name = 'page-size-512' }
        @{ Name = 'page-size-65536' }
        @{ Name = 'utf16le' }
        @{ Name = 'utf16be' }
        @{ Name = 'auto-vacuum-full' }
        @{ Name = 'auto-vacuum-incremental' }
        @{ Name = 'strict-without-rowid' }
        @{ Name = 'fts5-rtree' }
        @{ Name = 'huge-blob' }
        @{ Name = 'wal-live-writer' }
        @{ Name = 'wal-crashed-writer' }
        @{ Name = 'application-id-only' }
        @{ Name = 'chinook' }
        @{ Name = 'reserved-bytes' }
        @{ Name = 'odd-path' }
    )
}

BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'corpus'

    # Rows of text that exercise every encoding: ASCII, accents, CJK, an astral-plane emoji, an embedded quote.
    $script:textRows = "INSERT INTO t(v) VALUES ('plain'), ('àéîõü'), ('漢字かな'), ('🦆 duck'), ('it''s'), (printf('%.*c', 3000, 'x'));"

    # Builds database $Name at $Path. Returns a process to stop in AfterAll (the live writer), else $null.
    function New-CorpusDatabase([string] $Name, [string] $Path) {
        New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
        switch ($Name) {
            'page-size-512' {
                Invoke-Sqlite $Path "PRAGMA page_size = 512; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows CREATE INDEX t_v ON t(v);" | Out-Null
            }
            'page-size-65536' {
                Invoke-Sqlite $Path "PRAGMA page_size = 65536; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 500) INSERT INTO t(v) SELECT hex(randomblob(100)) FROM s;" | Out-Null
            }
            'utf16le' {
                Invoke-Sqlite $Path "PRAGMA encoding = 'UTF-16le'; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows CREATE INDEX t_v ON t(v);" | Out-Null
            }
            'utf16be' {
                Invoke-Sqlite $Path "PRAGMA encoding = 'UTF-16be'; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows CREATE INDEX t_v ON t(v);" | Out-Null
            }
            'auto-vacuum-full' {
                Invoke-Sqlite $Path "PRAGMA auto_vacuum = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 2000) INSERT INTO t(v) SELECT hex(randomblob(200)) FROM s; DELETE FROM t WHERE id % 3 = 0;" | Out-Null
            }
            'auto-vacuum-incremental' {
                # Free pages left on the freelist (no incremental_vacuum): the image must carry them as they are.
                Invoke-Sqlite $Path "PRAGMA auto_vacuum = INCREMENTAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 2000) INSERT INTO t(v) SELECT hex(randomblob(200)) FROM s; DELETE FROM t WHERE id % 2 = 0;" | Out-Null
                [int](Invoke-Sqlite $Path 'PRAGMA freelist_count') | Should -BeGreaterThan 0
            }
            'strict-without-rowid' {
                $sql = @(
                    'CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;'
                    "INSERT INTO kv VALUES ('a', x'00ff'), ('b', NULL), ('ü', zeroblob(10));"
                    # n * 2 stays an integer: an overflow would store a REAL in the STRICT INT column g, which SQLite's
                    # own quick_check reports as damage ('non-INT value in s.g'), and New-DbBackup rightly refuses.
                    'CREATE TABLE s (id INTEGER PRIMARY KEY, n INT NOT NULL, r REAL, t TEXT, b BLOB, a ANY, g INT GENERATED ALWAYS AS (n * 2) STORED) STRICT;'
                    "INSERT INTO s (n, r, t, b, a) VALUES (1, 1.5, 'x', x'01', 42), (2, -0.0, '', x'', 'any text'), (4611686018427387903, 1e308, NULL, NULL, 1.25);"
                    'CREATE TABLE ws (a INT, b TEXT, PRIMARY KEY (a, b)) STRICT, WITHOUT ROWID;'
                    "INSERT INTO ws VALUES (1, 'one'), (2, 'two');"
                    # A table name that needs quoting, AUTOINCREMENT (sqlite_sequence), statistics (sqlite_stat1), a view and a trigger.
                    'CREATE TABLE "we""ird name ☃" (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);'
                    "INSERT INTO `"we`"`"ird name ☃`"(v) VALUES ('snow'), ('man');"
                    'CREATE VIEW kv_names AS SELECT k FROM kv;'
                    'CREATE TRIGGER s_log AFTER INSERT ON s BEGIN INSERT INTO kv VALUES (new.id, NULL); END;'
                    'ANALYZE;'
                ) -join ' '
                Invoke-Sqlite $Path $sql | Out-Null
            }
            'fts5-rtree' {
                $sql = @(
                    "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61');"
                    "INSERT INTO docs VALUES ('backup', 'a backup that restores'), ('Ünïcode', 'text with accents and 漢字'), ('tar', 'archives with pax headers');"
                    'CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx, miny, maxy);'
                    'INSERT INTO boxes VALUES (1, 0, 1, 0, 1), (2, -5.5, 5.5, -2, 2), (3, 100, 200, 100, 200);'
                    "CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs, 'row');"
                ) -join ' '
                Invoke-Sqlite $Path $sql | Out-Null
            }
            'huge-blob' {
                # 64 MiB of random bytes in one row: hundreds of overflow pages, nothing for zstd to squeeze.
                Invoke-Sqlite $Path "CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB); INSERT INTO b VALUES (1, randomblob(64 * 1024 * 1024)), (2, x'cafe');" | Out-Null
            }
            'wal-live-writer' {
                # A writer that committed frames with checkpoints off and keeps its connection open during the backup.
                Invoke-Sqlite $Path "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows" | Out-Null
                $ready = "$Path.ready"
                $py = "import sqlite3, time`nc = sqlite3.connect('$Path', isolation_level=None)`nc.execute('PRAGMA wal_autocheckpoint=0')`nc.execute(""INSERT INTO t(v) SELECT 'frame ' || value FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 300) SELECT value FROM s)"")`nopen('$ready', 'w').close()`ntime.sleep(300)"
                Set-Content -LiteralPath "$Path.py" -Value $py
                $writer = Start-Process -PassThru -FilePath python3 -ArgumentList "$Path.py"
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not (Test-Path -LiteralPath $ready) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                Test-Path -LiteralPath $ready | Should -BeTrue -Because 'the writer commits its frames within 30 s'
                (Get-Item "$Path-wal").Length | Should -BeGreaterThan 32
                return $writer
            }
            'wal-crashed-writer' {
                # A writer killed with SIGKILL after committing: a hot -wal (and -shm) that the next opener recovers.
                Invoke-Sqlite $Path "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows" | Out-Null
                $py = "import os, signal, sqlite3`nc = sqlite3.connect('$Path', isolation_level=None)`nc.execute('PRAGMA wal_autocheckpoint=0')`nc.execute(""UPDATE t SET v = v || ' (updated)'"")`nc.execute(""INSERT INTO t(v) VALUES ('committed before the crash')"")`nos.kill(os.getpid(), signal.SIGKILL)"
                Set-Content -LiteralPath "$Path.py" -Value $py
                & python3 "$Path.py" 2>$null
                (Get-Item "$Path-wal").Length | Should -BeGreaterThan 32
            }
            'application-id-only' {
                # No table at all: a one-page database that carries only its header fields.
                Invoke-Sqlite $Path 'PRAGMA application_id = 1096040526; PRAGMA user_version = -7;' | Out-Null
                (Get-Item $Path).Length | Should -BeGreaterThan 0
            }
            'chinook' {
                Copy-Chinook $Path | Out-Null
                Invoke-Sqlite $Path 'PRAGMA application_id = 42; PRAGMA user_version = 2026;' | Out-Null
            }
            'reserved-bytes' {
                # 8 bytes reserved at the end of every page (as checksum and encryption VFSes use them).
                Invoke-Native sqlite3 $Path '.filectrl reserve_bytes 8' "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows" | Out-Null
            }
            'odd-path' {
                # The path, not the content, is unusual: spaces, quotes, URI and connection-string characters, non-ASCII.
                Invoke-Sqlite $Path "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); $textRows" | Out-Null
            }
            default { throw "Unknown corpus database '$Name'." }
        }
        $null
    }

    # The content as sqlite3 dumps it, into a file (the huge blob's dump is 128 MiB of hex): returns its path.
    function Save-Dump([string] $Database, [string] $File) {
        Invoke-Native sh -c 'sqlite3 "$1" .dump > "$2"' sh $Database $File | Out-Null
        $File
    }

    # A copy of the database and its -wal (not the -shm) in a folder of its own, so that the sqlite3 CLI reading it
    # (which recovers a hot WAL and checkpoints on close) cannot touch the source that is about to be backed up.
    function Copy-DatabaseFiles([string] $Database, [string] $Folder) {
        New-Item -ItemType Directory -Force -Path $Folder | Out-Null
        $copy = Join-Path $Folder (Split-Path -Leaf $Database)
        Copy-Item -LiteralPath $Database -Destination $copy
        if (Test-Path -LiteralPath "$Database-wal") { Copy-Item -LiteralPath "$Database-wal" -Destination "$copy-wal" }
        $copy
    }

    function Get-HeaderProperties([string] $Database) {
        (Invoke-Native sqlite3 $Database 'PRAGMA page_size; PRAGMA encoding; PRAGMA auto_vacuum; PRAGMA application_id; PRAGMA user_version;' '.filectrl reserve_bytes') -join ' | '
    }

    # Two dumps are equal, byte for byte; on a difference, the first differing lines (cut short) say where.
    function Assert-SameDump([string] $Expected, [string] $Actual) {
        $same = (Get-Sha256 $Expected) -eq (Get-Sha256 $Actual)
        $diff = if ($same) { '' } else { (& diff $Expected $Actual | Select-Object -First 12 | ForEach-Object { if ($_.Length -gt 200) { $_.Substring(0, 200) + '…' } else { $_ } }) -join "`n" }
        $same | Should -BeTrue -Because "the restored database dumps as its source did:`n$diff"
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'SQLite corpus round trip: <Name>' -ForEach $corpus {
    BeforeAll {
        $script:case = Join-Path $ws $Name
        $script:source = if ($Name -eq 'odd-path') { Join-Path $case "so urce 'q' `"d`" #?%20&x=1;y ü/app db;.sqlite" } else { Join-Path $case 'source/app.db' }
        $script:writer = New-CorpusDatabase $Name $source
        $reference = Copy-DatabaseFiles $source (Join-Path $case 'reference')
        $script:expectedDump = Save-Dump $reference (Join-Path $case 'expected.sql')
        $script:expectedHeader = Get-HeaderProperties $reference
        $script:walBefore = if (Test-Path -LiteralPath "$source-wal") { Get-Sha256 "$source-wal" }
        $script:backup = New-DbBackup -Database $source -Destination (Join-Path $case 'backups') -WarningAction SilentlyContinue
    }

    AfterAll {
        if ($writer) { Stop-Process -Id $writer.Id -Force -ErrorAction Ignore; $writer.WaitForExit(10000) | Out-Null }
    }

    It 'is backed up, its source only read, and Test-DbBackup passes' {
        $backup | Should -Not -BeNullOrEmpty
        if ($walBefore) { Get-Sha256 "$source-wal" | Should -Be $walBefore -Because 'the backup neither checkpoints nor writes the source WAL' }
        $m = (Get-Content -Raw -LiteralPath "$($backup.Path).json" | ConvertFrom-Json).manifest.sqlite
        $m.quickCheck | Should -Be @('ok')
        "$($m.pageSize) | $($m.textEncoding) | $($expectedHeader.Split(' | ')[2]) | $($m.applicationId) | $($m.userVersion) | $($expectedHeader.Split(' | ')[5])" | Should -Be $expectedHeader -Because 'the manifest records the header as sqlite3 reads it'
        $verdict = $backup | Test-DbBackup
        $verdict.Passed | Should -BeTrue -Because "$($verdict.FailureReason)"
    }

    It 'restores to a new target with the same dump, header properties and integrity' {
        $target = Join-Path $case 'restored/app.db'
        $backup | Restore-DbBackup -Target $target -Confirm:$false
        Assert-SameDump $expectedDump (Save-Dump $target (Join-Path $case 'restored.sql'))
        Get-HeaderProperties $target | Should -Be $expectedHeader
        Invoke-Sqlite $target 'PRAGMA integrity_check' | Should -Be 'ok'
    }

    It 'restores in place over the changed source with -Force, and its safety backup holds the changed source' {
        Invoke-Sqlite $source "CREATE TABLE changed_after_backup (x); INSERT INTO changed_after_backup VALUES (1); PRAGMA user_version = 99;" | Out-Null
        $changedDump = Save-Dump $source (Join-Path $case 'changed.sql')
        $backup | Restore-DbBackup -Force
        Assert-SameDump $expectedDump (Save-Dump $source (Join-Path $case 'in-place.sql'))
        Get-HeaderProperties $source | Should -Be $expectedHeader
        Invoke-Sqlite $source 'PRAGMA integrity_check' | Should -Be 'ok'
        $safety = @(Get-DbBackup (Join-Path $case 'backups') | Where-Object Type -eq 'PreRestore')
        $safety.Count | Should -Be 1
        $rolledBack = Join-Path $case 'safety/app.db'
        $safety[0] | Restore-DbBackup -Target $rolledBack -Confirm:$false
        Assert-SameDump $changedDump (Save-Dump $rolledBack (Join-Path $case 'safety.sql'))
    }

    It 'restores with -Force over an unrelated default database (UTF-8, 4096-byte pages, no auto_vacuum)' {
        $target = New-SmallDatabase (Join-Path $case 'unrelated/app.db') -Rows 50
        $backup | Restore-DbBackup -Target $target -Force
        Assert-SameDump $expectedDump (Save-Dump $target (Join-Path $case 'unrelated.sql'))
        Get-HeaderProperties $target | Should -Be $expectedHeader
        Invoke-Sqlite $target 'PRAGMA integrity_check' | Should -Be 'ok'
    }
}
