# Get-DbHealth through the built module: SQLite facts compared with the sqlite3 CLI, FK violations, a corrupted file,
# the last (verified) backup after New-DbBackup + Test-DbBackup, errors, the default view; PostgreSQL health against a
# real throwaway cluster (exact counts compared with psql).
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'health'
    $script:chinook = Copy-Chinook (Join-Path $ws 'chinook.db')
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Get-DbHealth (SQLite)' {
    It 'reports what the sqlite3 CLI says, and a healthy database is Healthy' {
        $before = Get-Sha256 $chinook
        $h = Get-DbHealth $chinook
        $h | Should -BeOfType BackupPS.DbHealth
        $h.Status | Should -Be 'Healthy'
        $h.Problems.Count | Should -Be 0
        $h.Engine | Should -Be 'SQLite'
        $h.Database | Should -Be 'chinook'
        $h.Source | Should -Be $chinook
        $h.PageCount | Should -Be ([long](Invoke-Sqlite $chinook 'PRAGMA page_count'))
        $h.PageSize | Should -Be ([int](Invoke-Sqlite $chinook 'PRAGMA page_size'))
        $h.FreelistCount | Should -Be ([long](Invoke-Sqlite $chinook 'PRAGMA freelist_count'))
        $h.JournalMode | Should -Be (Invoke-Sqlite $chinook 'PRAGMA journal_mode')
        $h.SizeBytes | Should -Be (Get-Item $chinook).Length
        $h.IntegrityCheck | Should -Be 'integrity_check'
        $h.IntegrityOk | Should -BeTrue
        $h.IntegrityMessages | Should -Be @('ok')
        $h.ForeignKeyViolationCount | Should -Be 0
        $tables = @(Invoke-Sqlite $chinook "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        $h.TableCount | Should -Be $tables.Count
        $h.Tables.Name | Should -Be $tables
        foreach ($t in $h.Tables) {
            $t.Rows | Should -Be (Get-RowCount $chinook $t.Name) -Because $t.Name
            $t.Exact | Should -BeTrue
        }
        $h.TotalRows | Should -Be ($h.Tables | Measure-Object Rows -Sum).Sum
        $h.Destination | Should -BeNullOrEmpty
        $h.LastBackup | Should -BeNullOrEmpty
        Get-Sha256 $chinook | Should -Be $before
    }

    It '-Quick runs quick_check' {
        (Get-DbHealth $chinook -Quick).IntegrityCheck | Should -Be 'quick_check'
    }

    It 'takes paths from the pipeline by FullName, relative paths from the current location' {
        $other = New-SmallDatabase (Join-Path $ws 'sub/small.db') -Rows 4
        $all = @(Get-Item $chinook, $other | Get-DbHealth)
        $all.Database | Should -Be @('chinook', 'small')
        Push-Location (Join-Path $ws 'sub')
        try { (Get-DbHealth ./small.db).Tables[0].Rows | Should -Be 4 } finally { Pop-Location }
    }

    It 'the default view is a list with the status, pages, integrity and tables' {
        $text = Get-DbHealth $chinook | Out-String -Width 200
        $text | Should -Match 'Status\s+: Healthy'
        $text | Should -Match 'Integrity\s+: integrity_check: ok'
        $text | Should -Match "Tables\s+: 11 tables, $((Get-DbHealth $chinook).TotalRows) rows"
        $text | Should -Match 'JournalMode\s+: delete'
        $text | Should -Not -Match 'ServerVersion'
    }

    It 'reports foreign key violations as a Warning, counted like sqlite3 does' {
        $db = Join-Path $ws 'fk.db'
        Invoke-Sqlite $db "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY, a INTEGER REFERENCES a(id)); INSERT INTO a VALUES (1); INSERT INTO b VALUES (1, 1), (2, 7), (3, 8);" | Out-Null
        $expected = @(Invoke-Sqlite $db 'PRAGMA foreign_key_check').Count
        $h = Get-DbHealth $db
        $h.Status | Should -Be 'Warning'
        $h.ForeignKeyViolationCount | Should -Be $expected
        $h.ForeignKeyViolations.RowId | Should -Be @(2, 3)
        $h.ForeignKeyViolations[0].Parent | Should -Be 'a'
        $h.Problems | Should -Match 'foreign key violation'
    }

    It 'a corrupted database is Unhealthy with the integrity messages, not an error' {
        $db = Join-Path $ws 'corrupt.db'
        Invoke-Sqlite $db "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 5000) INSERT INTO t SELECT x, hex(randomblob(20)) FROM s; CREATE INDEX tv ON t (v);" | Out-Null
        $pageSize = [int](Invoke-Sqlite $db 'PRAGMA page_size')
        $root = [int](Invoke-Sqlite $db "SELECT rootpage FROM sqlite_schema WHERE name = 'tv'")
        $pages = [int](Invoke-Sqlite $db 'PRAGMA page_count')
        $victim = [int](($root + $pages) / 2)
        $fs = [IO.File]::OpenWrite($db)
        try { $fs.Position = [long]$pageSize * ($victim - 1); $bytes = [byte[]]::new($pageSize); [Random]::new(3).NextBytes($bytes); $fs.Write($bytes, 0, $bytes.Length) } finally { $fs.Dispose() }

        $h = Get-DbHealth $db -ErrorVariable errs
        $errs.Count | Should -Be 0
        $h.Status | Should -Be 'Unhealthy'
        $h.IntegrityOk | Should -BeFalse
        ($h.IntegrityMessages -join "`n") | Should -Match "page $victim"
        $h.Problems[0] | Should -Match 'integrity_check found damage'
        (Get-DbHealth $db -Quick).Status | Should -Be 'Unhealthy'
    }

    It 'reports the WAL and its rows in a WAL database' {
        $db = Join-Path $ws 'wal.db'
        Invoke-Sqlite $db 'PRAGMA journal_mode = wal; CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);' | Out-Null
        $h = Get-DbHealth $db
        $h.JournalMode | Should -Be 'wal'
        $h.Tables[0].Rows | Should -Be 3
        $h.SizeBytes | Should -Be ((Get-Item $db).Length + $(if (Test-Path "$db-wal") { (Get-Item "$db-wal").Length } else { 0 }))
    }

    Context 'Last backup and last verified backup' {
        BeforeAll {
            $script:app = New-SmallDatabase (Join-Path $ws 'app/app.db') -Rows 5
            $script:twin = New-SmallDatabase (Join-Path $ws 'twin/app.db') -Rows 2
            $script:dest = Join-Path $ws 'backups'
        }

        It 'without backups it is a Warning naming the destination' {
            $h = Get-DbHealth $app -Destination $dest
            $h.Status | Should -Be 'Warning'
            $h.LastBackup | Should -BeNullOrEmpty
            $h.Problems | Should -Match 'does not exist'
            New-DbBackup $twin $dest | Out-Null
            $h = Get-DbHealth $app -Destination $dest
            $h.Problems | Should -Match "No backup of 'app'"
        }

        It 'picks the newest backup of this database and the newest verified one' {
            $first = New-DbBackup $app $dest
            $first | Test-DbBackup | Out-Null
            Start-Sleep -Milliseconds 20
            $second = New-DbBackup $app $dest -Tag later
            Start-Sleep -Milliseconds 20
            New-DbBackup $twin $dest | Out-Null  # newer, same name, another file

            $h = Get-DbHealth $app $dest
            $h.Destination | Should -Be $dest
            $h.LastBackup.Id | Should -Be $second.Id
            $h.LastBackup | Should -BeOfType BackupPS.DbBackup
            $h.LastBackupCreated | Should -Be $second.Created
            $h.LastVerifiedBackup.Id | Should -Be $first.Id
            $h.LastVerificationPassed | Should -BeTrue
            $h.LastVerified | Should -Be (Get-DbBackup $dest -Id $first.ShortId).LastVerified
            $h.Status | Should -Be 'Healthy'
            $text = $h | Out-String -Width 200
            $text | Should -Match ([regex]::Escape((Split-Path -Leaf $second.Path)))
            $text | Should -Match 'passed'
        }

        It 'a newest verified backup that failed makes it Unhealthy' {
            $b = New-DbBackup $app $dest
            $fs = [IO.File]::OpenWrite($b.Path)
            try { $fs.Position = $fs.Length / 2; $fs.Write([byte[]](1..32), 0, 32) } finally { $fs.Dispose() }
            ($b | Test-DbBackup).Passed | Should -BeFalse
            $h = Get-DbHealth $app -Destination $dest
            $h.LastVerifiedBackup.Id | Should -Be $b.Id
            $h.LastVerificationPassed | Should -BeFalse
            $h.Status | Should -Be 'Unhealthy'
            $h.Problems[0] | Should -Match 'FAILED its last verification'
            ($h | Out-String -Width 200) | Should -Match 'FAILED'
            Remove-DbBackup $b -Force
        }
    }

    Context 'Errors' {
        It 'a missing database is DatabaseNotFound, like New-DbBackup' {
            $err = Get-ThrownError { Get-DbHealth (Join-Path $ws 'nope.db') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'DatabaseNotFound,BackupPS.Cmdlets.GetDbHealthCommand'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'a file that is not SQLite is NotASqliteDatabase, a folder DatabaseIsDirectory' {
            $txt = Join-Path $ws 'notes.txt'
            Set-Content $txt 'just some text that is long enough for a header'
            (Get-ThrownError { Get-DbHealth $txt -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'NotASqliteDatabase,BackupPS.Cmdlets.GetDbHealthCommand'
            (Get-ThrownError { Get-DbHealth $ws -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'DatabaseIsDirectory,BackupPS.Cmdlets.GetDbHealthCommand'
        }

        It 'a piped missing database does not stop the others' {
            $r = @((Join-Path $ws 'nope.db'), $chinook | Get-DbHealth -ErrorVariable errs -ErrorAction SilentlyContinue)
            $r.Count | Should -Be 1
            $errs.Count | Should -Be 1
        }
    }
}

Describe 'Get-DbHealth (PostgreSQL)' -Skip:$noPg {
    BeforeAll {
        $script:pg = Start-TestPgCluster
        Import-TestChinook $pg 'chinook'
        $script:pgDest = Join-Path $ws 'pgbackups'
    }

    AfterAll {
        Stop-TestPgCluster $pg
    }

    It 'reports version, size and exact row counts equal to psql with -Exact' {
        $h = Get-DbHealth $pg.AppUrl('chinook') -Exact
        $h.Engine | Should -Be 'PostgreSQL'
        $h.Database | Should -Be 'chinook'
        $h.Source | Should -Be "postgres://app@127.0.0.1:$($pg.Port)/chinook"
        $h.ServerVersion | Should -Be (Invoke-TestPsql $pg chinook 'SHOW server_version')
        $h.SizeBytes | Should -Be ([long](Invoke-TestPsql $pg chinook 'SELECT pg_database_size(current_database())'))
        $counts = Get-TestRowCounts $pg 'chinook'
        $h.Tables.Name | Should -Be @($counts.Keys)
        foreach ($t in $h.Tables) {
            $t.Exact | Should -BeTrue
            $t.Rows | Should -Be $counts[$t.Name] -Because $t.Name
            $t.SizeBytes | Should -BeGreaterThan 0
        }
        $h.IntegrityOk | Should -BeNullOrEmpty
        $h.PageCount | Should -BeNullOrEmpty
    }

    It 'without -Exact the row counts are estimates (after ANALYZE, equal for a static table)' {
        Invoke-TestPsql $pg chinook 'ANALYZE' | Out-Null
        $h = Get-DbHealth $pg.AppUrl('chinook')
        @($h.Tables | Where-Object Exact).Count | Should -Be 0
        ($h.Tables | Where-Object Name -eq 'public.track').Rows | Should -Be ([long](Invoke-TestPsql $pg chinook 'SELECT count(*) FROM track'))
        ($h | Out-String -Width 200) | Should -Match 'rows \(estimated\)'
    }

    It 'counts the sessions and sees the oldest open transaction' {
        $psi = [Diagnostics.ProcessStartInfo]::new("$($pg.Bin)/psql")
        foreach ($a in '-X', '-q', '-h', $pg.Dir, '-p', "$($pg.Port)", '-U', 'postgres', '-d', 'chinook', '-c', 'BEGIN; SELECT txid_current(); SELECT pg_sleep(60);') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psql = [Diagnostics.Process]::Start($psi)
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do { Start-Sleep -Milliseconds 200; $n = [int](Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'chinook' AND query LIKE '%pg_sleep(60)%' AND state = 'active'") }
            until ($n -gt 0 -or [DateTime]::UtcNow -gt $deadline)
            $expected = [long](Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'chinook' AND backend_type = 'client backend'")
            # as the admin (sees every session's state) through the socket folder
            $h = Get-DbHealth "Host=$($pg.Dir);Port=$($pg.Port);Username=postgres;Database=chinook"
            $h.Connections | Should -Be $expected
            $h.ActiveConnections | Should -BeGreaterOrEqual 1
            $h.OldestTransactionStart | Should -Not -BeNullOrEmpty
            $h.OldestTransactionAge | Should -BeOfType TimeSpan
            $h.ServerConnections | Should -BeGreaterOrEqual ($expected + 1)
            $h.MaxConnections | Should -Be 60
            $h.TransactionIdAge | Should -Be ([long](Invoke-TestPsql $pg chinook "SELECT age(datfrozenxid) FROM pg_database WHERE datname = 'chinook'"))
        }
        finally { Stop-Process -Id $psql.Id -Force -ErrorAction SilentlyContinue; $psql.WaitForExit() }
    }

    It 'finds the last backup of the database, whatever user made it' {
        $b = New-DbBackup $pg.AppUrl('chinook') $pgDest
        $b | Test-DbBackup | Out-Null
        $h = Get-DbHealth "Host=$($pg.Dir);Port=$($pg.Port);Username=postgres;Database=chinook" -Destination $pgDest
        $h.LastBackup.Id | Should -Be $b.Id
        $h.LastVerifiedBackup.Id | Should -Be $b.Id
        $h.Status | Should -Be 'Healthy'
    }

    It 'takes -Credential' {
        $cred = [pscredential]::new('app', (ConvertTo-SecureString $pg.AppPassword -AsPlainText -Force))
        (Get-DbHealth $pg.AppUrlNoPassword('chinook') -Credential $cred).Database | Should -Be 'chinook'
    }

    It 'errors: unreachable, wrong password, missing database' {
        $port = Get-FreePort
        (Get-ThrownError { Get-DbHealth "postgres://app:x@127.0.0.1:$port/chinook" -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'PostgresUnreachable,BackupPS.Cmdlets.GetDbHealthCommand'
        $err = Get-ThrownError { Get-DbHealth "postgres://app:Wr0ngPassw0rd@127.0.0.1:$($pg.Port)/chinook" -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'PostgresAuthenticationFailed,BackupPS.Cmdlets.GetDbHealthCommand'
        "$err $($err.TargetObject)" | Should -Not -Match 'Wr0ngPassw0rd'
        (Get-ThrownError { Get-DbHealth $pg.AppUrl('nosuchdb') -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'DatabaseNotFound,BackupPS.Cmdlets.GetDbHealthCommand'
    }
}
