# Help source for Register-DbBackupSchedule (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Runs a BackupPS script at a set time every day or on chosen weekdays, with the platform''s own scheduler (systemd timer, cron or Windows Task Scheduler).'

    Description  = @'
Register-DbBackupSchedule saves your script as a job and installs it in the platform's own scheduler, so backups run without an open PowerShell session:

- systemd: where systemd runs as PID 1 (/run/systemd/system exists), a timer and a oneshot service, backupps-<Name>.timer and backupps-<Name>.service. As root they go to /etc/systemd/system; for other users they are user units in ~/.config/systemd/user (these run while the user has a session, or always after 'loginctl enable-linger <user>'). The timer is enabled and started (systemctl daemon-reload, enable --now) and is Persistent: a run missed while the machine was off happens at the next boot.
- cron: on Linux and macOS without systemd, an entry in your crontab, preceded by the marker line '# BackupPS schedule <Name> ...'. The other lines of your crontab are kept exactly as they are. A cron daemon must be running for the entry to fire; Register-DbBackupSchedule warns when none is.
- Task Scheduler: on Windows, the task \BackupPS\<Name>, created with schtasks /Create /XML. It runs as you, whether you are logged on or not, without a stored password (so it cannot reach network shares). This backend is not exercised by the module's test suite, which runs on Linux.

The job is a PowerShell file the schedule owns, <schedule folder>/<Name>.ps1 (mode 0600, in a 0700 folder; the schedule folder is $XDG_CONFIG_HOME/backupps/schedules, by default ~/.config/backupps/schedules, or %APPDATA%\BackupPS\schedules on Windows). The scheduler runs it as '<pwsh> -NoProfile -NonInteractive -ExecutionPolicy Bypass -File <Name>.ps1', using the PowerShell you registered it from (when that PowerShell is the .NET tool, 'dotnet pwsh', the command is the dotnet host with pwsh.dll) or -PwshPath. The job:

