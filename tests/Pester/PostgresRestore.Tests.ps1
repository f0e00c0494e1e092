# PostgreSQL restore against a real cluster started here: a -Force restore under a live writer loses no acknowledged
# commit (each is in the PreRestore safety backup or in the restored database) and keeps the database's connection
# settings; tool failures come back as specific error ids with the fix in the message.
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
    $script:work = Join-Path $pg.Dir 'work'
    New-Item -ItemType Directory -Path $work | Out-Null
}

AfterAll {
    Stop-TestPgCluster $pg
}

Describe 'PostgreSQL restore' -Skip:$noPg {
    It 'a -Force restore under a live writer keeps every acknowledged commit in the safety backup, and the connection settings' {
        Invoke-TestPsql $pg postgres 'CREATE DATABASE ackdb OWNER app CONNECTION LIMIT 40' | Out-Null
        Invoke-TestPsql $pg ackdb 'CREATE TABLE ack (v text PRIMARY KEY, at timestamptz DEFAULT now()); INSERT INTO ack(v) VALUES (''before'')' -User app | Out-Null
        $old = New-DbBackup -Database $pg.AppUrl('ackdb') -Destination $dest
        $acked = Join-Path $work 'acked.txt'
        # one autocommit INSERT per psql of a value unique to this run; it is written down only after psql reports success
        # (the commit was acknowledged). Values, not a sequence: the restore rewinds the sequence.
        $loop = Join-Path $work 'writer.sh'
        Set-Content $loop @"
end=`$((SECONDS+120)); n=0
while [ `$SECONDS -lt `$end ]; do
  n=`$((n+1))
  if '$($pg.Bin)/psql' -X -q -v ON_ERROR_STOP=1 -h '$($pg.Dir)' -p $($pg.Port) -U app -d ackdb -c "INSERT INTO ack(v) VALUES ('w`$n')" >/dev/null 2>&1; then echo "w`$n" >> '$acked'; fi
done
"@
        $p = Start-ChildProcess -FilePath '/bin/bash' -ArgumentList @($loop) -StdOut (Join-Path $work 'writer.out') -StdErr (Join-Path $work 'writer.err')
        try {
            Wait-Until { (Test-Path $acked) -and @(Get-Content $acked).Count -ge 20 } -Because 'the writer acknowledging commits'
            $r = $old | Restore-DbBackup -Target $pg.AppUrl('ackdb') -Force -WarningAction SilentlyContinue
        } finally { Stop-ChildProcess $p }
        $r.SafetyBackup | Should -Not -BeNullOrEmpty
        $ids = @(Get-Content $acked | Where-Object { $_ -match '^w\d+$' })
        $ids.Count | Should -BeGreaterOrEqual 20
        $r.SafetyBackup | Restore-DbBackup -Target $pg.AppUrl('ackdb_safety') -Force | Out-Null
        $inSafety = @(Invoke-TestPsql $pg ackdb_safety 'SELECT v FROM ack')
        # commits acknowledged after the swap went into the restored database; none may be in neither
        $inTarget = @(Invoke-TestPsql $pg ackdb 'SELECT v FROM ack')
        $kept = [System.Collections.Generic.HashSet[string]]::new([string[]]($inSafety + $inTarget))
        $lost = @($ids | Where-Object { -not $kept.Contains($_) })
        $lost.Count | Should -Be 0 -Because "acknowledged values $($lost | Select-Object -First 10) are in neither the safety backup nor the restored database"
        Invoke-TestPsql $pg postgres "SELECT datallowconn, datconnlimit FROM pg_database WHERE datname = 'ackdb'" | Should -Be 't|40'
        Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'ackdb_backupps_%'" | Should -Be '0'
    }

    Context 'Tool errors name the cause and the fix' {
        It 'a restore whose table owner role is missing on the target is PostgresRoleMissing, and leaves nothing behind' {
            Invoke-TestPsql $pg postgres 'CREATE ROLE gone_owner' | Out-Null
            Invoke-TestPsql $pg postgres 'CREATE DATABASE roledb OWNER app' | Out-Null
            Invoke-TestPsql $pg roledb 'CREATE TABLE owned (x int); INSERT INTO owned VALUES (1); ALTER TABLE owned OWNER TO gone_owner; GRANT SELECT ON owned TO app' | Out-Null
            $b = New-DbBackup -Database $pg.AppUrl('roledb') -Destination $dest
            Invoke-TestPsql $pg roledb 'REASSIGN OWNED BY gone_owner TO app; DROP OWNED BY gone_owner; DROP ROLE gone_owner' | Out-Null
            $err = Get-ThrownError { $b | Restore-DbBackup -Target $pg.AppUrl('roledb_copy') -Force -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresRoleMissing,BackupPS.Cmdlets.RestoreDbBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            "$err" | Should -Match 'role "gone_owner" does not exist'
            "$err" | Should -Match '-RestoreGlobals'
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'roledb_%'" | Should -Be '0'
            # onto the existing database: the failure lets go of the held writes and leaves its settings as they were
            Invoke-TestPsql $pg postgres 'ALTER DATABASE roledb CONNECTION LIMIT 30' | Out-Null
            $err = Get-ThrownError { $b | Restore-DbBackup -Target $pg.AppUrl('roledb') -Force -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresRoleMissing,BackupPS.Cmdlets.RestoreDbBackupCommand'
            Invoke-TestPsql $pg roledb "SET lock_timeout = '5s'; INSERT INTO owned VALUES (2); SELECT count(*) FROM owned" -User app | Should -Be '2'
            Invoke-TestPsql $pg postgres "SELECT datallowconn, datconnlimit FROM pg_database WHERE datname = 'roledb'" | Should -Be 't|30'
        }

        It 'a backup refused by a row-level security policy is PostgresRowSecurityBlocked, and one without SELECT is PostgresPermissionDenied' {
            Invoke-TestPsql $pg postgres 'CREATE DATABASE rlsdb OWNER app' | Out-Null
            Invoke-TestPsql $pg postgres "CREATE ROLE reader LOGIN PASSWORD 'reader-pw'; CREATE ROLE stranger LOGIN PASSWORD 'stranger-pw'" | Out-Null
            Invoke-TestPsql $pg rlsdb 'CREATE TABLE secret (x int); INSERT INTO secret VALUES (1), (2); ALTER TABLE secret ENABLE ROW LEVEL SECURITY; ALTER TABLE secret FORCE ROW LEVEL SECURITY; CREATE POLICY only_big ON secret AS RESTRICTIVE USING (x > 1); GRANT SELECT ON secret TO reader' -User app | Out-Null
            $err = Get-ThrownError { New-DbBackup -Database "postgres://reader:reader-pw@127.0.0.1:$($pg.Port)/rlsdb" -Destination (Join-Path $work 'rls') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresRowSecurityBlocked,BackupPS.Cmdlets.NewDbBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            "$err" | Should -Match 'row-level security'
            "$err" | Should -Match 'BYPASSRLS'
            # Without SELECT on a table that has no policy, the cause is the missing privilege. (On the RLS table above
            # PostgreSQL reports the policy first: with row_security off, as pg_dump runs, RLS is checked before the grant.)
            Invoke-TestPsql $pg postgres 'CREATE DATABASE denydb OWNER app' | Out-Null
            Invoke-TestPsql $pg denydb 'CREATE TABLE closed (x int); INSERT INTO closed VALUES (1)' -User app | Out-Null
            $err = Get-ThrownError { New-DbBackup -Database "postgres://stranger:stranger-pw@127.0.0.1:$($pg.Port)/denydb" -Destination (Join-Path $work 'denied') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresPermissionDenied,BackupPS.Cmdlets.NewDbBackupCommand'
            "$err" | Should -Match 'permission denied for table closed'
        }
    }
}
