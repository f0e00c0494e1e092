# Real-world PostgreSQL round trips (issue 12), proven by independent tools (psql hashes, pg_dump --schema-only diffs),
# never by BackupPS reading its own output: the pagila schema and a "kitchen sink" of every object kind.
# One cluster for the whole file (BeforeAll) to keep CI time small.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/RobustHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    . $PSScriptRoot/PostgresDiffHelpers.ps1
    . $PSScriptRoot/PostgresKitchenSink.ps1
    Import-BackupPSUnderTest
    $script:pg = Start-TestPgCluster
    $script:dest = Join-Path $pg.Dir 'backups'
}

AfterAll {
    Stop-TestPgCluster $pg
}

Describe 'PostgreSQL kitchen sink round trip' -Skip:$noPg {
    BeforeAll {
        $script:extensions = New-TestKitchenSink $pg 'kitchen'
        $script:sink = New-DbBackup -Database (Get-TestAdminConnection $pg 'kitchen') -Destination $dest
        $script:sinkSide = Get-Content -Raw ($sink.Path + '.json') | ConvertFrom-Json
    }

    It 'creates the extensions the cluster offers (at least plpgsql-free core objects otherwise)' {
        "extensions: $($extensions -join ', ')" | Write-Host
        $sinkSide.manifest.postgres.extensions.name | Should -Contain 'plpgsql'
    }

    It 'counts "a.b"."c" and "a"."b.c" separately, with schema and table recorded apart' {
        $tables = $sinkSide.manifest.tables
        ($tables | Where-Object { $_.schema -eq 'a.b' -and $_.table -eq 'c' }).rows | Should -Be 3
        ($tables | Where-Object { $_.schema -eq 'a' -and $_.table -eq 'b.c' }).rows | Should -Be 5
    }

    It 'counts every table whose data is in the dump, whatever its name (newlines, quotes, spaces, 63 bytes)' {
        $expected = @(Invoke-TestPsql $pg kitchen @"
SELECT encode(convert_to(n.nspname || '/' || c.relname, 'UTF8'), 'hex') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','m') AND (c.relkind <> 'm' OR c.relispopulated) AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1
"@)
        $utf8 = [System.Text.Encoding]::UTF8
        $recorded = @($sinkSide.manifest.tables | ForEach-Object { [System.Convert]::ToHexString($utf8.GetBytes($_.schema + '/' + $_.table)).ToLowerInvariant() } | Sort-Object -Culture ([cultureinfo]::InvariantCulture))
        $expected.Count | Should -BeGreaterThan 30
        ($recorded | Sort-Object) -join ' ' | Should -Be (($expected | Sort-Object) -join ' ')
        ($sinkSide.manifest.tables | Where-Object { $_.table -eq $Long63 }).rows | Should -Be 9
        ($sinkSide.manifest.tables | Where-Object { $_.table -eq 'rls_forced' }).rows | Should -Be 3
        ($sinkSide.manifest.tables | Where-Object { $_.table -eq 'rls_hidden' }).rows | Should -Be 2
    }

    It 'counts the large objects and records a hash of their content' {
        $lo = $sinkSide.manifest.postgres.largeObjects
        $lo.count | Should -Be 4
        $lo.bytes | Should -Be (5 + 70000 * 32 + 0 + [System.Text.Encoding]::UTF8.GetByteCount('commented ✓'))
        # The documented hash, recomputed with psql alone: sha256 of the lines "<oid> <sha256 of the content>".
        $hash = Invoke-TestPsql $pg kitchen "SELECT encode(sha256(convert_to(string_agg(oid::text || ' ' || encode(sha256(lo_get(oid)), 'hex') || E'\n', '' ORDER BY oid), 'UTF8')), 'hex') FROM pg_largeobject_metadata"
        $lo.sha256 | Should -Be $hash
    }

    It 'lists the backup (Get-DbBackup) with both dotted tables' {
        $listed = @(Get-DbBackup $dest -DatabaseName kitchen)
        $listed.Count | Should -Be 1
        $listed[0].TableRowCounts.Count | Should -Be $sinkSide.manifest.tables.Count
    }

    It 'passes Test-DbBackup and -RestoreTest (by the owner, who must count a FORCE row-security table)' {
        $plain = $sink | Test-DbBackup
        $plain.Passed | Should -BeTrue -Because ($plain.Checks | Out-String)
        $rt = $sink | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')
        $rt.Passed | Should -BeTrue -Because ($rt.Checks | Out-String)
    }

    It 'restores into a new database that pg_dump --schema-only, per-table hashes, sequences and large objects show to be the same' {
        $r = $sink | Restore-DbBackup -Target $pg.AppUrl('kitchen_restored') -Confirm:$false
        $r | Should -Not -BeNullOrEmpty
        $fp = Assert-TestSameDatabase $pg 'kitchen' 'kitchen_restored'
        ($fp | Where-Object { $_ -like 'large object *' }).Count | Should -Be 4
        ($fp | Where-Object { $_ -like 'sequence *' }).Count | Should -BeGreaterOrEqual 6
        ($fp | Where-Object { $_ -like 'matview *' }) | Should -Contain ('matview ' + [System.Convert]::ToHexString([System.Text.Encoding]::UTF8.GetBytes('public')).ToLowerInvariant() + '.' + [System.Convert]::ToHexString([System.Text.Encoding]::UTF8.GetBytes('a_unpopulated')).ToLowerInvariant() + '|f')
    }

    It 'refuses a backup by the owner of a FORCE row-security table with PostgresRowSecurityBlocked, as pg_dump would, leaving no backup' {
        $before = @(Get-DbBackup $dest -DatabaseName kitchen).Count
        $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('kitchen') -Destination $dest -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'PostgresRowSecurityBlocked*'
        @(Get-DbBackup $dest -DatabaseName kitchen).Count | Should -Be $before
    }
}

Describe 'PostgreSQL pagila round trip' -Skip:$noPg {
    It 'backs up, restore-tests and restores the pagila schema with data, identical by pg_dump --schema-only and per-table hashes' {
        $schema = Join-Path $PSScriptRoot '../../../shared/data/pagila-schema.sql'
        if (-not (Test-Path $schema)) { Set-ItResult -Skipped -Because 'the pagila schema is not in ../shared/data'; return }
        Invoke-TestPsql $pg postgres 'CREATE DATABASE pagila' | Out-Null
        $out = & "$($pg.Bin)/psql" -X -q -v ON_ERROR_STOP=1 -h $pg.Dir -p $pg.Port -U postgres -d pagila -f $schema 2>&1
        if ($LASTEXITCODE -ne 0) { throw "loading pagila failed: $out" }
        Invoke-TestPsqlScript $pg pagila @'
INSERT INTO language (name) VALUES ('English'), ('Deutsch'), ('Türkçe');
INSERT INTO actor (first_name, last_name) SELECT 'first' || g, 'last' || g FROM generate_series(1, 50) g;
INSERT INTO category (name) VALUES ('Action'), ('Ünïcode');
INSERT INTO film (title, description, release_year, language_id, rental_duration, rental_rate, length, replacement_cost, rating)
  SELECT 'film ' || g, 'about ' || g, 2006, 1 + g % 3, 3, 4.99, 90 + g, 19.99, 'PG-13' FROM generate_series(1, 40) g;
INSERT INTO film_actor (actor_id, film_id) SELECT 1 + g % 50, 1 + g % 40 FROM generate_series(1, 39) g;
INSERT INTO film_category (film_id, category_id) SELECT g, 1 + g % 2 FROM generate_series(1, 40) g;
INSERT INTO country (country) VALUES ('Österreich');
INSERT INTO city (city, country_id) VALUES ('Wien', 1);
INSERT INTO address (address, district, city_id, phone) VALUES ('Ring 1', 'Innere Stadt', 1, '');
'@ | Out-Null
        $admin = Get-TestAdminConnection $pg 'postgres'
        $b = New-DbBackup -Database (Get-TestAdminConnection $pg 'pagila') -Destination $dest
        $rt = $b | Test-DbBackup -RestoreTest -Server $admin
        $rt.Passed | Should -BeTrue -Because ($rt.Checks | Out-String)
        $b | Restore-DbBackup -Target (Get-TestAdminConnection $pg 'pagila_restored') -Confirm:$false | Out-Null
        $fp = Assert-TestSameDatabase $pg 'pagila' 'pagila_restored'
        ($fp | Where-Object { $_ -like 'table *' }).Count | Should -BeGreaterOrEqual 20
    }
}