1. loads <schedule folder>/<Name>.env when it exists (NAME=value lines; it refuses a file other users can read),
2. imports the installed module by name, pinned to the version you registered from: 'Import-Module -Name BackupPS -RequiredVersion <version>' (with -FollowModuleUpdates, -MinimumVersion <version>, so Update-PSResource BackupPS keeps the job working); when no such version is on the job's PSModulePath, the run fails with the error ModuleNotInstalled (logged as FAILED, exit 1). Install the module with Install-PSResource BackupPS first; a module used from a build folder is found only when the environment file sets PSModulePath=<folder holding BackupPS>, and Register-DbBackupSchedule warns when the module it runs from is not on PSModulePath,
3. runs your script with $ErrorActionPreference = 'Stop', so any error ends the run,
4. writes timestamped lines to the log: start, your script's output, warnings and verbose messages, and the result,
5. exits with 0 on success and 1 on any error, so the scheduler (systemctl status, the cron mail, the task's last result) shows failures.

The log goes to -LogPath when given. Otherwise it goes next to the backups: when the script calls New-DbBackup with a literal, absolute -Destination, the log is <Destination>/backupps-<Name>.log; else <schedule folder>/<Name>.log.

Secrets are never written into the schedule. The scheduler entry holds only paths, and Register-DbBackupSchedule refuses a script that holds a secret as text (a literal after -Passphrase, -CertificatePassword or -Password, ConvertTo-SecureString -AsPlainText with a literal, or a literal assigned to an $env: variable named like a password, token or key), with the error SecretInSchedule. Have the job read secrets when it runs instead:

- -PassphraseFile <file>: a file only you can read (chmod 600), or
- the environment file <schedule folder>/<Name>.env (chmod 600), for example with the line BACKUPPS_PASSPHRASE=..., which New-DbBackup and Test-DbBackup read; PostgreSQL passwords can go there as PGPASSWORD=... or in a ~/.pgpass file.

Times are the machine's local time; the schedule runs at whole minutes. -WhatIf shows every file and crontab entry that would be written, with its exact text, and installs nothing.
'@

    Parameters   = @{
        Name       = @'
The schedule's name: 1 to 64 ASCII letters, digits, '-' or '_' (error InvalidScheduleName otherwise). It names the job script, the systemd units (backupps-<Name>), the crontab marker or the task.
'@
        At         = @'
The time of day the job runs, in the machine's local time, such as 02:00 or 23:30. Seconds are ignored; a DateTime such as (Get-Date '2:30 AM') works too (only its time is used).
'@
        DaysOfWeek = @'
The days of the week the job runs on, such as Monday, Friday. Without it (or with all seven days) the job runs every day.
'@
        ScriptBlock = @'
The PowerShell commands the job runs, typically New-DbBackup ... | Test-DbBackup followed by Remove-DbBackup to prune old backups. The script block's text is saved; it runs in a new PowerShell process, so variables of the current session are not available in it: write paths literally, or read them from the environment file. A script that holds a secret as text is refused (SecretInSchedule).
'@
        Command    = @'
The commands the job runs, as a string, instead of -ScriptBlock. The text must parse as PowerShell (error InvalidScheduleScript otherwise).
'@
        LogPath    = @'
The log file the job appends to (created with mode 0600, its folder with 0700 when missing). Defaults to <Destination>/backupps-<Name>.log when the script's New-DbBackup has a literal absolute -Destination, else <schedule folder>/<Name>.log.
'@
        Scheduler  = @{
            Description  = @'
Which scheduler to use: Auto (systemd when it runs as PID 1, else cron on Linux and macOS, Task Scheduler on Windows), Systemd, Cron or TaskScheduler.
'@
            DefaultValue = 'Auto'
        }
        PwshPath   = @'
The PowerShell the job runs: the path of a pwsh executable, or of pwsh.dll (then it runs with the dotnet host). Defaults to the PowerShell running this command (when it runs as the .NET tool 'dotnet pwsh', the dotnet host with that tool's pwsh.dll).
'@
        FollowModuleUpdates = @'
The job imports this version of BackupPS or any later installed one (Import-Module -MinimumVersion) instead of exactly this version (-RequiredVersion), so updating the module with Update-PSResource does not break the schedule. Without it, a schedule keeps using the version that registered it and fails with ModuleNotInstalled once that version is uninstalled.
'@
        Force      = @'
Replaces a schedule of the same name (its job script, its scheduler entry; a schedule moved to another scheduler is removed from the old one). Without -Force, an existing name is refused with the error ScheduleExists.
'@
        WhatIf     = @'
Shows every file and crontab entry that would be written, with its exact text (the systemd units, the crontab block, the task XML, and the job script), and installs nothing.
'@
    }

    Inputs       = @(
        @{ Type = 'None'; Description = 'Register-DbBackupSchedule takes no pipeline input.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackupSchedule'; Description = 'The registered schedule: Name, Scheduler, At, DaysOfWeek, Script, Command (what the scheduler runs), ScriptPath, LogPath, EnvironmentFile, ModuleVersion, FollowModuleUpdates, ModuleRoot (the folder the module was loaded from when registering), ModuleImport (the Import-Module line of the job), Entry (where the scheduler keeps it), NextRun, Enabled, Registered.' }
    )

    Notes        = @'
Error ids: InvalidScheduleName, InvalidScheduleScript, EmptyScheduleScript, SecretInSchedule, ScheduleExists, InvalidLogPath, PwshNotFound, UnschedulablePath (a path with a line break, or with '%' for cron), all terminating; SchedulerNotAvailable (crontab, systemctl or schtasks cannot be started) and SchedulerCommandFailed (the scheduler's tool refused; its message is included).

Errors of a run, in its log: ModuleNotInstalled (the version the schedule imports is not installed: install it, or register again, with -FollowModuleUpdates to accept later versions), then the errors of your script. The schedule record (<schedule folder>/<Name>.json) keeps moduleVersion, moduleRoot and followModuleUpdates. To see what the job did, read its log (LogPath); with systemd also 'journalctl -u backupps-<Name>' (add --user for user units).

A run that overlaps the next one is not prevented by cron; keep jobs shorter than their interval, or use systemd (a oneshot service does not start twice).
'@

    Examples     = @(
        @{
            Title   = 'Nightly backup, verification and pruning'
            Code    = @'
Register-DbBackupSchedule -Name nightly -At 02:00 -ScriptBlock {
    New-DbBackup /srv/myapp/app.db -Destination /srv/backups/myapp | Test-DbBackup | Where-Object { -not $_.Passed } |
        ForEach-Object { throw "Backup $($_.Path) failed verification: $($_.FailureReason)" }
    Get-DbBackup /srv/backups/myapp -Type Database | Select-Object -Skip 14 | Remove-DbBackup -Force
}
'@
            Remarks = @'
Every night at 02:00 local time: backs up the database, verifies the new backup (a failed verification ends the job with exit code 1), and keeps the 14 newest backups. The log goes to /srv/backups/myapp/backupps-nightly.log, next to the backups.
'@
        }
        @{
            Title   = 'Weekday backups of an encrypted database, passphrase from a 0600 file'
            Code    = @'
Set-Content ~/.config/backupps/app.pass -Value 'correct horse battery staple'; chmod 600 ~/.config/backupps/app.pass
Register-DbBackupSchedule -Name weekdays -At 21:30 -DaysOfWeek Monday, Tuesday, Wednesday, Thursday, Friday -ScriptBlock {
    New-DbBackup /srv/myapp/app.db -Destination /srv/backups/myapp -PassphraseFile /root/.config/backupps/app.pass
}
'@
            Remarks = @'
The schedule holds only the path of the passphrase file, never the passphrase. Alternatively write BACKUPPS_PASSPHRASE=... into the schedule's environment file (the EnvironmentFile property, chmod 600), which the job loads before the script runs.
'@
        }
        @{
            Title   = 'Preview what would be installed'
            Code    = @'
Register-DbBackupSchedule -Name hourly-files -At 00:15 -Command 'New-DbBackup -IncludePath /srv/myapp/uploads -Destination /srv/backups/files' -Scheduler Cron -WhatIf
'@
            Remarks = @'
Prints the crontab block ('# BackupPS schedule hourly-files ...' and the entry '15 0 * * * ...') and the job script that would be written, and changes nothing.
'@
        }
    )

    RelatedLinks = @(
        'Get-DbBackupSchedule'
        'Unregister-DbBackupSchedule'
        'New-DbBackup'
        'Remove-DbBackup'
        'Get-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'about_BackupPS'
    )
}
