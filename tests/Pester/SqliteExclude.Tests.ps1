# New-DbBackup -ExcludeTableData / -ExcludeTable for SQLite: the schema is kept (or the table left out with its
# indexes and triggers), the rows never reach the backup (not even its free pages), the source is only read, and the
# checks that compare row counts know what was excluded. Proved with sqlite3, tar and grep, not by BackupPS itself.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'sqlexclude'
    $script:pw = ConvertTo-SecureString 'exclusion passphrase' -AsPlainText -Force

    # A mesh dashboard's database: devices (kept) with sessions and device_state (security-sensitive), an audit table a
    # DELETE trigger on sessions writes to, a WITHOUT ROWID cache with its own index and trigger, a view, and a tags
    # table that a trigger of devices refers to. Every secret row carries a distinctive string to grep for.
    function New-DashboardDatabase([string] $Path) {
        New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
        $sql = @"
PRAGMA journal_mode = WAL;
CREATE TABLE devices (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, device_id INTEGER REFERENCES devices(id) ON DELETE CASCADE, token TEXT NOT NULL);
CREATE INDEX sessions_device ON sessions (device_id);
CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);
CREATE TRIGGER sessions_gone AFTER DELETE ON sessions BEGIN INSERT INTO audit (what) VALUES ('session ' || old.id || ' deleted'); END;
CREATE TABLE device_state (device_id INTEGER PRIMARY KEY REFERENCES devices(id), state BLOB);
CREATE TABLE cache (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
CREATE INDEX cache_v ON cache (v);
CREATE TRIGGER cache_touch AFTER UPDATE ON cache BEGIN SELECT 1; END;
CREATE TABLE tags (device_id INTEGER, tag TEXT);
CREATE TRIGGER devices_untag AFTER DELETE ON devices BEGIN DELETE FROM tags WHERE device_id = old.id; END;
CREATE VIEW device_names AS SELECT name FROM devices;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO sessions (device_id, token) SELECT i % 50 + 1, 'SESSION-TOKEN-' || i || '-' || hex(randomblob(16)) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO devices SELECT i, 'device ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO device_state SELECT i, CAST('DEVICE-STATE-KEY-' || i AS BLOB) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO cache SELECT 'k' || i, 'CACHED-VALUE-' || i FROM n;
INSERT INTO audit (what) VALUES ('created'), ('first boot');
INSERT INTO tags VALUES (1, 'gateway'), (2, 'edge');
"@
        Invoke-Sqlite $Path $sql | Out-Null
        $Path
    }

    # Every row of a table in a stable order, quoted as SQL literals (independent of BackupPS).
    function Get-OrderedRows([string] $Database, [string] $Table) {
        (Invoke-Native sqlite3 -cmd '.mode quote' $Database "SELECT * FROM `"$Table`" ORDER BY 1, 2;") -join "`n"
    }

    # The database image inside a backup, extracted with tar (zstd) into a fresh folder.
    function Expand-BackupImage($Backup, [string] $Into) {
        New-Item -ItemType Directory -Force -Path $Into | Out-Null
        Invoke-Native tar --zstd -xf $Backup.Path -C $Into | Out-Null
        (Get-ChildItem -LiteralPath (Join-Path $Into 'database') -File | Select-Object -First 1).FullName
    }

    # .schema of a database after sqlite3's own VACUUM of a copy (VACUUM lists tables before indexes in sqlite_schema,
    # and the backup's image is VACUUMed), optionally after SQL run on the copy by sqlite3.
    function Get-VacuumedSchema([string] $Database, [string] $Sql = '') {
        $copy = Join-Path $ws "expected-$([guid]::NewGuid().ToString('N')).db"
        Invoke-Sqlite $Database ".backup '$copy'" | Out-Null
        Invoke-Sqlite $copy "$Sql VACUUM;" | Out-Null
        (Invoke-Sqlite $copy '.schema') -join "`n"
    }

    # The same CREATE statements, whatever their order in sqlite_schema.
    function Get-SortedSchema([string] $Database) {
        ((Invoke-Sqlite $Database '.schema') | Sort-Object) -join "`n"
    }

    function Get-SourceState([string] $Path) {
        @{ Db = Get-Sha256 $Path; Wal = if (Test-Path "$Path-wal") { Get-Sha256 "$Path-wal" } else { '' }; Time = (Get-Item $Path).LastWriteTimeUtc }
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'New-DbBackup -ExcludeTableData (SQLite)' {
    BeforeAll {
        $script:db = New-DashboardDatabase (Join-Path $ws 'data/app.db')
        $script:before = Get-SourceState $db
        $script:dest = Join-Path $ws 'data-backups'
        $script:verbose = New-DbBackup -Database $db -Destination $dest -ExcludeTableData sessions, 'device_*' -Verbose 4>&1
        $script:b = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $script:image = Expand-BackupImage $b (Join-Path $ws 'data-extracted')
    }

    It 'keeps the schema exactly (tables, indexes, triggers, foreign keys, view), as sqlite3 .schema prints it' {
        (Invoke-Sqlite $image '.schema') -join "`n" | Should -Be (Get-VacuumedSchema $db)
        Get-SortedSchema $image | Should -Be (Get-SortedSchema $db)
        Invoke-Sqlite $image 'PRAGMA journal_mode;' | Should -Be 'wal'
        Invoke-Sqlite $image 'PRAGMA foreign_key_list(sessions);' | Should -Match 'devices'
        Invoke-Sqlite $image 'PRAGMA integrity_check;' | Should -Be 'ok'
    }

    It 'holds none of the excluded rows, and every row of the kept tables (the DELETE trigger did not fire)' {
        Get-RowCount $image 'sessions' | Should -Be 0
        Get-RowCount $image 'device_state' | Should -Be 0
        foreach ($table in 'devices', 'audit', 'cache', 'tags') {
            Get-OrderedRows $image $table | Should -Be (Get-OrderedRows $db $table) -Because "$table is kept"
        }
        Get-RowCount $image 'audit' | Should -Be 2
    }

    It 'leaves no trace of an excluded row anywhere in the image (no free page keeps one)' {
        $bytes = [IO.File]::ReadAllBytes($image)
        $text = [Text.Encoding]::ASCII.GetString($bytes)
        $text | Should -Not -Match 'SESSION-TOKEN-'
        $text | Should -Not -Match 'DEVICE-STATE-KEY-'
        $text | Should -Match 'CACHED-VALUE-' # the grep can find what is there
        Invoke-Sqlite $image 'PRAGMA freelist_count;' | Should -Be '0'
    }

    It 'only read the source, and made its scratch copy outside the destination' {
        $after = Get-SourceState $db
        $after.Db | Should -Be $before.Db
        $after.Wal | Should -Be $before.Wal
        $after.Time | Should -Be $before.Time
        Get-RowCount $db 'sessions' | Should -Be 3000
        $copying = "$($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'online backup API' })"
        $copying | Should -Match ([regex]::Escape([IO.Path]::GetTempPath().TrimEnd('/')))
        $copying | Should -Not -Match ([regex]::Escape($dest))
    }

    It 'records the exclusion in the manifest, and Get-DbBackup shows the backup is partial' {
        $sidecar = Get-Content -Raw -LiteralPath "$($b.Path).json" | ConvertFrom-Json
        $sidecar.manifest.partial | Should -BeTrue
        $sidecar.manifest.sqlite.excludeTableData | Should -Be @('sessions', 'device_*')
        $sidecar.manifest.sqlite.excludedTableData | Should -Be @('device_state', 'sessions')
        ($sidecar.manifest.tables | Where-Object name -EQ 'sessions').rows | Should -Be 0
        $listed = Get-DbBackup -Destination $dest
        $listed.Partial | Should -BeTrue
        $listed.ExcludedTableData | Should -Be @('device_state', 'sessions')
        $b.Partial | Should -BeTrue
    }

    It 'passes Test-DbBackup (row counts account for the excluded data)' {
        $r = $b | Test-DbBackup
        $r.Passed | Should -BeTrue
        ($r.Checks | Where-Object Name -EQ 'RowCounts').Message | Should -Match 'data of 2 tables excluded'
    }

    It 'restores to a new path with the excluded tables empty and their schema in place' {
        $restored = Join-Path $ws 'data-restored/app.db'
        $b | Restore-DbBackup -Target $restored -Confirm:$false
        Get-SortedSchema $restored | Should -Be (Get-SortedSchema $db)
        Get-RowCount $restored 'sessions' | Should -Be 0
        Get-OrderedRows $restored 'devices' | Should -Be (Get-OrderedRows $db 'devices')
    }

    It 'an encrypted backup excludes the same way, and its listing (redacted sidecar) still shows it is partial' {
        $encDest = Join-Path $ws 'enc-backups'
        $e = New-DbBackup -Database $db -Destination $encDest -ExcludeTableData sessions -Passphrase $pw
        (Get-DbBackup -Destination $encDest).Partial | Should -BeTrue
        ($e | Test-DbBackup -Passphrase $pw).Passed | Should -BeTrue
        $restored = Join-Path $ws 'enc-restored/app.db'
        $e | Restore-DbBackup -Target $restored -Passphrase $pw -Confirm:$false
        Get-RowCount $restored 'sessions' | Should -Be 0
        Get-RowCount $restored 'device_state' | Should -Be 50
    }

    It 'a plain backup is not partial' {
        $plain = New-DbBackup -Database $db -Destination (Join-Path $ws 'plain-backups')
        $plain.Partial | Should -BeFalse
        $plain.ExcludedTableData | Should -BeNullOrEmpty
    }

    It 'warns about a pattern that matches no table (a typo must not pass silently)' {
        $out = New-DbBackup -Database $db -Destination (Join-Path $ws 'typo-backups') -ExcludeTableData sesions -WarningVariable w 3>$null
        "$w" | Should -Match "'sesions' matches no table"
        $out.Partial | Should -BeFalse
    }
}

Describe 'New-DbBackup -ExcludeTable (SQLite)' {
    BeforeAll {
        $script:db2 = New-DashboardDatabase (Join-Path $ws 'drop/app.db')
    }

    It 'leaves the tables out with their indexes and triggers; everything else is as in the source' {
        $b = New-DbBackup -Database $db2 -Destination (Join-Path $ws 'drop-backups') -ExcludeTable 'CACHE', 'device_st?te'
        $image = Expand-BackupImage $b (Join-Path $ws 'drop-extracted')
        # The expected schema: the source's, with the same tables dropped by sqlite3 itself.
        (Invoke-Sqlite $image '.schema') -join "`n" | Should -Be (Get-VacuumedSchema $db2 'DROP TABLE cache; DROP TABLE device_state;')
        Invoke-Sqlite $image "SELECT count(*) FROM sqlite_schema WHERE tbl_name IN ('cache', 'device_state');" | Should -Be '0'
        foreach ($table in 'devices', 'sessions', 'audit', 'tags') {
            Get-OrderedRows $image $table | Should -Be (Get-OrderedRows $db2 $table)
        }
        $text = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($image))
        $text | Should -Not -Match 'CACHED-VALUE-|DEVICE-STATE-KEY-'
        $b.ExcludedTables | Should -Be @('cache', 'device_state')
        ($b | Test-DbBackup).Passed | Should -BeTrue
    }

    It 'is refused when a kept view, foreign key or trigger depends on the table, naming each, and writes nothing' {
        $dest = Join-Path $ws 'refused-backups'
        $before = Get-SourceState $db2
        $err = Get-ThrownError { New-DbBackup -Database $db2 -Destination $dest -ExcludeTable devices -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Match '^ExcludedTableInUse'
        $message = $err.Exception.Message
        $message | Should -Match "view 'device_names'"
        $message | Should -Match "foreign key of table 'sessions'"
        $message | Should -Match "foreign key of table 'device_state'"
        $err = Get-ThrownError { New-DbBackup -Database $db2 -Destination $dest -ExcludeTable tags -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Match '^ExcludedTableInUse'
        $err.Exception.Message | Should -Match "trigger 'devices_untag' of table 'devices'"
        # No backup, no snapshot copy: only the audit log records the refusal.
        @(Get-ChildItem -LiteralPath $dest -Force -ErrorAction Ignore | Where-Object Name -NE 'audit.jsonl').Count | Should -Be 0
        (Get-SourceState $db2).Db | Should -Be $before.Db
    }

    It 'is accepted when the dependents are excluded too' {
        $b = New-DbBackup -Database $db2 -Destination (Join-Path $ws 'chain-backups') -ExcludeTable sessions, device_state -ExcludeTableData audit
        $image = Expand-BackupImage $b (Join-Path $ws 'chain-extracted')
        Invoke-Sqlite $image "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name);" | Should -Be 'audit,cache,devices,tags'
        (Invoke-Sqlite $image '.schema') -join "`n" | Should -Be (Get-VacuumedSchema $db2 'DROP TABLE sessions; DROP TABLE device_state; DELETE FROM audit;')
        Get-RowCount $image 'audit' | Should -Be 0
        ($b | Test-DbBackup).Passed | Should -BeTrue
    }
}
