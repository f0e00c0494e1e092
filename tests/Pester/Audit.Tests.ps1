# The audit log through the built module: New/Test/Restore/Remove each append exactly one line to audit.jsonl with the
# right fields, failures too (with the error), no password ever reaches the file, Get-DbBackupAuditLog reads it back
# with its filters, a torn last line is skipped with a warning, and writers in several processes never mix lines.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    . $PSScriptRoot/CoreTestHelpers.ps1
    . $PSScriptRoot/RobustHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'audit'
    $script:db = New-SmallDatabase (Join-Path $ws 'app.db') -Rows 5

    function Read-AuditLines([string] $Folder) {
        $path = Join-Path $Folder 'audit.jsonl'
        if (-not (Test-Path -LiteralPath $path)) { return @() }
        @(Get-Content -LiteralPath $path | ForEach-Object { $_ | ConvertFrom-Json -DateKind String })
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'audit.jsonl' {
    It 'New, Test, Restore and Remove each add exactly one line with the right fields' {
        $dest = Join-Path $ws 'cycle'
        $b = New-DbBackup $db $dest
        $lines = Read-AuditLines $dest
        $lines.Count | Should -Be 1
        $new = $lines[0]
        $new.operation | Should -Be 'New'
        $new.result | Should -Be 'Succeeded'
        $new.backupId | Should -Be $b.Id.ToString()
        $new.database | Should -Be 'app'
        $new.type | Should -Be 'Database'
        $new.path | Should -Be $b.Path
        $new.destination | Should -Be $dest
        $new.bytes | Should -Be $b.SizeBytes
        $new.host | Should -Be ([Environment]::MachineName)
        $new.user | Should -Be ([Environment]::UserName)
        $new.durationMs | Should -BeGreaterOrEqual 0
        $new.time | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$'
        $new.PSObject.Properties.Name | Should -Not -Contain 'error'

        $b | Test-DbBackup | Out-Null
        $lines = Read-AuditLines $dest
        $lines.Count | Should -Be 2
        $lines[1].operation | Should -Be 'Test'
        $lines[1].result | Should -Be 'Succeeded'
        $lines[1].backupId | Should -Be $b.Id.ToString()

        $target = Join-Path $ws 'cycle-restored.db'
        $b | Restore-DbBackup -Target $target -Force | Out-Null
        $lines = Read-AuditLines $dest
        @($lines | Where-Object operation -eq 'Restore').Count | Should -Be 1
        $restore = $lines[-1]
        $restore.operation | Should -Be 'Restore'
        $restore.result | Should -Be 'Succeeded'
        $restore.target | Should -Be $target
        $restore.backupId | Should -Be $b.Id.ToString()
        $restore.bytes | Should -BeGreaterThan 0
        $lines.Count | Should -Be 3 -Because 'the target did not exist, so no safety backup was taken'

        $b | Remove-DbBackup -Force
        $lines = Read-AuditLines $dest
        $lines.Count | Should -Be 4
        $lines[3].operation | Should -Be 'Remove'
        $lines[3].result | Should -Be 'Succeeded'
        $lines[3].backupId | Should -Be $b.Id.ToString()
    }

    It 'a restore over an existing database logs its PreRestore safety backup as its own New line' {
        $dest = Join-Path $ws 'safety'
        $b = New-DbBackup $db $dest
        $target = Join-Path $ws 'safety-target.db'
        Copy-Item $db $target
        $r = $b | Restore-DbBackup -Target $target -Force
        $lines = Read-AuditLines $dest
        ($lines.operation -join ',') | Should -Be 'New,New,Restore'
        $lines[1].type | Should -Be 'PreRestore'
        $lines[1].backupId | Should -Be $r.SafetyBackup.Id.ToString()
    }

    It 'a refused restore of a backup damaged in its first bytes (the manifest) adds a Failed BackupVerificationFailed line' {
        $dest = Join-Path $ws 'corrupt-head'
        $b = New-DbBackup $db $dest
        $bytes = [IO.File]::ReadAllBytes($b.Path)
        $bytes[60] = $bytes[60] -bxor 0xFF
        [IO.File]::WriteAllBytes($b.Path, $bytes)
        $err = Get-ThrownError { $b | Restore-DbBackup -Target (Join-Path $ws 'corrupt-head.db') -Force -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupVerificationFailed,*'
        $lines = Read-AuditLines $dest
        ($lines.operation -join ',') | Should -Be 'New,Restore'
        $lines[1].result | Should -Be 'Failed'
        $lines[1].errorId | Should -Be 'BackupVerificationFailed'
        Test-Path -LiteralPath (Join-Path $ws 'corrupt-head.db') | Should -BeFalse
    }

    It 'a refused restore of a corrupt backup adds a Failed line with the error' {
        $dest = Join-Path $ws 'corrupt'
        $b = New-DbBackup $db $dest
        $bytes = [IO.File]::ReadAllBytes($b.Path)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [IO.File]::WriteAllBytes($b.Path, $bytes)
        $err = Get-ThrownError { $b | Restore-DbBackup -Target (Join-Path $ws 'corrupt.db') -Force -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupVerificationFailed,*'
        $lines = Read-AuditLines $dest
        $lines.Count | Should -Be 2
        $lines[1].operation | Should -Be 'Restore'
        $lines[1].result | Should -Be 'Failed'
        $lines[1].errorId | Should -Be 'BackupVerificationFailed'
        $lines[1].error | Should -Be $err.Exception.Message

        $t = $b | Test-DbBackup
        $t.Passed | Should -BeFalse
        $lines = Read-AuditLines $dest
        $lines[2].operation | Should -Be 'Test'
        $lines[2].result | Should -Be 'Failed'
        $lines[2].error | Should -Be $t.FailureReason
    }

    It 'a failed backup into an existing folder adds a Failed line; a missing folder is not created for it' {
        $dest = Join-Path $ws 'failed'
        New-Item -ItemType Directory $dest | Out-Null
        New-DbBackup (Join-Path $ws 'nope.db') $dest -ErrorAction SilentlyContinue
        $lines = Read-AuditLines $dest
        $lines.Count | Should -Be 1
        $lines[0].result | Should -Be 'Failed'
        $lines[0].errorId | Should -Be 'DatabaseNotFound'
        $lines[0].database | Should -Be 'nope'

        $missing = Join-Path $ws 'never-created'
        New-DbBackup (Join-Path $ws 'nope.db') $missing -ErrorAction SilentlyContinue
        $missing | Should -Not -Exist
    }

    It 'a PostgreSQL password in the URL never reaches audit.jsonl (server unreachable)' {
        $dest = Join-Path $ws 'pgfail'
        New-Item -ItemType Directory $dest | Out-Null
        $port = Get-FreePort
        New-DbBackup "postgres://app:Zx9-Secret-Pw@127.0.0.1:$port/assets" $dest -ErrorAction SilentlyContinue
        New-DbBackup "Host=127.0.0.1;Port=$port;Username=app;Password=Zx9-Secret-Pw;Database=assets" $dest -ErrorAction SilentlyContinue
        $text = Get-Content -Raw (Join-Path $dest 'audit.jsonl')
        $text | Should -Not -Match 'Zx9-Secret-Pw'
        $lines = Read-AuditLines $dest
        $lines.Count | Should -Be 2
        $lines.result | Should -Be @('Failed', 'Failed')
        $lines.database | Should -Be @('assets', 'assets')
    }

    It 'a retention run logs one Retention decision per backup and a Remove line per removal; -WhatIf logs nothing' {
        $dir = Join-Path $ws 'retention'
        $made = 1..3 | ForEach-Object { New-DbBackup $db $dir; Start-Sleep -Milliseconds 20 }
        $newest = $made | Sort-Object CreatedUtc | Select-Object -Last 1
        $before = @(Get-DbBackupAuditLog $dir).Count
        Remove-DbBackup -Destination $dir -KeepLast 1 -WhatIf | Out-Null
        @(Get-DbBackupAuditLog $dir).Count | Should -Be $before -Because '-WhatIf decides nothing for real'

        Remove-DbBackup -Destination $dir -KeepLast 1 -Force | Out-Null
        $decisions = @(Get-DbBackupAuditLog $dir -Operation Retention)
        $decisions.Count | Should -Be 3
        @($decisions | Where-Object Result -eq 'Kept').BackupId | Should -Be $newest.Id
        @($decisions | Where-Object Result -eq 'Removed').Count | Should -Be 2
        $removes = @(Get-DbBackupAuditLog $dir -Operation Remove)
        $removes.Count | Should -Be 2
        @($removes | Where-Object Result -eq 'Succeeded').Count | Should -Be 2
        ($removes.BackupId | Sort-Object) | Should -Be (@($decisions | Where-Object Result -eq 'Removed').BackupId | Sort-Object)
    }

    It 'the log file is private (0600)' {
        Get-Mode (Join-Path $ws 'cycle/audit.jsonl') | Should -Be '600'
    }

    It 'writers in several processes never mix their lines' {
        $dest = Join-Path $ws 'procs'
        $b = New-DbBackup $db $dest
        $script = Join-Path $ws 'tester.ps1'
        Set-Content $script @"
Import-Module '$(Join-Path (Get-BackupPSModulePath) 'BackupPS.psd1')'
1..4 | ForEach-Object { Test-DbBackup -Path '$($b.Path)' -Quick | Out-Null }
"@
        $procs = 1..3 | ForEach-Object { Start-PwshChild -ScriptPath $script -LogPrefix (Join-Path $ws "proc$_") }
        $procs | ForEach-Object { Wait-ChildProcess $_ -TimeoutSec 300; $_.ExitCode | Should -Be 0 }
        $raw = Get-Content (Join-Path $dest 'audit.jsonl')
        $raw.Count | Should -Be 13
        foreach ($line in $raw) { { $line | ConvertFrom-Json } | Should -Not -Throw }
        @($raw | ConvertFrom-Json | Where-Object operation -eq 'Test').Count | Should -Be 12
    }
}

Describe 'Get-DbBackupAuditLog' {
    BeforeAll {
        $script:logDir = Join-Path $ws 'query'
        $script:b1 = New-DbBackup $db $logDir
        $script:other = New-SmallDatabase (Join-Path $ws 'other.db') -Rows 2
        $script:b2 = New-DbBackup $other $logDir
        $b1 | Test-DbBackup | Out-Null
        New-DbBackup (Join-Path $ws 'missing.db') $logDir -ErrorAction SilentlyContinue
    }

    It 'returns DbBackupAuditEntry objects, oldest first' {
        $all = @(Get-DbBackupAuditLog $logDir)
        $all.Count | Should -Be 4
        $all[0] | Should -BeOfType 'BackupPS.DbBackupAuditEntry'
        $all.Operation | Should -Be @('New', 'New', 'Test', 'New')
        $all.Result | Should -Be @('Succeeded', 'Succeeded', 'Succeeded', 'Failed')
        $all[0].BackupId | Should -Be $b1.Id
        $all[0].Time.Kind | Should -Be 'Local'
        $all[0].TimeUtc.Offset | Should -Be ([TimeSpan]::Zero)
        $all[0].Duration | Should -BeOfType [TimeSpan]
        $all[3].ErrorId | Should -Be 'DatabaseNotFound'
        $all[3].Error | Should -Not -BeNullOrEmpty
    }

    It 'filters by -Operation, -Result, -DatabaseName, -Id, -After/-Before and -Last' {
        @(Get-DbBackupAuditLog $logDir -Operation Test).Count | Should -Be 1
        @(Get-DbBackupAuditLog $logDir -Operation new).Count | Should -Be 3
        (Get-DbBackupAuditLog $logDir -Result Failed).Database | Should -Be 'missing'
        @(Get-DbBackupAuditLog $logDir -DatabaseName 'oth*').BackupId | Should -Be @($b2.Id)
        @(Get-DbBackupAuditLog $logDir -Id $b1.ShortId).Operation | Should -Be @('New', 'Test')
        @(Get-DbBackupAuditLog $logDir -After (Get-Date).AddDays(1)).Count | Should -Be 0
        @(Get-DbBackupAuditLog $logDir -Before (Get-Date).AddDays(1)).Count | Should -Be 4
        $third = (Get-DbBackupAuditLog $logDir)[2]
        # Entries can share a millisecond, so the window is checked against the full list, not a fixed answer.
        $after = $third.Time.AddMilliseconds(-1); $before = $third.Time.AddMilliseconds(1)
        $window = @(Get-DbBackupAuditLog $logDir -After $after -Before $before)
        $window.Operation | Should -Contain 'Test'
        $window | Where-Object { $_.Time -lt $after -or $_.Time -gt $before } | Should -BeNullOrEmpty
        $inside = @(Get-DbBackupAuditLog $logDir | Where-Object { $_.Time -gt $after -and $_.Time -lt $before })
        $window.Count | Should -BeGreaterOrEqual $inside.Count
        (Get-DbBackupAuditLog $logDir -Last 2).Operation | Should -Be @('Test', 'New')
        { Get-DbBackupAuditLog $logDir -Operation Bogus } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'reads the folders of backups piped from Get-DbBackup once' {
        @(Get-DbBackup $logDir | Get-DbBackupAuditLog).Count | Should -Be 4
    }

    It 'skips a torn last line with a warning and reads the rest' {
        $dir = Join-Path $ws 'torn'
        New-DbBackup $db $dir | Out-Null
        Add-Content -LiteralPath (Join-Path $dir 'audit.jsonl') -Value '{"time":"2026-01-01T00:00:00Z","operat' -NoNewline
        $entries = @(Get-DbBackupAuditLog $dir -WarningVariable warnings -WarningAction SilentlyContinue)
        $entries.Count | Should -Be 1
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'line 2'
        New-DbBackup $db $dir | Out-Null
        @(Get-DbBackupAuditLog $dir -WarningAction SilentlyContinue).Count | Should -Be 2
    }

    It 'a folder without a log gives nothing; a missing folder is DestinationNotFound' {
        $empty = Join-Path $ws 'empty'
        New-Item -ItemType Directory $empty | Out-Null
        @(Get-DbBackupAuditLog $empty).Count | Should -Be 0
        $err = Get-ThrownError { Get-DbBackupAuditLog (Join-Path $ws 'no-such') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'DestinationNotFound,BackupPS.Cmdlets.GetDbBackupAuditLogCommand'
    }

    It 'formats as a table with Time, Operation, Database, Result' {
        $text = Get-DbBackupAuditLog $logDir | Format-Table | Out-String -Width 200
        $text | Should -Match 'Operation'
        $text | Should -Match 'Succeeded'
    }
}

Describe 'audit.jsonl with a real PostgreSQL server' -Skip:$noPg {
    BeforeAll {
        . $PSScriptRoot/PostgresTestHelpers.ps1
        $script:pg = Start-TestPgCluster
        Invoke-TestPsql $pg postgres 'CREATE DATABASE audited OWNER app' | Out-Null
        Invoke-TestPsql $pg audited 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);' 'app' | Out-Null
        $script:pgDest = Join-Path $pg.Dir 'backups'
    }
    AfterAll { Stop-TestPgCluster $pg }

    It 'logs backup, restore and a wrong password without ever writing the password' {
        $b = New-DbBackup $pg.AppUrl('audited') $pgDest
        $b | Restore-DbBackup -Target $pg.AppUrl('audited') -Force | Out-Null
        $wrong = $pg.AppUrl('audited').Replace([uri]::EscapeDataString($pg.AppPassword), 'Wr0ng-Pw-77')
        New-DbBackup $wrong $pgDest -ErrorAction SilentlyContinue
        $text = Get-Content -Raw (Join-Path $pgDest 'audit.jsonl')
        foreach ($secret in $pg.AppPassword, [uri]::EscapeDataString($pg.AppPassword), 'Wr0ng-Pw-77', 'S3cr3t') {
            $text.Contains($secret) | Should -BeFalse -Because "'$secret' is a password"
        }
        $entries = @(Get-DbBackupAuditLog $pgDest)
        ($entries | Where-Object Operation -eq 'Restore').Result | Should -Be 'Succeeded'
        $entries[-1].Result | Should -Be 'Failed'
        $entries[-1].Database | Should -Be 'audited'
    }
}
