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

    It 'a -Jobs 2 (directory format) backup of it passes Test-DbBackup -RestoreTest too' {
        $b = New-DbBackup -Database (Get-TestAdminConnection $pg 'kitchen') -Destination $dest -Jobs 2 -Name kitchen_jobs
        $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
        @($side.manifest.tables).Count | Should -Be @($sinkSide.manifest.tables).Count
        $side.manifest.postgres.largeObjects.sha256 | Should -Be $sinkSide.manifest.postgres.largeObjects.sha256
        $rt = $b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')
        $rt.Passed | Should -BeTrue -Because ($rt.Checks | Out-String)
    }

    It 'refuses a backup by the owner of a FORCE row-security table with PostgresRowSecurityBlocked, as pg_dump would, leaving no backup' {
        $before = @(Get-DbBackup $dest -DatabaseName kitchen).Count
        $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('kitchen') -Destination $dest -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'PostgresRowSecurityBlocked*'
        $err.Exception.Message | Should -BeLike '*FORCE ROW LEVEL SECURITY*'
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

Describe 'PostgreSQL random identifiers (property)' -Skip:$noPg {
    BeforeAll {
        # Identifiers of random characters from a wide Unicode range, with quotes, dots, spaces and newlines made likely; at most 63 bytes of UTF-8.
        $script:special = @('"', '.', ' ', "`n", "`r", "`t", "'", '\', '$', ';', '-', '*')
        $script:ranges = @(@(0x21, 0x7E), @(0xA0, 0x17F), @(0x370, 0x52F), @(0x591, 0x6FF), @(0x300, 0x36F), @(0x4E00, 0x9FFF), @(0xAC00, 0xD7A3), @(0x1F300, 0x1F64F), @(0x10000, 0x1FFFF))
        function script:New-RandomIdentifier([System.Random] $Random) {
            $maxBytes = $Random.Next(1, 64)
            $sb = [System.Text.StringBuilder]::new()
            while ($true) {
                if ($Random.Next(4) -eq 0) { $c = $special[$Random.Next($special.Count)] }
                else { $r = $ranges[$Random.Next($ranges.Count)]; $c = [char]::ConvertFromUtf32($Random.Next($r[0], $r[1] + 1)) }
                if ([System.Text.Encoding]::UTF8.GetByteCount($sb.ToString() + $c) -gt $maxBytes) { break }
                [void]$sb.Append($c)
            }
            if ($sb.Length -eq 0) { 'x' } else { $sb.ToString() }
        }
        function script:Quote-Identifier([string] $Name) { '"' + $Name.Replace('"', '""') + '"' }
    }

    It 'backs up and restores schemas, tables and columns with random names: per-table hashes equal (seed printed on failure)' {
        $seed = if ($env:BACKUPPS_PROPERTY_SEED) { [int]$env:BACKUPPS_PROPERTY_SEED } else { 20261207 }
        $random = [System.Random]::new($seed)
        $because = "random identifiers from seed $seed (rerun with BACKUPPS_PROPERTY_SEED=$seed)"
        Invoke-TestPsql $pg postgres 'CREATE DATABASE random_names OWNER app' | Out-Null
        $sql = [System.Text.StringBuilder]::new()
        $schemas = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
        $tableCount = 0
        while ($schemas.Count -lt 5) {
            $schema = New-RandomIdentifier $random
            if ($schema -like 'pg_*' -or -not $schemas.Add($schema)) { continue }
            [void]$sql.AppendLine("CREATE SCHEMA $(Quote-Identifier $schema);")
            $tables = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
            while ($tables.Count -lt 3) {
                $table = New-RandomIdentifier $random
                if (-not $tables.Add($table)) { continue }
                $columns = @((New-RandomIdentifier $random), (New-RandomIdentifier $random)) | Select-Object -Unique
                $qualified = "$(Quote-Identifier $schema).$(Quote-Identifier $table)"
                [void]$sql.AppendLine("CREATE TABLE $qualified ($(($columns | ForEach-Object { (Quote-Identifier $_) + ' text' }) -join ', '));")
                $rows = 1 + $random.Next(6)
                foreach ($i in 1..$rows) {
                    $values = $columns | ForEach-Object { "'" + (New-RandomIdentifier $random).Replace("'", "''") + "'" }
                    [void]$sql.AppendLine("INSERT INTO $qualified VALUES ($($values -join ', '));")
                }
                $tableCount++
            }
        }
        Invoke-TestPsqlScript $pg random_names $sql.ToString() -User app | Out-Null
        $b = New-DbBackup -Database $pg.AppUrl('random_names') -Destination $dest
        $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
        @($side.manifest.tables).Count | Should -Be $tableCount -Because $because
        $rt = $b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')
        $rt.Passed | Should -BeTrue -Because "$because; $($rt.Checks | Out-String)"
        $b | Restore-DbBackup -Target $pg.AppUrl('random_names_restored') -Confirm:$false | Out-Null
        $source = Get-TestDatabaseFingerprint $pg random_names
        ($source | Where-Object { $_ -like 'table *' }).Count | Should -Be $tableCount -Because $because
        (Get-TestDatabaseFingerprint $pg random_names_restored) -join "`n" | Should -Be ($source -join "`n") -Because $because
    }
}

Describe 'PostgreSQL exclusions of inheritance children and partitions' -Skip:$noPg {
    BeforeAll {
        Invoke-TestPsql $pg postgres 'CREATE DATABASE excluded OWNER app' | Out-Null
        Invoke-TestPsql $pg excluded @'
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
        $script:excludedSource = Get-TestDatabaseFingerprint $pg excluded
        $utf8 = [System.Text.Encoding]::UTF8
        function script:TableLine([string] $Name) { 'table ' + [System.Convert]::ToHexString($utf8.GetBytes('public')).ToLowerInvariant() + '.' + [System.Convert]::ToHexString($utf8.GetBytes($Name)).ToLowerInvariant() + '|' }
    }

    It '<option> <table>: the backup passes Test-DbBackup and -RestoreTest and restores every other table unchanged' -ForEach @(
        @{ option = 'ExcludeTable'; table = 'child_b' }
        @{ option = 'ExcludeTableData'; table = 'child_b' }
        @{ option = 'ExcludeTable'; table = 'measure_2026' }
        @{ option = 'ExcludeTableData'; table = 'measure_2026' }
        @{ option = 'ExcludeTableData'; table = 'parent' }
    ) {
        $params = @{ Database = $pg.AppUrl('excluded'); Destination = $dest; $option = "public.$table" }
        $b = New-DbBackup @params
        $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
        $side.manifest.tables.table | Should -Not -Contain $table
        $plain = $b | Test-DbBackup
        $plain.Passed | Should -BeTrue -Because ($plain.Checks | Out-String)
        $rt = $b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')
        $rt.Passed | Should -BeTrue -Because ($rt.Checks | Out-String)
        $restored = "excluded_$($option)_$table".ToLowerInvariant()
        $b | Restore-DbBackup -Target $pg.AppUrl($restored) -Confirm:$false | Out-Null
        $line = TableLine $table
        $after = Get-TestDatabaseFingerprint $pg $restored
        ($after | Where-Object { -not $_.StartsWith($line) }) -join "`n" | Should -Be (($excludedSource | Where-Object { -not $_.StartsWith($line) }) -join "`n")
        if ($option -eq 'ExcludeTableData') { $after | Where-Object { $_.StartsWith($line) } | Should -Be ($line + '0|' + (Invoke-TestPsql $pg postgres "SELECT md5('')")) }
        else { $after | Where-Object { $_.StartsWith($line) } | Should -BeNullOrEmpty }
    }

    It '-ExcludeTable of a parent whose children stay (<table>) is refused with ExcludedTableHasChildren, since pg_restore could not create them; no backup is written' -ForEach @(
        @{ table = 'parent' }
        @{ table = 'measure' }
    ) {
        $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('excluded') -Destination $dest -ExcludeTable "public.$table" -Name "excluded_parent_$table" -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'ExcludedTableHasChildren*'
        $err.Exception.Message | Should -BeLike "*$table*"
        @(Get-DbBackup $dest -DatabaseName "excluded_parent_$table" -ErrorAction SilentlyContinue).Count | Should -Be 0
        @(Get-ChildItem -Force $dest -Filter "*excluded_parent*").Count | Should -Be 0
    }
}
