# A PostgreSQL restore reproduces the DATABASE, not only its tables: owner, ACL, comment, connection limit, ALTER
# DATABASE / ALTER ROLE … IN DATABASE settings, encoding, collation, ctype, locale provider and ICU locale — compared
# as catalog rows (pg_database, pg_shdescription, pg_db_role_setting; roles by name) read with psql, between the
# source at backup time and the restored database, for a restore under a new name and in place. While the restore
# runs, the scratch database admits no role that could not connect before; derived names stay within 63 bytes.
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
    # The restored databases carry statement_timeout = 1ms; the test's own psql sessions must not inherit it.
    $env:PGOPTIONS = '-c statement_timeout=0'

    function script:Lit([string]$s) { "'" + $s.Replace("'", "''") + "'" }
    function script:QI([string]$s) { '"' + $s.Replace('"', '""') + '"' }
    # psql -d reads a name with '=' as a connection string: pass every database as one.
    function script:Db([string]$db) { "dbname='$($db.Replace('\', '\\').Replace("'", "\'"))'" }
    # The superuser through the cluster's private socket; the database name percent-encoded.
    function script:SuUrl([string]$db) { "postgres://postgres@localhost:$($pg.Port)/$([uri]::EscapeDataString($db))?host=$([uri]::EscapeDataString($pg.Dir))" }
    function script:AppDbUrl([string]$db) { "postgres://app:$([uri]::EscapeDataString($pg.AppPassword))@127.0.0.1:$($pg.Port)/$([uri]::EscapeDataString($db))" }
    # Every database-level property as one JSON row, roles by name; the ACL as a sorted set (NULL = its default).
    function script:Get-DbProps([string]$db) {
        Invoke-TestPsql $pg postgres @"
SELECT row_to_json(p)::text FROM (
  SELECT r.rolname AS owner, pg_encoding_to_char(d.encoding) AS encoding, d.datcollate, d.datctype, d.datlocprovider, d.daticulocale, d.datconnlimit,
    (SELECT array_agg(x ORDER BY x) FROM (SELECT coalesce(g.rolname, 'PUBLIC') || ' ' || a.privilege_type || ' ' || a.is_grantable || ' by ' || gr.rolname AS x
       FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a LEFT JOIN pg_roles g ON g.oid = a.grantee JOIN pg_roles gr ON gr.oid = a.grantor) t) AS acl,
    (SELECT description FROM pg_shdescription s WHERE s.objoid = d.oid AND s.classoid = 'pg_database'::regclass) AS comment,
    (SELECT array_agg(x ORDER BY x) FROM (SELECT coalesce(sr.rolname, '*') || ': ' || array_to_string(s.setconfig, ' | ') AS x
       FROM pg_db_role_setting s LEFT JOIN pg_roles sr ON sr.oid = s.setrole WHERE s.setdatabase = d.oid) t) AS settings
  FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $(Lit $db)) p
"@
    }
    function script:Get-Leftovers { @(Invoke-TestPsql $pg postgres "SELECT datname FROM pg_database WHERE datname LIKE '%\_backupps\_%'") | Where-Object { $_ } }
    # Can role outsider (LOGIN, no grant anywhere) open a session on the database? 'yes', or the server's refusal.
    function script:Test-OutsiderConnects([string]$db) {
        $conninfo = "host=127.0.0.1 port=$($pg.Port) user=outsider password=outsider-pw dbname='$($db.Replace('\', '\\').Replace("'", "\'"))'"
        $out = & "$($pg.Bin)/psql" -X -q -A -t -d $conninfo -c 'SELECT 1' 2>&1
        if ($LASTEXITCODE -eq 0) { 'yes' } else { "$out" }
    }
    $icu = Invoke-TestPsql $pg postgres "SELECT colliculocale FROM pg_collation WHERE collprovider = 'i' AND colliculocale IN ('de-DE', 'und') ORDER BY colliculocale = 'de-DE' DESC LIMIT 1"
    $script:owner = 'own er"x'
    $script:reader = "read'er"
    Invoke-TestPsql $pg postgres @"
CREATE ROLE $(QI $owner); CREATE ROLE $(QI $reader) LOGIN; CREATE ROLE "temp user"; CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw';
"@ | Out-Null
    # The kitchen sink of database properties, on an ICU database with a hostile name.
    $script:src = 'props = "src"'
    Invoke-TestPsql $pg postgres "CREATE DATABASE $(QI $src) OWNER $(QI $owner) TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE $(Lit $icu)" | Out-Null
    Invoke-TestPsql $pg postgres @"
REVOKE CONNECT, TEMPORARY ON DATABASE $(QI $src) FROM PUBLIC;
GRANT CONNECT ON DATABASE $(QI $src) TO $(QI $reader);
GRANT TEMPORARY ON DATABASE $(QI $src) TO "temp user" WITH GRANT OPTION;
COMMENT ON DATABASE $(QI $src) IS 'Kitchen sink: it''s ü, "quoted"';
ALTER DATABASE $(QI $src) CONNECTION LIMIT 17;
ALTER DATABASE $(QI $src) SET search_path = "a b", public;
ALTER DATABASE $(QI $src) SET work_mem = '7MB';
ALTER DATABASE $(QI $src) SET statement_timeout = '1ms';
ALTER ROLE $(QI $reader) IN DATABASE $(QI $src) SET work_mem = '3MB';
"@ | Out-Null
    Invoke-TestPsql $pg (Db $src) 'CREATE TABLE public.t (id int PRIMARY KEY, v text COLLATE "und-x-icu"); INSERT INTO public.t SELECT g, md5(g::text) FROM generate_series(1, 50) g' | Out-Null
    $script:srcProps = Get-DbProps $src
    $script:srcBackup = New-DbBackup -Database (SuUrl $src) -Destination $dest
    # A non-UTF8 database.
    $script:latin = 'latin1 db'
    Invoke-TestPsql $pg postgres "CREATE DATABASE $(QI $latin) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" | Out-Null
    Invoke-TestPsql $pg $latin "CREATE TABLE t (v text); INSERT INTO t VALUES ('café')" | Out-Null
    $script:latinProps = Get-DbProps $latin
    $script:latinBackup = New-DbBackup -Database (SuUrl $latin) -Destination $dest
    # The engine's test hook, run just before the swap with the scratch database's name.
    $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BackupPS.Engine' } | Select-Object -First 1 # loaded by New-DbBackup above
    $script:swapHook = $engine.GetType('BackupPS.Engine.Operations.PostgresRestoreOperation').GetProperty('SwapHook', [Reflection.BindingFlags]'NonPublic,Static')
    # The restore runs on a thread without a runspace: the hook is C#; it runs psql as outsider against the scratch database.
    Add-Type -TypeDefinition @'
using System.Collections.Generic;
using System.Diagnostics;
public static class DbPropsSwapProbe
{
    public static string Psql, Port;
    public static readonly List<string> Scratch = new List<string>();
    public static readonly List<string> Outsider = new List<string>();
    public static void Probe(string scratch)
    {
        var psi = new ProcessStartInfo(Psql) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-X", "-q", "-A", "-t", "-d", "host=127.0.0.1 port=" + Port + " user=outsider password=outsider-pw dbname='" + scratch.Replace("\\", "\\\\").Replace("'", "\\'") + "'", "-c", "SELECT 1" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi);
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Scratch.Add(scratch);
        Outsider.Add(p.ExitCode == 0 ? "yes" : output);
    }
}
'@
    [DbPropsSwapProbe]::Psql = "$($pg.Bin)/psql"; [DbPropsSwapProbe]::Port = "$($pg.Port)"
    $swapHook.SetValue($null, [System.Delegate]::CreateDelegate([Action[string]], [DbPropsSwapProbe].GetMethod('Probe')))

}

