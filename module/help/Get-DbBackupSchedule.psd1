# Help source for Get-DbBackupSchedule (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Lists the backup schedules registered with Register-DbBackupSchedule, with their next run and whether the scheduler still holds them.'

    Description  = @'
Get-DbBackupSchedule reads the schedules saved in the schedule folder ($XDG_CONFIG_HOME/backupps/schedules, by default ~/.config/backupps/schedules; %APPDATA%\BackupPS\schedules on Windows) and asks the scheduler each one was registered with (systemd, cron or Task Scheduler) whether its entry is still installed.

Each schedule is returned as a DbBackupSchedule object: Name, Scheduler, At, DaysOfWeek, Script (your commands), Command (the command line the scheduler runs), ScriptPath (the job script), LogPath, EnvironmentFile (where secrets go), ModuleVersion, FollowModuleUpdates, ModuleRoot, ModuleImport (the job's Import-Module line), Entry (the crontab, unit files or task name), NextRun (local time, computed from At and DaysOfWeek; empty when the entry is gone), Enabled (the scheduler holds the entry) and Registered.

A schedule whose entry was removed by hand (for example with crontab -e) is listed with Enabled = $false; register it again with -Force, or remove it with Unregister-DbBackupSchedule. Schedules are per user: each user (and root) sees their own.
'@

    Parameters   = @{
        Name = @'
The names of the schedules to list; wildcards (* and ?) are supported and matching is case-insensitive. Without it, all schedules are listed. A name without wildcards that matches nothing writes the non-terminating error ScheduleNotFound.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'Schedule names (-Name), or objects with a Name property.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackupSchedule'; Description = 'One object per registered schedule, sorted by name.' }
    )

    Notes        = @'
Error ids: ScheduleNotFound (non-terminating), ScheduleUnreadable (a schedule record that cannot be read), SchedulerNotAvailable (the scheduler's tool, such as crontab, cannot be started).
'@

    Examples     = @(
        @{
            Title   = 'List all schedules'
            Code    = @'
Get-DbBackupSchedule
'@
            Remarks = @'
Shows each schedule's name, scheduler, time, days, next run, whether it is enabled, and its log file.
'@
        }
        @{
            Title   = 'Read the end of a schedule''s log'
            Code    = @'
Get-Content (Get-DbBackupSchedule nightly).LogPath -Tail 20
'@
            Remarks = @'
Each run writes timestamped lines: started, the output of the script, and 'finished: success' or 'FAILED: <error>'.
'@
        }
        @{
            Title   = 'Find schedules whose scheduler entry has gone'
            Code    = @'
Get-DbBackupSchedule | Where-Object { -not $_.Enabled }
'@
            Remarks = @'
Lists schedules whose crontab entry, timer or task was removed outside BackupPS.
'@
        }
    )

    RelatedLinks = @(
        'Register-DbBackupSchedule'
        'Unregister-DbBackupSchedule'
        'New-DbBackup'
        'Get-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'Remove-DbBackup'
        'about_BackupPS'
    )
}
