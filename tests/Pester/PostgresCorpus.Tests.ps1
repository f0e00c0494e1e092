# PostgreSQL databases that are valid but unusual (issue 12): every one must back up, pass -RestoreTest and round-trip.
# One cluster for the whole file (BeforeAll) to keep CI time small.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/RobustHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:pg = Start-TestPgCluster
    $script:dest = Join-Path $pg.Dir 'backups'
}

AfterAll {
    Stop-TestPgCluster $pg
}

Describe 'PostgreSQL corpus' -Skip:$noPg {
    It 'backs up and restore-tests a database whose settings would break BackupPS''s own sessions (statement_timeout, idle_in_transaction_session_timeout, lock_timeout, search_path)' {
        Invoke-TestPsql $pg postgres 'CREATE DATABASE hostile_settings OWNER app' | Out-Null
        Invoke-TestPsql $pg hostile_settings 'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 300000) g' -User app | Out-Null
        Invoke-TestPsql $pg postgres "ALTER DATABASE hostile_settings SET statement_timeout = '1ms'; ALTER DATABASE hostile_settings SET idle_in_transaction_session_timeout = '20ms'; ALTER DATABASE hostile_settings SET lock_timeout = '1ms'; ALTER DATABASE hostile_settings SET search_path = 'no such schema'" | Out-Null
        try {
            $b = New-DbBackup -Database $pg.AppUrl('hostile_settings') -Destination $dest
            $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
            ($side.manifest.tables | Where-Object name -eq 'public.big').rows | Should -Be 300000
            ($b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')).Passed | Should -BeTrue
        } finally {
            Invoke-TestPsql $pg postgres 'ALTER DATABASE hostile_settings RESET ALL' | Out-Null
        }
    }

    It 'backs up a database with an unpopulated materialized view sorting before other tables, and counts those tables' {
        Invoke-TestPsql $pg postgres 'CREATE DATABASE unpopulated OWNER app' | Out-Null
        Invoke-TestPsql $pg unpopulated 'CREATE MATERIALIZED VIEW a_mv AS SELECT 1 AS x WITH NO DATA; CREATE TABLE b_t AS SELECT g FROM generate_series(1, 7) g; CREATE MATERIALIZED VIEW c_mv AS SELECT 2 AS y;' -User app | Out-Null
        $b = New-DbBackup -Database $pg.AppUrl('unpopulated') -Destination $dest
        $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
        ($side.manifest.tables | Where-Object name -eq 'public.b_t').rows | Should -Be 7
        ($side.manifest.tables | Where-Object name -eq 'public.c_mv').rows | Should -Be 1
        ($b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')).Passed | Should -BeTrue
    }

    It 'counts inheritance parents ONLY, as pg_dump reads them: -ExcludeTableData of a child still passes -RestoreTest' {
        Invoke-TestPsql $pg postgres 'CREATE DATABASE inherit OWNER app' | Out-Null
        Invoke-TestPsql $pg inherit @'
CREATE TABLE parent (id int, v text);
CREATE TABLE child_a () INHERITS (parent);
CREATE TABLE child_b (extra int) INHERITS (parent);
INSERT INTO parent SELECT g, 'p' FROM generate_series(1, 3) g;
INSERT INTO child_a SELECT g, 'a' FROM generate_series(1, 5) g;
INSERT INTO child_b SELECT g, 'b', g FROM generate_series(1, 11) g;
CREATE TABLE measure (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE measure_2025 PARTITION OF measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measure_2026 PARTITION OF measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO measure VALUES ('2025-05-01', 1), ('2026-05-01', 2), ('2026-06-01', 3);
'@ -User app | Out-Null
        $b = New-DbBackup -Database $pg.AppUrl('inherit') -Destination $dest -ExcludeTableData 'public.child_b'
        $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
        ($side.manifest.tables | Where-Object name -eq 'public.parent').rows | Should -Be 3
        ($side.manifest.tables | Where-Object name -eq 'public.child_a').rows | Should -Be 5
        ($side.manifest.tables | Where-Object name -eq 'public.measure_2026').rows | Should -Be 2
        $side.manifest.tables.name | Should -Not -Contain 'public.child_b'
        ($b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')).Passed | Should -BeTrue
    }
}

Describe 'PostgreSQL -LockTimeoutSec' -Skip:$noPg {
    It 'a table held in ACCESS EXCLUSIVE by another session fails the backup with DatabaseLocked after -LockTimeoutSec, not a hang' {
        Invoke-TestPsql $pg postgres 'CREATE DATABASE locked OWNER app' | Out-Null
        Invoke-TestPsql $pg locked 'CREATE TABLE held (id int); INSERT INTO held VALUES (1)' -User app | Out-Null
        $holder = Start-Process -FilePath "$($pg.Bin)/psql" -ArgumentList @('-X', '-q', '-h', $pg.Dir, '-p', $pg.Port, '-U', 'postgres', '-d', 'locked', '-c', '"BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)"') -PassThru -RedirectStandardOutput (Join-Path $pg.Dir 'holder.out')
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while ((Invoke-TestPsql $pg locked "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'held' AND l.mode = 'AccessExclusiveLock' AND l.granted") -ne '1') {
                if ((Get-Date) -gt $deadline) { throw 'the lock holder never got its lock' }
                Start-Sleep -Milliseconds 100
            }
            $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('locked') -Destination $dest -LockTimeoutSec 1 -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseLocked*'
            @(Get-DbBackup $dest -DatabaseName locked -ErrorAction SilentlyContinue).Count | Should -Be 0
        } finally {
            Stop-Process -Id $holder.Id -Force -ErrorAction SilentlyContinue
        }
    }
}
