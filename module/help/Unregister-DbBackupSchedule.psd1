# Help source for Unregister-DbBackupSchedule (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Removes backup schedules: their scheduler entry (systemd units, crontab block or task) and their job script.'

    Description  = @'
Unregister-DbBackupSchedule removes a schedule registered with Register-DbBackupSchedule: it disables and deletes the systemd timer and service (then runs daemon-reload), removes the schedule's marked block from your crontab (every other crontab line is kept exactly), or deletes the Task Scheduler task; then it deletes the job script and the schedule's record from the schedule folder.

The log file and the environment file (<Name>.env) are left in place: they are yours to keep or delete. Backups the schedule made are not touched.

Names are exact (no wildcards); pipe Get-DbBackupSchedule output to remove several. A name that is registered nowhere writes the non-terminating error ScheduleNotFound.
'@

    Parameters   = @{
        Name      = @'
The names of the schedules to remove. Objects with a Name property, such as the output of Get-DbBackupSchedule, bind by property name.
'@
        Scheduler = @{
            Description  = @'
The scheduler to remove the entry from when the schedule's record is missing (for example when the schedule folder was deleted but the crontab entry is still there): Auto, Systemd, Cron or TaskScheduler. When the record exists, the scheduler it was registered with is used.
'@
            DefaultValue = 'Auto'
        }
        WhatIf    = @'
Shows which schedules would be removed, without removing anything.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'Schedule names (-Name).' }
        @{ Type = 'BackupPS.DbBackupSchedule'; Description = 'Schedules from Get-DbBackupSchedule; their Name binds by property name.' }
    )
    Outputs      = @(
        @{ Type = 'None'; Description = 'Unregister-DbBackupSchedule returns no output. With -Verbose it says what it removed.' }
    )

    Notes        = @'
Error ids: ScheduleNotFound (non-terminating), InvalidScheduleName (terminating), SchedulerNotAvailable, SchedulerCommandFailed.
'@

    Examples     = @(
        @{
            Title   = 'Remove one schedule'
            Code    = @'
Unregister-DbBackupSchedule -Name nightly
'@
            Remarks = @'
Removes the nightly schedule from its scheduler and deletes its job script; the log stays.
'@
        }
        @{
            Title   = 'Remove every schedule whose name starts with test-'
            Code    = @'
Get-DbBackupSchedule test-* | Unregister-DbBackupSchedule -Verbose
'@
            Remarks = @'
Get-DbBackupSchedule expands the wildcard; each schedule's Name binds to -Name.
'@
        }
    )

    RelatedLinks = @(
        'Register-DbBackupSchedule'
        'Get-DbBackupSchedule'
        'New-DbBackup'
        'Get-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'Remove-DbBackup'
        'about_BackupPS'
    )
}
