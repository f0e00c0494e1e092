# A restore onto an unusual existing target either reproduces the backup there (checked with pg_dump --schema-only and
# per-table hashes against the source) or is refused with a specific error id, leaving the target as it was: a template
# database, one owned by another role, one in a non-default tablespace, one with sessions of another role, and a name
# that differs from an existing database only in case.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/RobustHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    . $PSScriptRoot/PostgresDiffHelpers.ps1
    Import-BackupPSUnderTest
    $script:pg = Start-TestPgCluster
    $script:dest = Join-Path $pg.Dir 'backups'
    function script:QI([string]$s) { '"' + $s.Replace('"', '""') + '"' }
    function script:SuUrl([string]$db) { "postgres://postgres@localhost:$($pg.Port)/$([uri]::EscapeDataString($db))?host=$([uri]::EscapeDataString($pg.Dir))" }
    function script:New-DataDb([string]$name, [int]$rows, [string]$owner = 'app') {
        Invoke-TestPsql $pg postgres "CREATE DATABASE $(QI $name) OWNER $owner" | Out-Null
        Invoke-TestPsql $pg $name "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, $rows) g; ALTER TABLE t OWNER TO $owner" | Out-Null
    }
    # The source of every restore below: 30 rows; the targets hold 7, so a restore that did not happen shows.
    New-DataDb 'srcdb' 30
    $script:b = New-DbBackup -Database (SuUrl 'srcdb') -Destination $dest
    function script:Get-Leftovers { @(Invoke-TestPsql $pg postgres "SELECT datname FROM pg_database WHERE datname LIKE '%\_backupps\_%'") | Where-Object { $_ } }
    # Restores, returns $null or the error record; either way nothing of the restore may be left behind.
    function script:Restore-Onto([string]$target, [string]$url) {
        $err = Get-ThrownError { $b | Restore-DbBackup -Target $url -Force -ErrorAction Stop -WarningAction SilentlyContinue }
        Get-Leftovers | Where-Object { $_ -like "$target*" } | Should -BeNullOrEmpty
        $err
    }
    function script:Assert-Intact([string]$db) { Invoke-TestPsql $pg $db 'SELECT count(*) FROM t' | Should -Be '7' }
}

AfterAll {
    Stop-TestPgCluster $pg
}

Describe 'PostgreSQL restore onto unusual existing targets' -Skip:$noPg {
    It 'a template database is refused (it could not be dropped once replaced), intact and without a leftover copy' {
        New-DataDb 'tmpldb' 7
        Invoke-TestPsql $pg postgres 'ALTER DATABASE tmpldb IS_TEMPLATE true' | Out-Null
        $err = Restore-Onto 'tmpldb' (SuUrl 'tmpldb')
        $err.FullyQualifiedErrorId | Should -BeLike 'PostgresTargetIsTemplate,*'
        "$err" | Should -Match 'IS_TEMPLATE false'
        Assert-Intact 'tmpldb'
        Invoke-TestPsql $pg postgres "SELECT datistemplate FROM pg_database WHERE datname = 'tmpldb'" | Should -Be 't'
    }

    It 'a database owned by another role is refused for a role that may not replace it, intact' {
        Invoke-TestPsql $pg postgres 'CREATE ROLE someone_else' | Out-Null
        New-DataDb 'otherdb' 7 'someone_else'
        $err = Restore-Onto 'otherdb' $pg.AppUrl('otherdb')
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'PostgresPermissionDenied,*'
        "$err" | Should -Match 'owner'
        Assert-Intact 'otherdb'
        Invoke-TestPsql $pg postgres "SELECT pg_get_userbyid(datdba), datallowconn FROM pg_database WHERE datname = 'otherdb'" | Should -Be 'someone_else|t'
    }

    It 'a database in a non-default tablespace is restored into that tablespace' {
        $ts = Join-Path $pg.Dir 'ts1'
        New-Item -ItemType Directory -Path $ts | Out-Null
        if ((& id -u) -eq '0') { & chown postgres: $ts }
        Invoke-TestPsql $pg postgres "CREATE TABLESPACE ts1 LOCATION '$ts'" | Out-Null
        New-DataDb 'tsdb' 7
        Invoke-TestPsql $pg postgres 'ALTER DATABASE tsdb SET TABLESPACE ts1' | Out-Null
        $err = Restore-Onto 'tsdb' (SuUrl 'tsdb')
        $err | Should -BeNullOrEmpty
        Assert-TestSameDatabase $pg srcdb tsdb | Out-Null
        Invoke-TestPsql $pg postgres "SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE datname = 'tsdb'" | Should -Be 'ts1'
    }

    It 'a database with a session of another role: without -Force TargetInUse and intact; with -Force restored' {
        New-DataDb 'busydb' 7
        Invoke-TestPsql $pg postgres "CREATE ROLE busy_user LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO busy_user" | Out-Null
        Invoke-TestPsql $pg busydb 'GRANT SELECT ON t TO busy_user' | Out-Null
        $p = Start-ChildProcess -FilePath "$($pg.Bin)/psql" -ArgumentList @('-X', '-q', '-h', $pg.Dir, '-p', "$($pg.Port)", '-U', 'busy_user', '-d', 'busydb', '-c', 'SELECT count(*) FROM t; SELECT pg_sleep(600)') -StdOut (Join-Path $pg.Dir 'busy.out') -StdErr (Join-Path $pg.Dir 'busy.err')
        try {
            Wait-Until { (Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'busydb' AND usename = 'busy_user'") -eq '1' } -Because 'the other role holding a session'
            $err = Get-ThrownError { $b | Restore-DbBackup -Target $pg.AppUrl('busydb') -ErrorAction Stop -Confirm:$false }
            $err.FullyQualifiedErrorId | Should -BeLike 'TargetInUse,*'
            Assert-Intact 'busydb'
            Get-Leftovers | Where-Object { $_ -like "busydb*" } | Should -BeNullOrEmpty
            $err = Restore-Onto 'busydb' $pg.AppUrl('busydb')
            $err | Should -BeNullOrEmpty
            Assert-TestSameDatabase $pg srcdb busydb | Out-Null
        } finally { Stop-ChildProcess $p }
    }

    It 'a target whose name differs from an existing database only in case is a different database' {
        New-DataDb 'casedb' 7
        $err = Restore-Onto 'CaseDB' (SuUrl 'CaseDB')
        $err | Should -BeNullOrEmpty
        Assert-TestSameDatabase $pg srcdb 'CaseDB' | Out-Null
        Assert-Intact 'casedb'
    }
}
