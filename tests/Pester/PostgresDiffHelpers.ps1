# Independent proof that two PostgreSQL databases hold the same thing, with psql and pg_dump only (never BackupPS):
# per-table ordered hashes, sequence state, large objects, matview population and a `pg_dump --schema-only` diff.
# Names are hex-encoded in the output so newlines, quotes and non-ASCII in identifiers cannot blur the comparison.

# The superuser connection string of a database on a test cluster (trust through the private socket folder).
function Get-TestAdminConnection { param($Cluster, [string]$Database) "Host=$($Cluster.Dir);Port=$($Cluster.Port);Username=postgres;Database=$Database" }

# Runs a psql script (stdin, so \gexec works) as the superuser; unaligned, tuples only.
function Invoke-TestPsqlScript {
    param($Cluster, [string]$Database, [string]$Sql, [string]$User = 'postgres')
    $file = Join-Path $Cluster.Dir ("script-" + [guid]::NewGuid().ToString('N') + '.sql')
    [System.IO.File]::WriteAllText($file, $Sql, [System.Text.UTF8Encoding]::new($false))
    try {
        $out = & "$($Cluster.Bin)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h $Cluster.Dir -p $Cluster.Port -U $User -d $Database -f $file 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
        $out
    } finally { Remove-Item $file -ErrorAction SilentlyContinue }
}

$script:FingerprintSql = @'
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text COLLATE "C"), '''')) FROM ONLY %I.%I t',
              'table ' || encode(convert_to(n.nspname, 'UTF8'), 'hex') || '.' || encode(convert_to(c.relname, 'UTF8'), 'hex'), n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND (c.relkind <> 'm' OR c.relispopulated)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY n.nspname, c.relname \gexec
SELECT format('SELECT %L, last_value, is_called FROM %I.%I',
              'sequence ' || encode(convert_to(n.nspname, 'UTF8'), 'hex') || '.' || encode(convert_to(c.relname, 'UTF8'), 'hex'), n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' ORDER BY n.nspname, c.relname \gexec
SELECT 'matview ' || encode(convert_to(schemaname, 'UTF8'), 'hex') || '.' || encode(convert_to(matviewname, 'UTF8'), 'hex'), ispopulated
FROM pg_matviews ORDER BY schemaname, matviewname;
SELECT 'large objects', count(*) FROM pg_largeobject_metadata;
SELECT 'large object ' || oid, pg_get_userbyid(lomowner), md5(lo_get(oid)), length(lo_get(oid)), encode(convert_to(coalesce(obj_description(oid, 'pg_largeobject'), ''), 'UTF8'), 'hex')
FROM pg_largeobject_metadata ORDER BY oid;
'@

# Lines "kind name|facts", one per table (row count and md5 of its rows in order), sequence, matview and large object.
function Get-TestDatabaseFingerprint {
    param($Cluster, [string]$Database)
    @(Invoke-TestPsqlScript $Cluster $Database $script:FingerprintSql)
}

# pg_dump --schema-only of a database, without what legitimately differs between two copies (\restrict keys).
function Get-TestSchemaDump {
    param($Cluster, [string]$Database)
    $out = & "$($Cluster.Bin)/pg_dump" --schema-only --no-password -h $Cluster.Dir -p $Cluster.Port -U postgres -d $Database 2>&1
    if ($LASTEXITCODE -ne 0) { throw "pg_dump --schema-only $Database failed: $out" }
    @($out | Where-Object { $_ -notmatch '^\\(un)?restrict ' })
}

# Asserts that $Restored is $Source: same schema dump, same fingerprint; returns the fingerprint for further checks.
function Assert-TestSameDatabase {
    param($Cluster, [string]$Source, [string]$Restored)
    $a = Get-TestSchemaDump $Cluster $Source
    $b = Get-TestSchemaDump $Cluster $Restored
    $diff = Compare-Object $a $b -SyncWindow 0 | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" } | Select-Object -First 20
    $diff -join "`n" | Should -BeNullOrEmpty -Because "pg_dump --schema-only of '$Restored' must equal that of '$Source'"
    $fa = Get-TestDatabaseFingerprint $Cluster $Source
    $fb = Get-TestDatabaseFingerprint $Cluster $Restored
    ($fb -join "`n") | Should -Be ($fa -join "`n")
    $fa
}
