# Hostile settings of the database or role (ALTER DATABASE / ALTER ROLE … IN DATABASE … SET) must not break or bend
# BackupPS: its own Npgsql sessions and every child tool (pg_dump, pg_dumpall, pg_restore, psql) neutralise them. Each
# setting gets a backup, Test-DbBackup, a restore under a new name and one in place, each checked against the source
# with pg_dump --schema-only and per-table hashes (PostgresDiffHelpers.ps1). Also: database names that libpq would
# read as a connection string ('=') with -IncludeGlobals, and an in-place restore of a backup taken over a socket.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
    $script:settings = @(
        @{ Name = 'statement_timeout'; Set = "statement_timeout = '1ms'" }
        @{ Name = 'lock_timeout'; Set = "lock_timeout = '1ms'" }
        @{ Name = 'idle_in_transaction_session_timeout'; Set = "idle_in_transaction_session_timeout = '1ms'" }
        @{ Name = 'default_transaction_read_only'; Set = 'default_transaction_read_only = on' }
        @{ Name = 'search_path empty'; Set = "search_path = ''" }
        @{ Name = 'search_path hostile'; Set = 'search_path = hostile, public' }
        @{ Name = 'default_transaction_isolation'; Set = "default_transaction_isolation = 'serializable'" }
        @{ Name = 'role'; Set = 'role = other_role' }
        @{ Name = 'client_encoding'; Set = "client_encoding = 'LATIN1'" }
        @{ Name = 'DateStyle'; Set = "DateStyle = 'SQL, DMY'" }
        @{ Name = 'IntervalStyle'; Set = "IntervalStyle = 'sql_standard'" }
        @{ Name = 'extra_float_digits'; Set = 'extra_float_digits = -15' }
        @{ Name = 'transaction_read_only'; Set = 'transaction_read_only = on' }
        @{ Name = 'session_authorization'; Set = 'session_authorization = other_role' }
    )
}

BeforeAll {
    . $PSScriptRoot/RobustHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    . $PSScriptRoot/PostgresDiffHelpers.ps1
    Import-BackupPSUnderTest
    $script:pg = Start-TestPgCluster
    $script:dest = Join-Path $pg.Dir 'backups'
    # The test's own psql/pg_dump sessions read with fixed settings, whatever the databases say (this is what is tested).
    $env:PGOPTIONS = "-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0 -c default_transaction_read_only=off -c role=none -c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c client_encoding=UTF8"
    function script:QI([string]$s) { '"' + $s.Replace('"', '""') + '"' }
    # psql -d reads a name with '=' as a connection string: pass every database as one.
    function script:Db([string]$db) { "dbname='$($db.Replace('\', '\\').Replace("'", "\'"))'" }
    function script:AppDbUrl([string]$db) { "postgres://app:$([uri]::EscapeDataString($pg.AppPassword))@127.0.0.1:$($pg.Port)/$([uri]::EscapeDataString($db))" }
    Invoke-TestPsql $pg postgres 'CREATE ROLE other_role NOLOGIN; GRANT other_role TO app' | Out-Null
    $script:n = 0
    function script:New-DataDb([string]$name) {
        Invoke-TestPsql $pg postgres "CREATE DATABASE $(QI $name) OWNER app" | Out-Null
        Invoke-TestPsqlScript $pg (Db $name) @"
CREATE SCHEMA hostile AUTHORIZATION app;
SET ROLE app;
CREATE TABLE public.t (id int PRIMARY KEY, v text, f float8, r real, d date, ts timestamptz, iv interval, n numeric);
INSERT INTO public.t SELECT g, 'café ü ß ' || g, g / 3.0, g / 7.0, date '2020-02-29' + g, timestamptz '2021-03-04 05:06:07.891+02' + g * interval '1 hour', make_interval(0, g, 0, g, g, g, g / 9.0), g / 11.0 FROM generate_series(1, 200) g;
CREATE SEQUENCE public.s START 5; SELECT nextval('public.s');
CREATE VIEW public.v AS SELECT id, v FROM public.t WHERE id < 10;
-- a hostile schema that shadows functions and operators by name
CREATE FUNCTION hostile.count(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
CREATE TABLE hostile.t (x int); INSERT INTO hostile.t VALUES (1);
"@ | Out-Null
    }
}

AfterAll {
    Stop-TestPgCluster $pg
    Remove-Item Env:PGOPTIONS -ErrorAction SilentlyContinue
}

Describe 'PostgreSQL under hostile database and role settings' -Skip:$noPg {
    It 'backs up, verifies and restores (new name and in place) under <Name> set on the database and the role' -ForEach $settings {
        $script:n++
        $src = "set$n src"
        New-DataDb $src
        Invoke-TestPsql $pg postgres "ALTER DATABASE $(QI $src) SET $Set; ALTER ROLE app IN DATABASE $(QI $src) SET $Set" | Out-Null
        $b = New-DbBackup -Database (AppDbUrl $src) -Destination $dest -Name "set$n"
        ($b | Test-DbBackup).Status | Should -Be 'Passed'
        $copy = "set$n copy"
        $b | Restore-DbBackup -Target (AppDbUrl $copy) -Force | Out-Null
        $fp = Assert-TestSameDatabase $pg (Db $src) (Db $copy)
        @($fp | Where-Object { $_ -like 'table *' }).Count | Should -Be 2
        # in place, with the settings on the target as they were on the source
        Invoke-TestPsql $pg (Db $src) 'DELETE FROM public.t WHERE id > 100' | Out-Null
        $b | Restore-DbBackup -Target (AppDbUrl $src) -Force -WarningAction SilentlyContinue | Out-Null
        Assert-TestSameDatabase $pg (Db $copy) (Db $src) | Out-Null
        Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'set$n%backupps%'" | Should -Be '0'
    }
}

Describe 'PostgreSQL database names libpq could read as a connection string' -Skip:$noPg {
    It 'a database named with =, quotes, a backslash and spaces backs up with -IncludeGlobals and restores with -RestoreGlobals' {
        $src = "x=1 host='nowhere' \ y"
        New-DataDb $src
        $b = New-DbBackup -Database (AppDbUrl $src) -Destination $dest -IncludeGlobals -Name 'eqname'
        ($b | Test-DbBackup).Status | Should -Be 'Passed'
        $copy = "dbname=copy 'q' \ z"
        $b | Restore-DbBackup -Target (AppDbUrl $copy) -Force -RestoreGlobals -WarningAction SilentlyContinue | Out-Null
        Assert-TestSameDatabase $pg (Db $src) (Db $copy) | Out-Null
    }

    It 'a backup taken over the Unix socket restores in place without -Target (the recorded source parses back)' {
        $src = 'sock=db'
        New-DataDb $src
        $url = "postgres://postgres@/$([uri]::EscapeDataString($src))?host=$([uri]::EscapeDataString($pg.Dir))&port=$($pg.Port)"
        $b = New-DbBackup -Database $url -Destination $dest -Name 'sock'
        Invoke-TestPsql $pg postgres "CREATE DATABASE sockref TEMPLATE $(QI $src)" | Out-Null
        Invoke-TestPsql $pg (Db $src) 'DELETE FROM public.t WHERE id > 50' | Out-Null
        $b | Restore-DbBackup -Force -WarningAction SilentlyContinue | Out-Null
        Assert-TestSameDatabase $pg sockref (Db $src) | Out-Null
    }
}
