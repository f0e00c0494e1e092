# Register-/Get-/Unregister-DbBackupSchedule with the real scheduler tools: root's (or the user's) real crontab
# (saved before and restored after), the entry's exact command line run with sh in a cron-like empty environment
# (a real pwsh that makes a real backup), and the systemd units checked by systemd-analyze verify. The schedule
# folder is redirected into the workspace with XDG_CONFIG_HOME, in a path with a space.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'schedule'
    $script:savedXdg = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $ws 'config dir'
    $script:scheduleFolder = Join-Path $env:XDG_CONFIG_HOME 'backupps/schedules'
    $script:db = Copy-Chinook (Join-Path $ws 'app.db')
    $script:dest = Join-Path $ws "back ups"
    $script:hasCrontab = [bool](Get-Command crontab -CommandType Application -ErrorAction Ignore)

    # The user's crontab before the tests, or $null when there is none; restored in AfterAll.
    $script:savedCrontab = $null
    if ($hasCrontab) {
        $saved = Join-Path $ws 'crontab.saved'
        & sh -c 'crontab -l > "$1" 2>/dev/null' sh $saved
        if ($LASTEXITCODE -eq 0) { $script:savedCrontab = [IO.File]::ReadAllText($saved) }
    }
    # Foreign lines the schedules must leave exactly as they are (never run: no cron daemon needed, and */5 of
    # /bin/true is harmless if one runs).
    $script:foreign = "# a comment of the user's`nMAILTO=`"`"`n*/5 * * * * /bin/true   --spaces  kept # trailing`n`n@reboot /bin/true`n"

    # Byte-exact: through files, as piping a string to a native command would add a newline.
    function Set-Crontab([string] $Text) {
        if ($Text) {
            $file = Join-Path $ws 'crontab.in'
            [IO.File]::WriteAllText($file, $Text)
            & crontab $file; if ($LASTEXITCODE -ne 0) { throw 'crontab <file> failed' }
        }
        else { & crontab -r 2>$null; $global:LASTEXITCODE = 0 }
    }
    function Get-Crontab {
        $file = Join-Path $ws 'crontab.out'
        & sh -c 'crontab -l > "$1" 2>/dev/null' sh $file
        if ($LASTEXITCODE -ne 0) { return '' }
        [IO.File]::ReadAllText($file)
    }
    # The shell command part of a crontab entry: everything after the five time fields.
    function Get-EntryCommand([string] $Entry) {
        ($Entry -split ' ', 6)[5]
    }
    # Runs a command line the way cron does: /bin/sh -c, with an almost empty environment. Returns the exit code.
    # The job imports BackupPS by name, so PSModulePath names the folder holding the module under test (as an
    # installed module's folder would be found), unless -NotInstalled.
    function Invoke-LikeCron([string] $Command, [switch] $NotInstalled) {
        $modules = if ($NotInstalled) { "PSModulePath=$(Join-Path $ws 'no modules here')" } else { "PSModulePath=$(Split-Path -Parent (Get-Module BackupPS).ModuleBase)" }
        & env -i "HOME=$HOME" 'PATH=/usr/bin:/bin' 'SHELL=/bin/sh' "LOGNAME=$([Environment]::UserName)" $modules sh -c $Command *> (Join-Path $ws 'cron-output.txt')
        $LASTEXITCODE
    }
    # This PowerShell as a command (pwsh, or dotnet + pwsh.dll for the .NET tool) to start child sessions.
    function Get-PwshCommand {
        $process = [Environment]::ProcessPath
        if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
            @($process, (Join-Path ([IO.Path]::GetDirectoryName([psobject].Assembly.Location)) 'pwsh.dll'))
        }
        else { @($process) }
    }
    # Runs a command in a new pwsh with the module under test and the test's schedule folder; returns its output lines.
    function Invoke-ChildPwsh([string] $Command) {
        $pwsh = @(Get-PwshCommand)
        $module = Join-Path (Get-Module BackupPS).ModuleBase BackupPS.psd1
        $full = "`$ErrorActionPreference = 'Stop'; Import-Module '$module'; $Command"
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $full 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | ForEach-Object { "$_" }) -join "`n" }
    }
}

AfterAll {
    if ($hasCrontab) { Set-Crontab $savedCrontab }
    $env:XDG_CONFIG_HOME = $savedXdg
    Remove-TestWorkspace $ws
}

