# Import-DbBackup through the built module, on inputs made by the real tools: sqlite3 ".backup", gzip, zstd, the
# .db.gz of an old cron script, and pg_dump -Fc / pg_dump | gzip against a real PostgreSQL cluster. After an import the
# backup is listed with Created = the file's time, passes Test-DbBackup, restores with the source's row counts and is
# removed by Remove-DbBackup; damaged or unknown files are refused with their error ids, and originals never change.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'import'
    $script:old = Join-Path $ws 'old'
    New-Item -ItemType Directory -Path $old | Out-Null
    $script:chinook = Copy-Chinook (Join-Path $ws 'live/app.db')
    $script:tables = @(Invoke-Sqlite $chinook "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    $script:counts = @{}
    foreach ($t in $tables) { $counts[$t] = Get-RowCount $chinook $t }

    # What backup scripts made before BackupPS: a sqlite3 .backup copy, gzip -k and zstd of it, and the old cron script's
    # "sqlite3 app.db '.backup /tmp/x' && gzip -c /tmp/x > /var/backups/app-$(date +%F).db.gz".
    Invoke-Native sqlite3 $chinook ".backup '$old/app-2024-05-01.db'" | Out-Null
    Invoke-Native gzip -k "$old/app-2024-05-01.db" | Out-Null
    Invoke-Native zstd -q -k "$old/app-2024-05-01.db" | Out-Null
    Invoke-Native sh -c "sqlite3 '$chinook' '.backup $ws/x.db' && gzip -c '$ws/x.db' > '$old/app-2024-04-30.db.gz' && rm '$ws/x.db'" | Out-Null
    foreach ($f in Get-ChildItem $old) { Invoke-Native touch -d '2024-05-01 03:00:07 UTC' $f.FullName | Out-Null }
    Invoke-Native touch -d '2024-04-30 03:00:05 UTC' "$old/app-2024-04-30.db.gz" | Out-Null

    # Damaged and foreign files.
    $script:bad = Join-Path $ws 'bad'
    New-Item -ItemType Directory -Path $bad | Out-Null
    $gz = [IO.File]::ReadAllBytes("$old/app-2024-05-01.db.gz")
    [IO.File]::WriteAllBytes("$bad/truncated.db.gz", $gz[0..([int]($gz.Length / 2))])
    Copy-Item "$old/app-2024-05-01.db" "$bad/corrupt.db"
    $stream = [IO.File]::OpenWrite("$bad/corrupt.db"); $stream.Position = 4096 * 3
    $junk = [byte[]]::new(8192); [Random]::new(5).NextBytes($junk); $stream.Write($junk, 0, $junk.Length); $stream.Dispose()
    Invoke-Native gzip -k "$bad/corrupt.db" | Out-Null
    $random = [byte[]]::new(10000); [Random]::new(9).NextBytes($random)
    [IO.File]::WriteAllBytes("$bad/random.bin", $random)
    $script:originalHashes = @{}
    foreach ($f in (Get-ChildItem $old, $bad -File)) { $originalHashes[$f.FullName] = Get-Sha256 $f.FullName }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Import-DbBackup of SQLite copies' {
    BeforeAll {
        $script:dest = Join-Path $ws 'dest'
        $script:imported = Import-DbBackup -Path "$old/app-2024-05-01.db.gz" -Destination $dest
    }

    It 'returns a DbBackup of database "app" created at the file''s modification time' {
        $imported | Should -BeOfType ([BackupPS.DbBackup])
        $imported.Database | Should -Be 'app'
        $imported.Engine | Should -Be 'SQLite'
        $imported.Type | Should -Be 'Database'
        $imported.CreatedUtc | Should -Be ([datetime]::new(2024, 5, 1, 3, 0, 7, [DateTimeKind]::Utc))
        Split-Path -Leaf $imported.Path | Should -Match '^app_20240501T030007Z_[0-9a-f]{8}\.tar\.zst$'
        $imported.Description | Should -Be "Imported from $old/app-2024-05-01.db.gz"
        foreach ($t in $tables) { $imported.TableRowCounts[$t] | Should -Be $counts[$t] -Because $t }
    }

    It 'records the original in the manifest block "imported"' {
        $side = Get-Content -Raw ($imported.Path + '.json') | ConvertFrom-Json
        $side.manifest.imported.originalPath | Should -Be "$old/app-2024-05-01.db.gz"
        $side.manifest.imported.originalFileName | Should -Be 'app-2024-05-01.db.gz'
        $side.manifest.imported.originalSha256 | Should -Be $originalHashes["$old/app-2024-05-01.db.gz"]
        $side.manifest.imported.originalFormat | Should -Be 'sqlite+gzip'
    }

    It 'is listed by Get-DbBackup with Created = the file''s time' {
        $listed = Get-DbBackup $dest
        @($listed).Count | Should -Be 1
        $listed.Id | Should -Be $imported.Id
        $listed.CreatedUtc | Should -Be ([datetime]::new(2024, 5, 1, 3, 0, 7, [DateTimeKind]::Utc))
        (Get-DbBackup $dest -Before ([datetime]'2024-06-01')).Id | Should -Be $imported.Id
    }

    It 'passes Test-DbBackup, integrity_check and row counts included' {
        $r = Get-DbBackup $dest | Test-DbBackup
        $r.Passed | Should -BeTrue -Because $r.FailureReason
        ($r.Checks | Where-Object Name -eq 'IntegrityCheck').Outcome | Should -Be 'Passed'
        ($r.Checks | Where-Object Name -eq 'RowCounts').Outcome | Should -Be 'Passed'
    }

    It 'is restored by Restore-DbBackup -Target with the source''s row counts' {
        $target = Join-Path $ws 'restored/app.db'
        New-Item -ItemType Directory (Split-Path $target) -Force | Out-Null
        $r = Get-DbBackup $dest | Restore-DbBackup -Target $target -Force
        $r.IntegrityCheck | Should -Be 'ok'
        foreach ($t in $tables) { Get-RowCount $target $t | Should -Be $counts[$t] -Because $t }
    }

    It 'tells that a restore needs -Target (the original location is unknown)' {
        $e = Get-ThrownError { Get-DbBackup $dest | Restore-DbBackup -Force }
        $e.FullyQualifiedErrorId | Should -Be 'TargetRequired,BackupPS.Cmdlets.RestoreDbBackupCommand'
    }

    It 'skips the same file the second time with a warning, and imports it again with -Force' {
        $out = Import-DbBackup -Path "$old/app-2024-05-01.db.gz" -Destination $dest -WarningVariable w 3>$null
        $out | Should -BeNullOrEmpty
        "$w" | Should -Match 'already imported'
        @(Get-DbBackup $dest).Count | Should -Be 1
        $again = Import-DbBackup -Path "$old/app-2024-05-01.db.gz" -Destination $dest -Force
        $again.Id | Should -Not -Be $imported.Id
        @(Get-DbBackup $dest).Count | Should -Be 2
        $again | Remove-DbBackup -Force
    }

    It 'is removed by Remove-DbBackup, and the original stays' {
        Get-DbBackup $dest | Remove-DbBackup -Force
        @(Get-DbBackup $dest).Count | Should -Be 0
        Get-Sha256 "$old/app-2024-05-01.db.gz" | Should -Be $originalHashes["$old/app-2024-05-01.db.gz"]
    }
}

