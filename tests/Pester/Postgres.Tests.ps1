# PostgreSQL through the built module, against a real PostgreSQL cluster started here (initdb in a temp folder, a free
# port on 127.0.0.1, SCRAM passwords over TCP): backup, list, verify, restore test, atomic restore, migration, sessions,
# a killed restore, writers during a backup, specific errors, and the password kept out of argv, output and files.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/RobustHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:pg = Start-TestPgCluster
    Import-TestChinook $pg 'chinook'
    $script:dest = Join-Path $pg.Dir 'backups'
    $script:work = Join-Path $pg.Dir 'work'
    New-Item -ItemType Directory -Path $work | Out-Null
    $script:chinookCounts = Get-TestRowCounts $pg 'chinook'
    $script:backup = New-DbBackup -Database $pg.AppUrl('chinook') -Destination $dest
    # a larger database (pgbench, ~75 MB) so that writers, sampling and killing have time to act
    Invoke-TestPsql $pg postgres 'CREATE DATABASE bench OWNER app' | Out-Null
    & "$($pg.Bin)/pgbench" -i -q -s 5 -h $pg.Dir -p $pg.Port -U app bench 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'pgbench -i failed' }
}

AfterAll {
    Stop-TestPgCluster $pg
}

Describe 'PostgreSQL backups' -Skip:$noPg {
    Context 'Backup, list, test and restore round trip' {
        It 'backs up with the engine, source, versions and exact row counts in the manifest' {
            $backup.Engine | Should -Be 'PostgreSQL'
            $backup.Database | Should -Be 'chinook'
            $backup.SourcePath | Should -Be "postgres://app@127.0.0.1:$($pg.Port)/chinook"
            $side = Get-Content -Raw ($backup.Path + '.json') | ConvertFrom-Json
            $side.manifest.postgres.serverVersion | Should -Match '^15\.'
            $side.manifest.postgres.pgDumpVersion | Should -Match '^\d+\.\d+'
            $side.manifest.postgres.encoding | Should -Be 'UTF8'
            $side.manifest.postgres.rowCountsExact | Should -BeTrue
            $side.manifest.postgres.extensions.name | Should -Contain 'plpgsql'
            $side.manifest.entries[0].path | Should -Be 'database/chinook.pgdump'
            foreach ($t in $side.manifest.tables) { $t.rows | Should -Be $chinookCounts[$t.name] -Because $t.name }
            $side.manifest.tables.Count | Should -Be $chinookCounts.Count
        }

        It 'is a standard tar.zst whose dump pg_restore reads without BackupPS' {
            $x = Join-Path $work 'x'; New-Item -ItemType Directory $x | Out-Null
            & tar --zstd -xf $backup.Path -C $x
            $LASTEXITCODE | Should -Be 0
            (& "$($pg.Bin)/pg_restore" --list (Join-Path $x 'database/chinook.pgdump') | Select-String 'TABLE DATA public track').Count | Should -Be 1
            Push-Location $x; try { & sha256sum -c checksums.sha256 | Out-Null; $LASTEXITCODE | Should -Be 0 } finally { Pop-Location }
        }

        It 'is listed by Get-DbBackup' {
            (Get-DbBackup $dest -DatabaseName chinook -Latest).Id | Should -Be $backup.Id
        }

        It 'passes Test-DbBackup with the pg_restore --list check' {
            $r = $backup | Test-DbBackup
            $r.Passed | Should -BeTrue
            ($r.Checks | Where-Object Name -eq 'DumpList').Outcome | Should -Be 'Passed'
        }

        It 'passes -RestoreTest on a named server, records it in the sidecar, and leaves no database behind' {
            $before = Invoke-TestPsql $pg postgres 'SELECT count(*) FROM pg_database'
            $r = $backup | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')
            $r.Passed | Should -BeTrue
            ($r.Checks | Where-Object Name -eq 'RestoreTest').Outcome | Should -Be 'Passed'
            $side = Get-Content -Raw ($backup.Path + '.json') | ConvertFrom-Json
            $side.restoreTestPassed | Should -BeTrue
            $side.restoreTestedUtc | Should -Not -BeNullOrEmpty
            Invoke-TestPsql $pg postgres 'SELECT count(*) FROM pg_database' | Should -Be $before
        }

        It 'restores into a new database name (migration) with the same row counts' {
            $r = $backup | Restore-DbBackup -Target $pg.AppUrl('chinook_copy') -Force -Jobs 2
            $r.Target | Should -Be "postgres://app@127.0.0.1:$($pg.Port)/chinook_copy"
            $r.SafetyBackup | Should -BeNullOrEmpty
            $copy = Get-TestRowCounts $pg 'chinook_copy'
            foreach ($k in $chinookCounts.Keys) { $copy[$k] | Should -Be $chinookCounts[$k] -Because $k }
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '%backupps%'" | Should -Be '0'
        }

        It 'restores in place: the target gets the backup''s rows, the old state is a listed PreRestore backup that Remove-DbBackup removes' {
            Invoke-TestPsql $pg chinook_copy 'DELETE FROM playlist_track WHERE playlist_id = 1' -User app | Out-Null
            $changed = [long](Invoke-TestPsql $pg chinook_copy 'SELECT count(*) FROM playlist_track')
            $r = $backup | Restore-DbBackup -Target $pg.AppUrl('chinook_copy') -Force
            [long](Invoke-TestPsql $pg chinook_copy 'SELECT count(*) FROM playlist_track') | Should -Be $chinookCounts['public.playlist_track']
            $r.SafetyBackup.Type | Should -Be 'PreRestore'
            $r.SafetyBackup.TableRowCounts['public.playlist_track'] | Should -Be $changed
            $safety = Get-DbBackup $dest -Type PreRestore | Where-Object Id -eq $r.SafetyBackup.Id
            $safety | Should -Not -BeNullOrEmpty
            $safety | Remove-DbBackup -Force
            Test-Path $r.SafetyBackup.Path | Should -BeFalse
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '%backupps%'" | Should -Be '0'
        }

        It 'leaves out excluded table data, and the restore test still passes' {
            $b = New-DbBackup -Database $pg.AppUrl('chinook') -Destination $dest -ExcludeTableData 'public.invoice_line' -Name 'chinook_partial'
            $b.TableRowCounts.Keys | Should -Not -Contain 'public.invoice_line'
            $b.TableRowCounts['public.track'] | Should -Be $chinookCounts['public.track']
            ($b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres')).Passed | Should -BeTrue
        }

        It 'encrypts with -Passphrase: redacted sidecar, restore needs the passphrase, the safety copy is encrypted too' {
            $pass = ConvertTo-SecureString 'pg backup passphrase 42' -AsPlainText -Force
            $encDest = Join-Path $work 'encrypted'
            $b = New-DbBackup -Database $pg.AppUrl('chinook') -Destination $encDest -Passphrase $pass -Name 'chinook_enc'
            $b.Encrypted | Should -BeTrue
            $sidecar = Get-Content -Raw ($b.Path + '.json')
            $sidecar | Should -Not -Match 'invoice_line'
            $sidecar | Should -Not -Match ([regex]::Escape("127.0.0.1:$($pg.Port)"))
            [IO.File]::ReadAllBytes($b.Path)[0..5] | Should -Be ([Text.Encoding]::ASCII.GetBytes('BPSENC'))
            ($b | Test-DbBackup -Passphrase $pass).Passed | Should -BeTrue

            $err = Get-ThrownError { $b | Restore-DbBackup -Target $pg.AppUrl('chinook_enc_copy') -Force -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Match '^EncryptionKeyRequired'
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname = 'chinook_enc_copy'" | Should -Be '0'

            $r = $b | Restore-DbBackup -Target $pg.AppUrl('chinook_enc_copy') -Force -Passphrase $pass
            (Get-TestRowCounts $pg 'chinook_enc_copy')['public.track'] | Should -Be $chinookCounts['public.track']
            $again = $b | Restore-DbBackup -Target $pg.AppUrl('chinook_enc_copy') -Force -Passphrase $pass
            $again.SafetyBackup.Encrypted | Should -BeTrue
            [IO.File]::ReadAllBytes($again.SafetyBackup.Path)[0..5] | Should -Be ([Text.Encoding]::ASCII.GetBytes('BPSENC'))
        }

        It 'takes the password from -Credential' {
            $cred = [pscredential]::new('app', (ConvertTo-SecureString $pg.AppPassword -AsPlainText -Force))
            $b = New-DbBackup -Database $pg.AppUrlNoPassword('chinook') -Credential $cred -Destination $dest -Name 'cred'
            $b.Engine | Should -Be 'PostgreSQL'
        }
    }

    Context 'Parallel dump (-Jobs) and globals' {
        It 'dumps in directory format with -Jobs 2: one entry per dump file, no temp folder left, pg_restore reads it' {
            $b = New-DbBackup -Database $pg.AppUrl('chinook') -Destination $dest -Jobs 2 -Name 'chinook_par'
            $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
            $side.manifest.postgres.dumpFormat | Should -Be 'directory'
            $side.manifest.entries[0].path | Should -Be 'database/chinook.pgdir/toc.dat'
            $side.manifest.entries.path | Should -Not -Contain 'database/chinook.pgdump'
            @($side.manifest.entries | Where-Object path -like 'database/chinook.pgdir/*.dat').Count | Should -BeGreaterThan 5
            foreach ($t in $side.manifest.tables) { $t.rows | Should -Be $chinookCounts[$t.name] -Because $t.name }
            $b.DatabaseSizeBytes | Should -Be ($side.manifest.entries | Measure-Object size -Sum).Sum
            @(Get-ChildItem -Force $dest -Filter '.backupps-*').Count | Should -Be 0
            $x = Join-Path $work 'xdir'; New-Item -ItemType Directory $x | Out-Null
            & tar --zstd -xf $b.Path -C $x
            $LASTEXITCODE | Should -Be 0
            (& "$($pg.Bin)/pg_restore" --list (Join-Path $x 'database/chinook.pgdir') | Select-String 'TABLE DATA public track').Count | Should -Be 1
            $r = $b | Test-DbBackup
            $r.Passed | Should -BeTrue
            ($r.Checks | Where-Object Name -eq 'DumpList').Outcome | Should -Be 'Passed'
        }

        It 'restores a directory-format backup with -Jobs 2 and passes -RestoreTest' {
            $b = Get-DbBackup $dest -DatabaseName chinook_par -Latest
            ($b | Test-DbBackup -RestoreTest -Server $pg.AppUrl('postgres') -Jobs 2).Passed | Should -BeTrue
            $r = $b | Restore-DbBackup -Target $pg.AppUrl('chinook_par') -Force -Jobs 2
            $r.Globals | Should -BeNullOrEmpty
            $copy = Get-TestRowCounts $pg 'chinook_par'
            foreach ($k in $chinookCounts.Keys) { $copy[$k] | Should -Be $chinookCounts[$k] -Because $k }
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '%backupps%'" | Should -Be '0'
        }

        It 'a damaged dump file inside a directory-format backup fails verification' {
            $b = Get-DbBackup $dest -DatabaseName chinook_par -Latest
            $copy = Join-Path $work 'damaged-par.tar.zst'
            $x = Join-Path $work 'xdamaged'; New-Item -ItemType Directory $x | Out-Null
            & tar --zstd -xf $b.Path -C $x
            $toc = Join-Path $x 'database/chinook.pgdir/toc.dat'
            [IO.File]::WriteAllBytes($toc, [byte[]]::new((Get-Item $toc).Length)) # same size, zeroed
            $names = @('manifest.json') + @((Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json).manifest.entries.path) + @('checksums.sha256')
            Push-Location $x; try { & tar --zstd --format=pax -cf $copy @names } finally { Pop-Location }
            $r = Test-DbBackup -Path $copy
            $r.Passed | Should -BeFalse
            ($r.Checks | Where-Object Name -eq 'EntryChecksums').Outcome | Should -Be 'Failed'
            $r.FailureReason | Should -Match 'toc\.dat'
        }

        It '-IncludeGlobals adds database/globals.sql with the roles but no password hashes; -RestoreGlobals applies them' {
            Invoke-TestPsql $pg postgres "CREATE ROLE bk_reader NOLOGIN PASSWORD 'reader-pw-1'; CREATE ROLE bk_writer LOGIN PASSWORD 'writer-pw-2' IN ROLE bk_reader" | Out-Null
            $b = New-DbBackup -Database $pg.AppUrl('chinook') -Destination $dest -IncludeGlobals -Name 'chinook_glob'
            $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
            $side.manifest.entries.path | Should -Contain 'database/globals.sql'
            $side.manifest.postgres.globals | Should -Be 'roles without passwords, tablespaces'
            $x = Join-Path $work 'xglob'; New-Item -ItemType Directory $x | Out-Null
            & tar --zstd -xf $b.Path -C $x database/globals.sql
            $sql = Get-Content -Raw (Join-Path $x 'database/globals.sql')
            $sql | Should -Match 'CREATE ROLE bk_reader'
            $sql | Should -Match 'CREATE ROLE bk_writer'
            $sql | Should -Not -Match 'SCRAM-SHA-256'
            ($b | Test-DbBackup).Passed | Should -BeTrue

            Invoke-TestPsql $pg postgres 'DROP ROLE bk_writer; DROP ROLE bk_reader' | Out-Null
            $admin = "Host=$($pg.Dir);Port=$($pg.Port);Username=postgres;Database=chinook_glob"
            $plain = $b | Restore-DbBackup -Target $admin -Force
            $plain.Globals | Should -BeNullOrEmpty
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'bk\_%'" | Should -Be '0'
            $r = $b | Restore-DbBackup -Target $admin -Force -RestoreGlobals
            $r.Globals | Should -Match '0 failed'
            $r.Globals | Should -Match '[1-9]\d* skipped \(already exist\)'
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'bk\_%'" | Should -Be '2'
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = 'bk_reader' AND u.rolname = 'bk_writer'" | Should -Be '1'
            Invoke-TestPsql $pg postgres "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'bk_writer'" | Should -Be 't'
        }

        It '-IncludeRolePasswords keeps the password hashes (superuser source)' {
            $admin = "Host=$($pg.Dir);Port=$($pg.Port);Username=postgres;Database=chinook"
            $b = New-DbBackup -Database $admin -Destination $dest -IncludeRolePasswords -Name 'chinook_pw'
            $side = Get-Content -Raw ($b.Path + '.json') | ConvertFrom-Json
            $side.manifest.postgres.globals | Should -Be 'roles with passwords, tablespaces'
            $x = Join-Path $work 'xpw'; New-Item -ItemType Directory $x | Out-Null
            & tar --zstd -xf $b.Path -C $x database/globals.sql
            Get-Content -Raw (Join-Path $x 'database/globals.sql') | Should -Match "ROLE app WITH .*PASSWORD 'SCRAM-SHA-256"
        }

        It '-RestoreGlobals on a backup without globals is NoGlobalsInBackup and changes nothing' {
            $err = Get-ThrownError { $backup | Restore-DbBackup -Target $pg.AppUrl('chinook_noglob') -Force -RestoreGlobals -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'NoGlobalsInBackup,BackupPS.Cmdlets.RestoreDbBackupCommand'
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname = 'chinook_noglob'" | Should -Be '0'
        }
    }

    Context 'Sessions on the target' {
        It 'refuses while a session is open (TargetInUse, target untouched) and succeeds with -Force' {
            $log = Join-Path $work 'session'
            $p = Start-ChildProcess -FilePath "$($pg.Bin)/psql" -ArgumentList @('-X', '-h', $pg.Dir, '-p', "$($pg.Port)", '-U', 'app', '-d', 'chinook', '-c', 'SELECT pg_sleep(300)') -StdOut "$log.out" -StdErr "$log.err"
            try {
                Wait-Until { (Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'chinook' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()") -eq '1' } -Because 'the psql session'
                $err = Get-ThrownError { $backup | Restore-DbBackup -Target $pg.AppUrl('chinook') -Confirm:$false -ErrorAction Stop }
                $err.FullyQualifiedErrorId | Should -Be 'TargetInUse,BackupPS.Cmdlets.RestoreDbBackupCommand'
                $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
                $p.HasExited | Should -BeFalse
                $r = $backup | Restore-DbBackup -Target $pg.AppUrl('chinook') -Force -WarningAction SilentlyContinue
                $r.Target | Should -Match '/chinook$'
                Wait-Until { $p.HasExited } -TimeoutSec 30 -Because 'the session was terminated'
                (Get-TestRowCounts $pg 'chinook')['public.track'] | Should -Be $chinookCounts['public.track']
            } finally { Stop-ChildProcess $p }
        }
    }

    Context 'Writers and failures' {
        It 'backs up a consistent snapshot while pgbench writers run' {
            $log = Join-Path $work 'pgbench'
            $p = Start-ChildProcess -FilePath "$($pg.Bin)/pgbench" -ArgumentList @('-n', '-c', '3', '-T', '60', '-h', $pg.Dir, '-p', "$($pg.Port)", '-U', 'app', 'bench') -StdOut "$log.out" -StdErr "$log.err"
            try {
                Wait-Until { [long](Invoke-TestPsql $pg bench 'SELECT count(*) FROM pgbench_history') -gt 100 } -Because 'pgbench writing'
                $b = New-DbBackup -Database $pg.AppUrl('bench') -Destination $dest
                $h1 = [long](Invoke-TestPsql $pg bench 'SELECT count(*) FROM pgbench_history')
            } finally { Stop-ChildProcess $p }
            $h1 | Should -BeGreaterThan $b.TableRowCounts['public.pgbench_history'] -Because 'writers kept committing after the snapshot'
            $r = $b | Restore-DbBackup -Target $pg.AppUrl('bench_copy') -Force -Jobs 2
            $r.IntegrityCheck | Should -Match 'as in the manifest'
            # TPC-B moves the same delta into one account, teller and branch and logs it in history: equal sums = one snapshot
            $sums = Invoke-TestPsql $pg bench_copy 'SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT sum(bbalance) FROM pgbench_branches), (SELECT coalesce(sum(delta),0) FROM pgbench_history)'
            $parts = $sums.Split('|')
            $parts | Select-Object -Unique | Should -HaveCount 1
            [long](Invoke-TestPsql $pg bench_copy 'SELECT count(*) FROM pgbench_history') | Should -Be $b.TableRowCounts['public.pgbench_history']
        }

        It 'a restore killed midway (kill -9) leaves the target intact' {
            $before = Invoke-TestPsql $pg bench 'SELECT count(*), sum(abalance) FROM pgbench_accounts'
            $b = Get-DbBackup $dest -DatabaseName bench -Latest
            $script = Join-Path $work 'kill.ps1'
            Set-Content $script "Import-Module '$(Get-BackupPSModulePath)/BackupPS.psd1'; Get-DbBackup '$dest' -Id $($b.ShortId) | Restore-DbBackup -Target '$($pg.AppUrl('bench'))' -Force"
            $p = Start-PwshChild -ScriptPath $script -LogPrefix (Join-Path $work 'kill')
            try {
                Wait-Until { (Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'bench_backupps_restore_%' AND application_name = 'pg_restore' OR (datname LIKE 'bench_backupps_restore_%' AND query LIKE 'COPY%')") -ne '0' } -TimeoutSec 60 -IntervalMs 20 -Because 'pg_restore loading the scratch database'
                & kill -9 $p.Id
                $p.WaitForExit()
            } finally { Stop-ChildProcess $p }
            Invoke-TestPsql $pg bench 'SELECT count(*), sum(abalance) FROM pgbench_accounts' | Should -Be $before
            Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname = 'bench'" | Should -Be '1'
            # the orphaned scratch database is reported by the next restore, then removed here
            foreach ($d in Invoke-TestPsql $pg postgres "SELECT datname FROM pg_database WHERE datname LIKE 'bench_backupps_%'") {
                Invoke-TestPsql $pg postgres "DROP DATABASE `"$d`" WITH (FORCE)" | Out-Null
            }
        }

        It 'a wrong password is PostgresAuthenticationFailed, without the password in the message, and writes nothing' {
            $d = Join-Path $work 'wrongpw'
            $url = "postgres://app:Wr0ngPassw0rd@127.0.0.1:$($pg.Port)/chinook"
            $err = Get-ThrownError { New-DbBackup -Database $url -Destination $d -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresAuthenticationFailed,BackupPS.Cmdlets.NewDbBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            "$err $($err.TargetObject)" | Should -Not -Match 'Wr0ngPassw0rd'
            @(Get-ChildItem $d -Force -ErrorAction Ignore | Where-Object Name -ne 'audit.jsonl').Count | Should -Be 0
            (Get-Content -Raw (Join-Path $d 'audit.jsonl')) | Should -Not -Match 'Wr0ngPassw0rd' -Because 'the failure is audited without the password'
        }

        It 'an unreachable server is PostgresUnreachable' {
            $port = Get-FreePort
            $err = Get-ThrownError { New-DbBackup -Database "postgres://app:x@127.0.0.1:$port/chinook" -Destination (Join-Path $work 'unreach') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresUnreachable,BackupPS.Cmdlets.NewDbBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        }

        It 'a missing database is DatabaseNotFound' {
            $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('nosuchdb') -Destination (Join-Path $work 'nodb') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'DatabaseNotFound,BackupPS.Cmdlets.NewDbBackupCommand'
        }

        It 'a missing pg_dump is PgDumpNotFound' {
            $empty = Join-Path $work 'emptybin'; New-Item -ItemType Directory $empty -Force | Out-Null
            $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('chinook') -Destination (Join-Path $work 'nobin') -PgBinPath $empty -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PgDumpNotFound,BackupPS.Cmdlets.NewDbBackupCommand'
            @(Get-ChildItem (Join-Path $work 'nobin') -Force -ErrorAction Ignore | Where-Object Name -ne 'audit.jsonl').Count | Should -Be 0
        }

        It 'a pg_dump older than the server is PgDumpTooOld naming both versions' {
            $fake = Join-Path $work 'oldbin'; New-Item -ItemType Directory $fake -Force | Out-Null
            Set-Content (Join-Path $fake 'pg_dump') "#!/bin/sh`necho 'pg_dump (PostgreSQL) 12.3'`n"
            & chmod 755 (Join-Path $fake 'pg_dump')
            $err = Get-ThrownError { New-DbBackup -Database $pg.AppUrl('chinook') -Destination (Join-Path $work 'old') -PgBinPath $fake -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PgDumpTooOld,BackupPS.Cmdlets.NewDbBackupCommand'
            "$err" | Should -Match '12\.3'
            "$err" | Should -Match '15\.'
            "$err" | Should -Match 'postgresql-client-15'
        }

        It 'insufficient privileges are PostgresPermissionDenied' {
            Invoke-TestPsql $pg postgres "CREATE ROLE weak LOGIN PASSWORD 'weakpw'" | Out-Null
            Invoke-TestPsql $pg chinook 'REVOKE ALL ON TABLE invoice FROM PUBLIC' -User app | Out-Null
            $err = Get-ThrownError { New-DbBackup -Database "postgres://weak:weakpw@127.0.0.1:$($pg.Port)/chinook" -Destination (Join-Path $work 'weak') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PostgresPermissionDenied,BackupPS.Cmdlets.NewDbBackupCommand'
            @(Get-ChildItem (Join-Path $work 'weak') -Force -ErrorAction Ignore | Where-Object Name -ne 'audit.jsonl').Count | Should -Be 0
        }
    }

    Context 'The password stays secret' {
        It 'is never in the command line of pg_dump, nor in output, sidecar, archive or destination files' {
            $d = Join-Path $work 'secret'
            $script = Join-Path $work 'secret.ps1'
            Set-Content $script "Import-Module '$(Get-BackupPSModulePath)/BackupPS.psd1'; New-DbBackup -Database '$($pg.AppUrl('bench'))' -Destination '$d' -Verbose *>&1 | Out-String -Width 400"
            $p = Start-PwshChild -ScriptPath $script -LogPrefix (Join-Path $work 'secret')
            $seen = [System.Collections.Generic.List[string]]::new()
            while (-not $p.HasExited) {
                foreach ($proc in Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -match '^\d+$') {
                    try { $cmd = [IO.File]::ReadAllText("$($proc.FullName)/cmdline") } catch { continue }
                    if ($cmd -match 'pg_dump') { $seen.Add($cmd.Replace("`0", ' ')) }
                }
                Start-Sleep -Milliseconds 20
            }
            $p.ExitCode | Should -Be 0
            $seen.Count | Should -BeGreaterThan 0 -Because 'pg_dump was sampled while it ran'
            $secret = $pg.AppPassword
            foreach ($c in $seen) { $c.Contains($secret) | Should -BeFalse }
            (Get-Content -Raw (Join-Path $work 'secret.out')).Contains($secret) | Should -BeFalse
            (Get-Content -Raw (Join-Path $work 'secret.err') -ErrorAction Ignore) + '' | Should -Not -Match ([regex]::Escape($secret))
            foreach ($f in Get-ChildItem $d -Force -File) {
                $bytes = if ($f.Name.EndsWith('.zst')) { & zstd -dc $f.FullName | Out-String } else { Get-Content -Raw $f.FullName }
                $bytes.Contains($secret) | Should -BeFalse -Because $f.Name
                $bytes.Contains([uri]::EscapeDataString($secret)) | Should -BeFalse -Because $f.Name
            }
        }
    }
}