AfterAll {
    if ($swapHook) { $swapHook.SetValue($null, $null) }
    Remove-Item Env:PGOPTIONS -ErrorAction SilentlyContinue
    Stop-TestPgCluster $pg
}

Describe 'PostgreSQL restore reproduces the database' -Skip:$noPg {
    BeforeEach { [DbPropsSwapProbe]::Scratch.Clear(); [DbPropsSwapProbe]::Outsider.Clear() }

    It 'the source is what the test means it to be (ICU, ACL, comment, limit, settings)' {
        $p = $srcProps | ConvertFrom-Json
        $p.datlocprovider | Should -Be 'i'
        $p.owner | Should -Be $owner
        $p.acl | Should -Contain "$reader CONNECT false by $owner"
        $p.acl | Should -Not -Contain "PUBLIC CONNECT false by $owner"
        $p.settings.Count | Should -Be 2
        ($latinProps | ConvertFrom-Json).encoding | Should -Be 'LATIN1'
    }

    It 'under a new name: every property is the source''s, and the scratch database admitted no outsider' {
        $r = $srcBackup | Restore-DbBackup -Target (SuUrl 'props new') -Force
        Get-DbProps 'props new' | Should -Be $srcProps
        $r.DatabaseProperties | Should -Match 'restored: owner'
        $r.DatabaseProperties | Should -Not -Match 'not restored'
        Invoke-TestPsql $pg 'props new' 'SELECT count(*) FROM public.t' | Should -Be '50'
        [DbPropsSwapProbe]::Scratch.Count | Should -Be 1
        [DbPropsSwapProbe]::Outsider[0] | Should -Match 'permission denied for database'
        Test-OutsiderConnects 'postgres' | Should -Be 'yes' -Because 'the outsider check must be able to succeed'

        $latinBackup | Restore-DbBackup -Target (SuUrl 'latin1 new') -Force | Out-Null
        Get-DbProps 'latin1 new' | Should -Be $latinProps
        Invoke-TestPsql $pg 'latin1 new' 'SELECT v FROM t' | Should -Be 'café'
        Get-Leftovers | Should -BeNullOrEmpty
    }

    It 'in place (-Force): changed properties go back to the backup''s, and no access widens during the restore' {
        Invoke-TestPsql $pg postgres @"
GRANT CONNECT ON DATABASE $(QI $src) TO "temp user";
COMMENT ON DATABASE $(QI $src) IS 'changed';
ALTER DATABASE $(QI $src) CONNECTION LIMIT 3;
ALTER DATABASE $(QI $src) SET work_mem = '99MB';
ALTER DATABASE $(QI $src) RESET search_path;
ALTER ROLE $(QI $reader) IN DATABASE $(QI $src) RESET ALL;
ALTER DATABASE $(QI $src) OWNER TO app;
"@ | Out-Null
        Get-DbProps $src | Should -Not -Be $srcProps
        $r = $srcBackup | Restore-DbBackup -Target (SuUrl $src) -Force
        $r.SafetyBackup | Should -Not -BeNullOrEmpty
        Get-DbProps $src | Should -Be $srcProps
        [DbPropsSwapProbe]::Scratch.Count | Should -Be 1
        [DbPropsSwapProbe]::Outsider[0] | Should -Match 'permission denied for database'
        Get-Leftovers | Should -BeNullOrEmpty
        # The safety backup holds the changed properties: restoring it brings them back.
        $changed = $r.SafetyBackup | Restore-DbBackup -Target (SuUrl 'props changed') -Force
        (Get-DbProps 'props changed' | ConvertFrom-Json).comment | Should -Be 'changed'
    }

    It 'roles missing on the target: the restore succeeds, owned by the restoring role, and a warning names each role and -RestoreGlobals' {
        Invoke-TestPsql $pg postgres "CREATE ROLE `"gone o'wner`"; CREATE ROLE `"gone reader`"" | Out-Null
        Invoke-TestPsql $pg postgres "CREATE DATABASE orphan OWNER `"gone o'wner`"" | Out-Null
        Invoke-TestPsql $pg postgres "REVOKE ALL ON DATABASE orphan FROM PUBLIC; GRANT CONNECT ON DATABASE orphan TO `"gone reader`", $(QI $reader); ALTER ROLE `"gone reader`" IN DATABASE orphan SET work_mem = '2MB'; ALTER DATABASE orphan SET work_mem = '4MB'" | Out-Null
        $b = New-DbBackup -Database (SuUrl 'orphan') -Destination $dest
        Invoke-TestPsql $pg postgres "DROP DATABASE orphan" | Out-Null
        Invoke-TestPsql $pg postgres "DROP ROLE `"gone o'wner`"; DROP ROLE `"gone reader`"" | Out-Null
        $r = $b | Restore-DbBackup -Target (SuUrl 'orphan copy') -Force -WarningVariable w -WarningAction SilentlyContinue
        $p = Get-DbProps 'orphan copy' | ConvertFrom-Json
        $p.owner | Should -Be 'postgres'
        $p.acl | Should -Be @('postgres CONNECT false by postgres', 'postgres CREATE false by postgres', 'postgres TEMPORARY false by postgres', "$reader CONNECT false by postgres")
        $p.settings | Should -Be @('*: work_mem=4MB')
        $ownerWarning = @($w | Where-Object { "$_" -match [regex]::Escape("`"gone o'wner`"") })
        $ownerWarning.Count | Should -Be 1
        "$ownerWarning" | Should -Match 'owner'
        "$ownerWarning" | Should -Match '-RestoreGlobals'
        @($w | Where-Object { "$_" -match '"gone reader"' -and "$_" -match '-RestoreGlobals' }).Count | Should -Be 2 -Because 'the grant and the role setting are each named'
        $r.DatabaseProperties | Should -Match 'not restored \(3'
    }

    It 'a 60-byte UTF-8 name restores in place; derived names stay within 63 bytes and unique; a name over 63 bytes is refused' {
        $long = "a=b 'q' " + [char]::ConvertFromUtf32(0x1D11E) + ('€' * 16)
        [Text.Encoding]::UTF8.GetByteCount($long) | Should -Be 60
        Invoke-TestPsql $pg postgres "CREATE DATABASE $(QI $long) OWNER app" | Out-Null
        Invoke-TestPsql $pg (Db $long) 'CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 7)' -User app | Out-Null
        $b = New-DbBackup -Database (AppDbUrl $long) -Destination $dest
        Invoke-TestPsql $pg (Db $long) 'INSERT INTO t VALUES (8)' -User app | Out-Null
        $b | Restore-DbBackup -Target (AppDbUrl $long) -Force | Out-Null
        Invoke-TestPsql $pg postgres "SELECT datname FROM pg_database WHERE datname = $(Lit $long)" | Should -Be $long
        Invoke-TestPsql $pg (Db $long) 'SELECT count(*) FROM t' | Should -Be '7'
        [DbPropsSwapProbe]::Scratch.Count | Should -Be 1
        [Text.Encoding]::UTF8.GetByteCount([DbPropsSwapProbe]::Scratch[0]) | Should -BeLessOrEqual 63
        Get-Leftovers | Should -BeNullOrEmpty

        $tooLong = $long + 'üü'  # 64 bytes
        $err = Get-ThrownError { $b | Restore-DbBackup -Target (AppDbUrl $tooLong) -Force -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidDatabaseName,BackupPS.Cmdlets.RestoreDbBackupCommand'
        "$err" | Should -Match '63 bytes'
    }

    It 'a non-superuser owner restoring a superuser''s backup in place warns for what it cannot apply, and succeeds' {
        Invoke-TestPsql $pg postgres "CREATE DATABASE appowned OWNER app" | Out-Null
        Invoke-TestPsql $pg postgres "COMMENT ON DATABASE appowned IS 'by the superuser'" | Out-Null
        Invoke-TestPsql $pg postgres @"
ALTER DATABASE appowned SET log_min_duration_statement = 250;
ALTER DATABASE appowned SET work_mem = '5MB';
ALTER ROLE $(QI $reader) IN DATABASE appowned SET work_mem = '2MB';
REVOKE TEMPORARY ON DATABASE appowned FROM PUBLIC;
"@ | Out-Null
        Invoke-TestPsql $pg appowned 'CREATE EXTENSION hstore' | Out-Null
        Invoke-TestPsql $pg appowned "CREATE TABLE kv (h hstore); INSERT INTO kv VALUES ('a=>1')" -User app | Out-Null
        $b = New-DbBackup -Database (SuUrl 'appowned') -Destination $dest
        $sidecar = Get-FileHash "$($b.Path).json" -ErrorAction SilentlyContinue
        $r = $b | Restore-DbBackup -Target (AppDbUrl 'appowned') -Force -WarningVariable w -WarningAction SilentlyContinue -ErrorAction Stop
        $r | Should -Not -BeNullOrEmpty
        Invoke-TestPsql $pg appowned "SELECT h -> 'a' FROM kv" | Should -Be '1'
        $p = Get-DbProps 'appowned' | ConvertFrom-Json
        $p.owner | Should -Be 'app'
        $p.comment | Should -Be 'by the superuser'
        $p.acl | Should -Be @('PUBLIC CONNECT false by app', 'app CONNECT false by app', 'app CREATE false by app', 'app TEMPORARY false by app')
        $p.settings | Should -Be @('*: work_mem=5MB')
        @($w | Where-Object { "$_" -match 'log_min_duration_statement' }).Count | Should -Be 1
        @($w | Where-Object { "$_" -match 'work_mem = 2MB' -and "$_" -match [regex]::Escape((QI $reader)) }).Count | Should -Be 1
        # the restore is a success in the audit (with what was not restored), and the backup is not marked failed
        $audit = Get-DbBackupAuditLog -Destination $dest | Where-Object Operation -eq 'Restore' | Select-Object -Last 1
        "$($audit.Result)" | Should -Be 'Succeeded'
        $audit.Detail | Should -Match 'log_min_duration_statement'
        if ($sidecar) { (Get-FileHash "$($b.Path).json").Hash | Should -Be $sidecar.Hash }
        (Get-DbBackup $dest -DatabaseName 'appowned' -Type Database | Select-Object -Last 1 | Test-DbBackup).Passed | Should -BeTrue
    }
}