Describe 'Import-DbBackup of several files' {
    It 'takes files from Get-ChildItem and wildcards: plain, gzip, zstd and the old cron script''s .db.gz' {
        $dest = Join-Path $ws 'many'
        $out = Get-ChildItem "$old/*" | Import-DbBackup -Destination $dest
        @($out).Count | Should -Be 4
        ($out | ForEach-Object { (Get-Content -Raw ($_.Path + '.json') | ConvertFrom-Json).manifest.imported.originalFormat } | Sort-Object) -join ',' |
            Should -Be 'sqlite,sqlite+gzip,sqlite+gzip,sqlite+zstd'
        $listed = Get-DbBackup $dest -DatabaseName app
        @($listed).Count | Should -Be 4
        $listed[-1].CreatedUtc | Should -Be ([datetime]::new(2024, 4, 30, 3, 0, 5, [DateTimeKind]::Utc))
        (Get-DbBackup $dest -Latest).CreatedUtc | Should -Be ([datetime]::new(2024, 5, 1, 3, 0, 7, [DateTimeKind]::Utc))
        ($listed | Test-DbBackup).Passed | Should -Not -Contain $false
        # a second run over the same files imports nothing
        @(Import-DbBackup -Path "$old/*" -Destination $dest 3>$null).Count | Should -Be 0
        @(Get-DbBackup $dest).Count | Should -Be 4
    }

    It 'imports byte-identical copies with different dates as two backups, together and in two runs' {
        $src = Join-Path $ws 'twins'; New-Item -ItemType Directory $src | Out-Null
        Invoke-Native sqlite3 $chinook ".backup '$src/app-a.db'" | Out-Null
        Copy-Item "$src/app-a.db" "$src/app-b.db"
        Invoke-Native touch -d '2024-03-01 02:00:00Z' "$src/app-a.db" | Out-Null
        Invoke-Native touch -d '2024-03-02 02:00:00Z' "$src/app-b.db" | Out-Null
        $together = Join-Path $ws 'twins-together'
        @(Import-DbBackup -Path "$src/*" -Destination $together -DatabaseName app 3>$null).Count | Should -Be 2
        @(Get-DbBackup $together).Count | Should -Be 2
        $apart = Join-Path $ws 'twins-apart'
        @(Import-DbBackup -Path "$src/app-a.db" -Destination $apart -DatabaseName app).Count | Should -Be 1
        @(Import-DbBackup -Path "$src/app-b.db" -Destination $apart -DatabaseName app 3>$null).Count | Should -Be 1
        @(Get-DbBackup $apart).Count | Should -Be 2
        # the same file (same content, same date) again is still a duplicate
        @(Import-DbBackup -Path "$src/app-b.db" -Destination $apart -DatabaseName app 3>$null).Count | Should -Be 0
        @(Get-DbBackup $apart).Count | Should -Be 2
    }

    It 'takes -Created, -DatabaseName and -Compression Gzip' {
        $dest = Join-Path $ws 'named'
        $b = Import-DbBackup "$old/app-2024-05-01.db.zst" -Destination $dest -DatabaseName shop -Created ([datetime]::new(2023, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)) -Compression Gzip
        $b.Database | Should -Be 'shop'
        $b.CreatedUtc | Should -Be ([datetime]::new(2023, 1, 2, 3, 4, 5, [DateTimeKind]::Utc))
        $b.Path | Should -Match 'shop_20230102T030405Z_[0-9a-f]{8}\.tar\.gz$'
        ($b | Test-DbBackup).Passed | Should -BeTrue
    }

    It 'takes a file whose name holds wildcard characters literally' {
        $dest = Join-Path $ws 'brackets'
        Copy-Item "$old/app-2024-05-01.db.gz" "$ws/app[1].db.gz"
        (Import-DbBackup "$ws/app[1].db.gz" -Destination $dest).Database | Should -Be 'app_1_'
        Remove-Item -LiteralPath "$ws/app[1].db.gz"
    }

    It 'shows what it would import with -WhatIf and writes nothing' {
        $dest = Join-Path $ws 'whatif'
        $out = Import-DbBackup "$old/app-2024-05-01.db.gz" -Destination $dest -WhatIf
        $out | Should -BeNullOrEmpty
        Test-Path $dest | Should -BeFalse
        # an unimportable file is reported already with -WhatIf
        $e = Get-ThrownError { Import-DbBackup "$bad/random.bin" -Destination $dest -WhatIf -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'ImportUnrecognizedFormat,BackupPS.Cmdlets.ImportDbBackupCommand'
        Test-Path $dest | Should -BeFalse
    }

    It 'encrypts with -Passphrase like New-DbBackup' {
        $dest = Join-Path $ws 'enc'
        $pass = ConvertTo-SecureString 'import-pass-123' -AsPlainText -Force
        $b = Import-DbBackup "$old/app-2024-05-01.db.gz" -Destination $dest -Passphrase $pass
        $b.Encrypted | Should -BeTrue
        (Get-Content -Raw ($b.Path + '.json')) | Should -Not -Match 'app-2024-05-01'
        ($b | Test-DbBackup -Passphrase $pass).Passed | Should -BeTrue
        @(Import-DbBackup "$old/app-2024-05-01.db.gz" -Destination $dest -Passphrase $pass 3>$null).Count | Should -Be 0
    }
}

Describe 'Import-DbBackup refuses damaged and unknown files' {
    BeforeAll { $script:refused = Join-Path $ws 'refused' }

    It '<Name>: <Id>' -ForEach @(
        @{ Name = 'truncated.db.gz'; Id = 'ImportCheckFailed'; Match = 'gzip' }
        @{ Name = 'corrupt.db'; Id = 'ImportCheckFailed'; Match = 'integrity_check|SQLite' }
        @{ Name = 'corrupt.db.gz'; Id = 'ImportCheckFailed'; Match = 'integrity_check|SQLite' }
        @{ Name = 'random.bin'; Id = 'ImportUnrecognizedFormat'; Match = 'accepts a SQLite database file' }
    ) {
        $e = Get-ThrownError { Import-DbBackup "$bad/$Name" -Destination $refused -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be "$Id,BackupPS.Cmdlets.ImportDbBackupCommand"
        $e.Exception.Message | Should -Match $Match
        Get-Sha256 "$bad/$Name" | Should -Be $originalHashes["$bad/$Name"]
        if (Test-Path $refused) { @(Get-DbBackup $refused).Count | Should -Be 0; Get-FolderListing $refused | Where-Object { $_ -ne '/audit.jsonl' } | Should -BeNullOrEmpty }
    }

    It 'goes on with the other files after a refused one (non-terminating errors)' {
        $dest = Join-Path $ws 'mixed'
        $out = Import-DbBackup "$bad/random.bin", "$old/app-2024-05-01.db", "$ws/missing*.gz" -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        ($errs | ForEach-Object FullyQualifiedErrorId | Sort-Object) -join ' ' |
            Should -Be 'ImportFileNotFound,BackupPS.Cmdlets.ImportDbBackupCommand ImportUnrecognizedFormat,BackupPS.Cmdlets.ImportDbBackupCommand'
    }

    It 'leaves every original unchanged' {
        foreach ($f in $originalHashes.Keys) { Get-Sha256 $f | Should -Be $originalHashes[$f] -Because $f }
    }
}

Describe 'Import-DbBackup of pg_dump files' -Skip:$noPg {
    BeforeAll {
        . $PSScriptRoot/PostgresTestHelpers.ps1
        $script:pg = Start-TestPgCluster
        Import-TestChinook $pg 'chinook'
        $script:pgCounts = Get-TestRowCounts $pg 'chinook'
        $script:dumps = Join-Path $pg.Dir 'dumps'
        New-Item -ItemType Directory -Path $dumps | Out-Null
        Invoke-Native chmod 0777 $dumps | Out-Null
        $env:PGPASSWORD = $pg.AppPassword
        try {
            $conn = "-h 127.0.0.1 -p $($pg.Port) -U app"
            Invoke-Native sh -c "'$($pg.Bin)/pg_dump' -Fc $conn -f '$dumps/chinook.dump' chinook" | Out-Null
            Invoke-Native sh -c "'$($pg.Bin)/pg_dump' $conn chinook | gzip > '$dumps/chinook-2024-05-01.sql.gz'" | Out-Null
            Invoke-Native sh -c "'$($pg.Bin)/pg_dump' $conn chinook | head -c 200000 | gzip > '$dumps/cut.sql.gz'" | Out-Null
        }
        finally { Remove-Item Env:PGPASSWORD }
        foreach ($f in Get-ChildItem $dumps) { Invoke-Native touch -d '2024-05-01 02:00:00 UTC' $f.FullName | Out-Null }
        $script:pgHashes = @{}
        foreach ($f in Get-ChildItem $dumps) { $pgHashes[$f.Name] = Get-Sha256 $f.FullName }
        $script:pgDest = Join-Path $pg.Dir 'backups'
    }

    AfterAll { Stop-TestPgCluster $pg }

    It '<File> is imported, tested, restored with the source''s row counts and removed' -ForEach @(
        @{ File = 'chinook.dump'; Format = 'pg_dump-custom'; Check = 'pg_restore' }
        @{ File = 'chinook-2024-05-01.sql.gz'; Format = 'pg_dump-plain+gzip'; Check = 'header and trailer' }
    ) {
        $b = Import-DbBackup "$dumps/$File" -Destination $pgDest
        $b.Engine | Should -Be 'PostgreSQL'
        $b.Database | Should -Be 'chinook'
        $b.CreatedUtc | Should -Be ([datetime]::new(2024, 5, 1, 2, 0, 0, [DateTimeKind]::Utc))
        $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
        $side.manifest.imported.originalFormat | Should -Be $Format
        $side.manifest.postgres.pgDumpVersion | Should -Match '^\d+\.\d+'
        foreach ($t in $side.manifest.tables) { $t.rows | Should -Be $pgCounts[$t.name] -Because $t.name }
        $side.manifest.tables.Count | Should -Be $pgCounts.Count

        (Get-DbBackup $pgDest | Where-Object Id -eq $b.Id).CreatedUtc | Should -Be $b.CreatedUtc
        $r = $b | Test-DbBackup
        $r.Passed | Should -BeTrue -Because $r.FailureReason
        ($r.Checks | Where-Object Name -eq 'DumpList').Outcome | Should -Be 'Passed'

        $db = 'restored_' + $b.ShortId
        $result = $b | Restore-DbBackup -Target $pg.AppUrl($db) -Force
        $result.IntegrityCheck | Should -Match "row counts: $($pgCounts.Count) tables"
        $restored = Get-TestRowCounts $pg $db
        foreach ($t in $pgCounts.Keys) { $restored[$t] | Should -Be $pgCounts[$t] -Because $t }

        $b | Remove-DbBackup -Force
        Get-DbBackup $pgDest | Where-Object Id -eq $b.Id | Should -BeNullOrEmpty
        Get-Sha256 "$dumps/$File" | Should -Be $pgHashes[$File]
    }

    It 'restores a plain dump over an existing database, with a safety backup' {
        $b = Import-DbBackup "$dumps/chinook-2024-05-01.sql.gz" -Destination $pgDest -Force
        Invoke-TestPsql $pg chinook 'DELETE FROM public.invoice_line' | Out-Null
        $result = $b | Restore-DbBackup -Target $pg.AppUrl('chinook') -Force
        $result.SafetyBackup | Should -Not -BeNullOrEmpty
        (Get-TestRowCounts $pg 'chinook')['public.invoice_line'] | Should -Be $pgCounts['public.invoice_line']
    }

    It 'refuses a plain dump cut short (no "dump complete" trailer)' {
        $e = Get-ThrownError { Import-DbBackup "$dumps/cut.sql.gz" -Destination (Join-Path $pg.Dir 'cut') -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'ImportCheckFailed,BackupPS.Cmdlets.ImportDbBackupCommand'
        $e.Exception.Message | Should -Match 'truncated'
        Get-Sha256 "$dumps/cut.sql.gz" | Should -Be $pgHashes['cut.sql.gz']
    }

    It 'never lets a doctored plain dump run psql commands: refused at import, or by psql''s \restrict at restore' {
        $marker = Join-Path $pg.Dir 'pwned'
        $sql = & sh -c "gzip -dc '$dumps/chinook-2024-05-01.sql.gz'"
        $at = [array]::IndexOf($sql, 'SET statement_timeout = 0;')
        $lineStart = @($sql[0..$at]) + "\! touch $marker" + @($sql[($at + 1)..($sql.Count - 1)])
        $midLine = @($sql[0..$at]) + "SELECT 1; \! touch $marker" + @($sql[($at + 1)..($sql.Count - 1)])
        Set-Content -Path "$dumps/linestart.sql" -Value $lineStart
        Set-Content -Path "$dumps/midline.sql" -Value $midLine

        $e = Get-ThrownError { Import-DbBackup "$dumps/linestart.sql" -Destination (Join-Path $pg.Dir 'evil') -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'ImportCheckFailed,BackupPS.Cmdlets.ImportDbBackupCommand'
        $e.Exception.Message | Should -Match 'psql command'

        # Not seen line by line, but psql itself refuses it under \restrict: the restore fails, nothing runs, no database appears.
        $b = Import-DbBackup "$dumps/midline.sql" -Destination (Join-Path $pg.Dir 'evil')
        $e = Get-ThrownError { $b | Restore-DbBackup -Target $pg.AppUrl('evil_target') -Force -ErrorAction Stop }
        $e.Exception.Message | Should -Match 'restrict'
        Test-Path $marker | Should -BeFalse
        Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'evil_target%'" | Should -Be '0'
    }

    It 'refuses a SQLite file with -Engine PostgreSQL' {
        $e = Get-ThrownError { Import-DbBackup "$old/app-2024-05-01.db" -Destination (Join-Path $pg.Dir 'x') -Engine PostgreSQL -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'ImportUnrecognizedFormat,BackupPS.Cmdlets.ImportDbBackupCommand'
    }
}