Describe 'Schedules in cron' {
    BeforeAll {
        if ($hasCrontab) { Set-Crontab $foreign }
    }

    It 'has crontab installed (apt package cron; .ci/run installs it)' {
        $hasCrontab | Should -BeTrue
    }

    It 'installs a marked entry after the user''s own lines, and a private job script' {
        $command = "New-DbBackup -Database '$db' -Destination '$dest' | Test-DbBackup | ForEach-Object { if (-not `$_.Passed) { throw `$_.FailureReason } ; `$_ }"
        $script:nightly = Register-DbBackupSchedule -Name nightly -At 02:30 -DaysOfWeek Friday, Monday -Scheduler Cron -Command $command -WarningAction SilentlyContinue
        $nightly.Name | Should -Be 'nightly'
        $nightly.Scheduler | Should -Be 'Cron'
        $nightly.Enabled | Should -BeTrue
        $nightly.At | Should -Be ([timespan]'02:30')
        $nightly.DaysOfWeek | Should -Be @([DayOfWeek]::Monday, [DayOfWeek]::Friday)
        $nightly.ScriptPath | Should -Be (Join-Path $scheduleFolder 'nightly.ps1')
        $nightly.LogPath | Should -Be (Join-Path $dest 'backupps-nightly.log')   # next to the backups
        $nightly.NextRun.DayOfWeek | Should -BeIn @('Monday', 'Friday')
        $nightly.NextRun.TimeOfDay | Should -Be ([timespan]'02:30')

        $crontab = Get-Crontab
        $crontab.StartsWith($foreign) | Should -BeTrue -Because 'the user''s lines stay first and unchanged'
        $block = ($crontab.Substring($foreign.Length) -split "`n")
        $block[0] | Should -Match '^# BackupPS schedule nightly( |$)'
        $block[1] | Should -Match '^30 2 \* \* 1,5 '
        $block[1] | Should -Match ([regex]::Escape("-NoProfile -NonInteractive -ExecutionPolicy Bypass -File '$($nightly.ScriptPath)'") + '$')
        $block.Count | Should -Be 3   # marker, entry, and the final empty string after the last newline
        Get-Mode $nightly.ScriptPath | Should -Be '600'
        Get-Mode $scheduleFolder | Should -Be '700'
        # The installed module by name, pinned to the version that registered it; never the build folder's path.
        $module = Get-Module BackupPS
        $nightly.ModuleVersion | Should -Be $module.Version.ToString()
        $nightly.ModuleRoot | Should -Be $module.ModuleBase
        $nightly.FollowModuleUpdates | Should -BeFalse
        $nightly.ModuleImport | Should -Be "Import-Module -Name BackupPS -RequiredVersion '$($module.Version)' -ErrorAction Stop"
        $job = Get-Content -Raw $nightly.ScriptPath
        $job | Should -Match ([regex]::Escape($nightly.ModuleImport))
        $job | Should -Not -Match ([regex]::Escape($module.ModuleBase))
        $record = Get-Content -Raw (Join-Path $scheduleFolder 'nightly.json') | ConvertFrom-Json
        $record.moduleVersion | Should -Be $module.Version.ToString()
        $record.moduleRoot | Should -Be $module.ModuleBase
        $record.followModuleUpdates | Should -BeFalse
    }

    It 'performs a backup when the entry''s exact command line runs like cron runs it' {
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^30 2 ' }
        $code = Invoke-LikeCron (Get-EntryCommand $entry)
        $code | Should -Be 0 -Because (Get-Content -Raw (Join-Path $ws 'cron-output.txt'))
        $backups = @(Get-DbBackup $dest)
        $backups.Count | Should -Be 1
        $backups[0].Database | Should -Be 'app'
        $backups[0].LastVerificationPassed | Should -BeTrue
        (Test-DbBackup $backups[0]).Passed | Should -BeTrue
        $log = @(Get-Content -LiteralPath $nightly.LogPath)
        $log[0] | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[nightly\] started'
        $log[-1] | Should -Match '\[nightly\] finished: success$'
        ($log -join "`n") | Should -Match ([regex]::Escape("[nightly] imported BackupPS $($nightly.ModuleVersion) from $((Get-Module BackupPS).ModuleBase)"))
        ($log -join "`n") | Should -Match 'app\s+\S+ \S+\s+True'   # the Test-DbBackup result, formatted
        Get-Mode $nightly.LogPath | Should -Be '600'
    }

    It 'fails with ModuleNotInstalled (exit 1, logged FAILED) when the pinned version is not installed; -FollowModuleUpdates imports by -MinimumVersion' {
        $s = Register-DbBackupSchedule -Name pinned -At 03:03 -Scheduler Cron -Command "New-DbBackup -Database '$db' -Destination '$ws/pinned'" -LogPath (Join-Path $ws 'logs/pinned.log') -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^3 3 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) -NotInstalled | Should -Be 1
        $log = Get-Content -Raw -LiteralPath $s.LogPath
        $log | Should -Match "FAILED: The module BackupPS $([regex]::Escape($s.ModuleVersion)) that this schedule imports is not installed.*\[ModuleNotInstalled\]"
        $log | Should -Not -Match 'finished: success'
        Get-Content -Raw (Join-Path $ws 'cron-output.txt') | Should -Match "BackupPS schedule 'pinned': FAILED.*ModuleNotInstalled"
        Test-Path -LiteralPath "$ws/pinned" | Should -BeFalse

        $f = Register-DbBackupSchedule -Name pinned -At 03:03 -Scheduler Cron -Command "New-DbBackup -Database '$db' -Destination '$ws/pinned'" -LogPath (Join-Path $ws 'logs/pinned.log') -FollowModuleUpdates -Force -WarningAction SilentlyContinue
        $f.FollowModuleUpdates | Should -BeTrue
        $f.ModuleImport | Should -Be "Import-Module -Name BackupPS -MinimumVersion '$($f.ModuleVersion)' -ErrorAction Stop"
        (Get-DbBackupSchedule pinned).ModuleImport | Should -Be $f.ModuleImport
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 0 -Because (Get-Content -Raw $f.LogPath)
        @(Get-DbBackup "$ws/pinned").Count | Should -Be 1
        Unregister-DbBackupSchedule pinned -Confirm:$false
    }

    It 'warns at registration when the loaded module is not where Import-Module -Name finds it' {
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = Join-Path $ws 'no modules here'
            $null = Register-DbBackupSchedule -Name warned -At 03:04 -Scheduler Cron -ScriptBlock { 1 } -WarningVariable w -WarningAction SilentlyContinue
            ($w -join ' ') | Should -Match 'not a folder of PSModulePath.*ModuleNotInstalled'
            $env:PSModulePath = Split-Path -Parent (Get-Module BackupPS).ModuleBase
            $null = Register-DbBackupSchedule -Name warned -At 03:04 -Scheduler Cron -ScriptBlock { 1 } -Force -WarningVariable w2 -WarningAction SilentlyContinue
            ($w2 -join ' ') | Should -Not -Match 'PSModulePath'
        }
        finally { $env:PSModulePath = $saved; Unregister-DbBackupSchedule warned -Confirm:$false -ErrorAction Ignore }
    }

    It 'exits non-zero and logs the error when a cmdlet in the script fails' {
        $missing = Join-Path $ws 'missing.db'
        $failing = Register-DbBackupSchedule -Name failing -At 03:00 -Scheduler Cron -Command "New-DbBackup -Database '$missing' -Destination '$dest'" -LogPath (Join-Path $ws 'logs/failing.log') -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^0 3 \* \* \* ' }
        $entry | Should -Not -BeNullOrEmpty
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 1
        Get-Content -Raw (Join-Path $ws 'cron-output.txt') | Should -Match "BackupPS schedule 'failing': FAILED"
        $log = Get-Content -Raw -LiteralPath $failing.LogPath
        $log | Should -Match 'FAILED: .*DatabaseNotFound'
        $log | Should -Not -Match 'finished: success'
        Get-Mode (Join-Path $ws 'logs') | Should -Be '700'
    }

    It 'exits non-zero when the script throws, and when a native command fails' {
        $null = Register-DbBackupSchedule -Name throws -At 03:01 -Scheduler Cron -ScriptBlock { throw 'no space left for the test' } -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^1 3 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 1
        Get-Content -Raw (Join-Path $scheduleFolder 'throws.log') | Should -Match 'FAILED: no space left for the test'

        $null = Register-DbBackupSchedule -Name native -At 03:02 -Scheduler Cron -ScriptBlock { sh -c 'exit 7' } -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^2 3 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 1
    }

    # Issue 11 item 8: a job whose script verifies a damaged backup must not be recorded as a success.
    It 'exits non-zero and logs FAILED when the script emits a result with Passed = $false (a damaged backup), 0 when it is healthy' {
        $verifyDest = Join-Path $ws 'verified backups'
        $null = New-DbBackup -Database $db -Destination $verifyDest
        $s = Register-DbBackupSchedule -Name verify -At 07:10 -Scheduler Cron -Command "Get-DbBackup '$verifyDest' -Latest | Test-DbBackup" -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^10 7 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 0 -Because (Get-Content -Raw $s.LogPath)
        $log = @(Get-Content -LiteralPath $s.LogPath)
        $log[-1] | Should -Match '\[verify\] finished: success$'

        # Flip one byte in the middle of the archive, independently of BackupPS.
        $archive = (Get-DbBackup $verifyDest -Latest).Path
        & python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xFF; open(p,"wb").write(b)' $archive
        $LASTEXITCODE | Should -Be 0
        Remove-Item -LiteralPath $s.LogPath
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Not -Be 0 -Because (Get-Content -Raw $s.LogPath)
        $log = Get-Content -Raw -LiteralPath $s.LogPath
        $log | Should -Match 'FAILED: '
        $log | Should -Not -Match 'finished: success'
        Get-Content -Raw (Join-Path $ws 'cron-output.txt') | Should -Match "BackupPS schedule 'verify': FAILED"
    }

    It 'exits non-zero when the script writes a non-terminating error, even with -ErrorAction Continue' {
        $nowhere = Join-Path $ws 'no such destination'
        $s = Register-DbBackupSchedule -Name nodest -At 07:11 -Scheduler Cron -Command "Get-DbBackup '$nowhere'; 'after the error'" -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^11 7 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Not -Be 0 -Because (Get-Content -Raw $s.LogPath)
        $log = Get-Content -Raw -LiteralPath $s.LogPath
        $log | Should -Match 'FAILED: '
        $log | Should -Not -Match 'finished: success'

        $s = Register-DbBackupSchedule -Name continues -At 07:12 -Scheduler Cron -Command "Get-DbBackup '$nowhere' -ErrorAction Continue; Write-Error 'a written error' -ErrorAction Continue; 'after the errors'" -WarningAction SilentlyContinue
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^12 7 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Not -Be 0 -Because (Get-Content -Raw $s.LogPath)
        $log = Get-Content -Raw -LiteralPath $s.LogPath
        $log | Should -Match 'a written error'
        $log | Should -Match 'after the errors'
        $log | Should -Match 'FAILED: '
        $log | Should -Not -Match 'finished: success'
    }

    It 'loads the 0600 environment file (the secrets pattern) and refuses one others can read' {
        $encDest = Join-Path $ws 'encrypted'
        $s = Register-DbBackupSchedule -Name withenv -At 04:00 -Scheduler Cron -Command "New-DbBackup -Database '$db' -Destination '$encDest'" -WarningAction SilentlyContinue
        $secret = 'env-secret-' + [guid]::NewGuid().ToString('N')
        Set-Content -LiteralPath $s.EnvironmentFile -Value "# the passphrase for New-DbBackup`nBACKUPPS_PASSPHRASE=$secret"
        chmod 644 $s.EnvironmentFile
        $entry = (Get-Crontab) -split "`n" | Where-Object { $_ -match '^0 4 ' }
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 1
        Get-Content -Raw $s.LogPath | Should -Match 'readable by other users'
        @(Get-ChildItem -LiteralPath $encDest -Filter *.json -ErrorAction Ignore).Count | Should -Be 0

        chmod 600 $s.EnvironmentFile
        Invoke-LikeCron (Get-EntryCommand $entry) | Should -Be 0 -Because (Get-Content -Raw $s.LogPath)
        $backup = Get-DbBackup $encDest
        $backup.Encrypted | Should -BeTrue
        $pw = ConvertTo-SecureString $secret -AsPlainText -Force
        (Test-DbBackup $backup -Passphrase $pw).Passed | Should -BeTrue
        # The secret is in the environment file only: not in the crontab, the job script or the record.
        Get-Crontab | Should -Not -Match $secret
        Get-ChildItem -LiteralPath $scheduleFolder -File | Where-Object Name -ne 'withenv.env' |
            ForEach-Object { Get-Content -Raw -LiteralPath $_.FullName | Should -Not -Match $secret -Because $_.Name }
    }

    It 'refuses a script that holds a secret as text, and installs nothing' {
        $before = Get-Crontab
        $e = Get-ThrownError { Register-DbBackupSchedule -Name leaky -At 05:00 -Scheduler Cron -ScriptBlock { New-DbBackup /x.db -Destination /y -Passphrase (ConvertTo-SecureString 'hunter2' -AsPlainText -Force) } }
        $e.FullyQualifiedErrorId | Should -Be 'SecretInSchedule,BackupPS.Cmdlets.RegisterDbBackupScheduleCommand'
        $e = Get-ThrownError { Register-DbBackupSchedule -Name leaky -At 05:00 -Scheduler Cron -Command '$env:BACKUPPS_PASSPHRASE = "hunter2"; New-DbBackup /x.db -Destination /y' }
        $e.FullyQualifiedErrorId | Should -Be 'SecretInSchedule,BackupPS.Cmdlets.RegisterDbBackupScheduleCommand'
        Get-Crontab | Should -Be $before
        Join-Path $scheduleFolder 'leaky.ps1' | Should -Not -Exist
    }

    It 'refuses a bad name, a script that does not parse, and an existing name without -Force' {
        (Get-ThrownError { Register-DbBackupSchedule -Name 'my nightly' -At 02:00 -Scheduler Cron -ScriptBlock { 1 } }).FullyQualifiedErrorId |
            Should -Be 'InvalidScheduleName,BackupPS.Cmdlets.RegisterDbBackupScheduleCommand'
        (Get-ThrownError { Register-DbBackupSchedule -Name broken -At 02:00 -Scheduler Cron -Command 'New-DbBackup (' }).FullyQualifiedErrorId |
            Should -Be 'InvalidScheduleScript,BackupPS.Cmdlets.RegisterDbBackupScheduleCommand'
        $before = Get-Crontab
        (Get-ThrownError { Register-DbBackupSchedule -Name nightly -At 06:00 -Scheduler Cron -ScriptBlock { 1 } }).FullyQualifiedErrorId |
            Should -Be 'ScheduleExists,BackupPS.Cmdlets.RegisterDbBackupScheduleCommand'
        Get-Crontab | Should -Be $before
    }

    It '-Force replaces the entry in place of the old one' {
        $null = Register-DbBackupSchedule -Name throws -At 22:15 -Scheduler Cron -ScriptBlock { 'replaced' } -Force -WarningAction SilentlyContinue
        $crontab = Get-Crontab
        @($crontab -split "`n" | Where-Object { $_ -match '^# BackupPS schedule throws ' }).Count | Should -Be 1
        $crontab | Should -Match "(?m)^15 22 \* \* \* .*throws\.ps1'?$"
        $crontab | Should -Not -Match '(?m)^1 3 '
        Get-Content -Raw (Join-Path $scheduleFolder 'throws.ps1') | Should -Match "(?m)^'replaced'$"
    }

    It '-WhatIf prints the exact entry and job script, and installs nothing' {
        $before = Get-Crontab
        $run = Invoke-ChildPwsh "Register-DbBackupSchedule -Name preview -At 01:05 -DaysOfWeek Sunday -Scheduler Cron -Command 'Get-DbBackup /srv' -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match '# BackupPS schedule preview '
        $run.Output | Should -Match '(?m)^5 1 \* \* 0 .*-File .*preview\.ps1'
        $run.Output | Should -Match "(?m)^Get-DbBackup /srv$"
        Get-Crontab | Should -Be $before
        Join-Path $scheduleFolder 'preview.ps1' | Should -Not -Exist
        Join-Path $scheduleFolder 'preview.json' | Should -Not -Exist
    }

    It 'completes schedule -Name from the registered schedules (TabExpansion2 in a fresh pwsh)' {
        $run = Invoke-ChildPwsh "'N=' + ((TabExpansion2 'Get-DbBackupSchedule n').CompletionMatches.CompletionText -join ','); 'U=' + ((TabExpansion2 'Unregister-DbBackupSchedule -Name thr').CompletionMatches.CompletionText -join ',')"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match '(?m)^N=native,nightly,nodest$'
        $run.Output | Should -Match '(?m)^U=throws$'
    }

    It 'Get-DbBackupSchedule lists by name and wildcard, and reports an entry removed by hand as not enabled' {
        (Get-DbBackupSchedule).Name | Should -Be @('continues', 'failing', 'native', 'nightly', 'nodest', 'throws', 'verify', 'withenv')
        (Get-DbBackupSchedule -Name n*).Name | Should -Be @('native', 'nightly', 'nodest')
        $e = Get-ThrownError { Get-DbBackupSchedule -Name nosuch -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'ScheduleNotFound,BackupPS.Cmdlets.GetDbBackupScheduleCommand'
        $g = Get-DbBackupSchedule nightly
        $g.Enabled | Should -BeTrue
        $g.Command | Should -Match 'pwsh'
        $g.Script | Should -Match 'New-DbBackup'

        # Remove the native block by hand (as crontab -e would): the schedule is still listed, not enabled.
        $text = (Get-Crontab) -split "`n"
        $i = [array]::FindIndex($text, [Predicate[string]] { param($l) $l -match '^# BackupPS schedule native ' })
        Set-Crontab ((@($text[0..($i - 1)]) + @($text[($i + 2)..($text.Count - 1)])) -join "`n")
        $n = Get-DbBackupSchedule native
        $n.Enabled | Should -BeFalse
        $n.NextRun | Should -BeNullOrEmpty
    }

    It 'Unregister-DbBackupSchedule from the pipeline leaves the user''s crontab exactly as it was' {
        Get-DbBackupSchedule | Unregister-DbBackupSchedule -Confirm:$false
        Get-Crontab | Should -Be $foreign
        @(Get-DbBackupSchedule).Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $scheduleFolder -Filter *.ps1).Count | Should -Be 0
        Join-Path $dest 'backupps-nightly.log' | Should -Exist -Because 'logs are the user''s to keep'
        $e = Get-ThrownError { Unregister-DbBackupSchedule -Name nightly -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'ScheduleNotFound,BackupPS.Cmdlets.UnregisterDbBackupScheduleCommand'
    }

    It 'Unregister-DbBackupSchedule -WhatIf removes nothing' {
        $null = Register-DbBackupSchedule -Name keep -At 07:00 -Scheduler Cron -ScriptBlock { 1 } -WarningAction SilentlyContinue
        $before = Get-Crontab
        Unregister-DbBackupSchedule keep -WhatIf
        Get-Crontab | Should -Be $before
        (Get-DbBackupSchedule keep).Enabled | Should -BeTrue
        Unregister-DbBackupSchedule keep -Confirm:$false
        Get-Crontab | Should -Be $foreign
    }
}

Describe 'Schedules as systemd units' {
    It 'writes a timer and a service that systemd-analyze verify accepts' -Skip:(-not (Test-Path /usr/bin/systemd-analyze)) {
        $run = Invoke-ChildPwsh "Register-DbBackupSchedule -Name unit-check -At 04:45 -DaysOfWeek Saturday, Tuesday -Scheduler Systemd -Command 'Get-DbBackup ''$dest''' -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        # The -WhatIf text: '--- <path> ---' then the file's text, for each file, then '--- end ---'.
        $units = Join-Path $ws 'units'
        New-Item -ItemType Directory $units | Out-Null
        $sections = [regex]::Matches($run.Output, '(?ms)^--- (?<path>\S+\.(service|timer)) ---\n(?<text>.*?)(?=^--- )')
        $sections.Count | Should -Be 2
        foreach ($section in $sections) {
            Split-Path -Leaf $section.Groups['path'].Value | Should -BeIn @('backupps-unit-check.service', 'backupps-unit-check.timer')
            Set-Content -LiteralPath (Join-Path $units (Split-Path -Leaf $section.Groups['path'].Value)) -Value $section.Groups['text'].Value -NoNewline
        }
        $timer = Get-Content -Raw (Join-Path $units 'backupps-unit-check.timer')
        $timer | Should -Match '(?m)^OnCalendar=Tue,Sat \*-\*-\* 04:45:00$'
        $service = Get-Content -Raw (Join-Path $units 'backupps-unit-check.service')
        $service | Should -Match '(?m)^ExecStart=/\S+ .*-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "[^"]*config dir/backupps/schedules/unit-check\.ps1"$'
        $output = & /usr/bin/systemd-analyze verify (Join-Path $units 'backupps-unit-check.service') (Join-Path $units 'backupps-unit-check.timer') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        Join-Path $scheduleFolder 'unit-check.ps1' | Should -Not -Exist
    }
}
