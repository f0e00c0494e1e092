# Help source for Remove-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Deletes BackupPS backups (the backup file and its sidecar), by name or by a retention policy.'

    Description  = @'
Remove-DbBackup deletes backups listed by Get-DbBackup: first the sidecar (<backup file>.json), so the backup is no longer listed even if the removal is interrupted, then the backup file itself.

It removes only listed BackupPS backups, that is, files with a sidecar beside them. A file given by -Path that has no sidecar is refused with the error NotAListedBackup, so a mistyped path or a wildcard gone wrong cannot delete an arbitrary file; delete such files yourself if they should go.

Removing a backup cannot be undone, so Remove-DbBackup asks for confirmation for each backup (its ConfirmImpact is High) unless -Force or -Confirm:$false is given. With -InputObject or -Path it returns nothing; use -Verbose to see each file removed.

The usual way to prune backups is a retention policy: -Destination with one or more of -KeepLast, -KeepHourly, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepYearly, -KeepWithin and -OlderThan (the Policy parameter set). You can also list backups newest first with Get-DbBackup and skip the ones to keep with Select-Object -Skip, or select old ones with Get-DbBackup -Before.

RETENTION POLICY (like restic forget)

Remove-DbBackup -Destination <folder> -Keep... decides, for every backup of every database in the folder (or of the databases matching -DatabaseName, of the types in -Type), whether it is kept or removed and why, and returns one DbBackupRetentionDecision per backup: Action (Keep or Remove), Rules and Reason (the rules that keep it, with their buckets, or why it goes) and Removed (true once it is gone). With -WhatIf nothing is removed and the output is the preview: Remove-DbBackup ... -WhatIf | Format-Table.

The rules, applied to each database separately (database names compared case-insensitively):
- -KeepLast N keeps the N newest backups.
- -KeepHourly, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepYearly N keep the newest backup in each of the last N hours, days, weeks, months or years THAT HAVE A BACKUP (periods without a backup do not count). N = -1 means unlimited (as restic): -KeepDaily -1 keeps the newest backup of every day. While a rule still has count left after all backups (or is unlimited), it also keeps the oldest backup, so the longest history stays (as restic 0.16 and later). Weeks are ISO 8601 weeks (Monday to Sunday, of the ISO week-year: 31 December can be in week 1 of the next year). Periods begin in the local time zone, or in UTC with -Utc; days follow local midnight across daylight saving changes (a day can have 23 or 25 hours), and the hour repeated when clocks go back is two hours.
- -KeepWithin <span> (restic's 1y2m3d4h form, or a time span) keeps every backup created strictly after (newest backup of the database - span): one exactly a span older goes. The newest backup is measured, not now (as in restic: if backups stop, the policy does not eat the last ones), and backups dated in the future are not taken as the newest.
- -KeepWithinHourly, -KeepWithinDaily, -KeepWithinWeekly, -KeepWithinMonthly, -KeepWithinYearly <span> keep the newest backup of each hour, day, week, month or year within that span of the newest backup (measured as -KeepWithin), and the oldest backup if it is within.
- A backup kept by any rule stays, and its Reason names every rule that keeps it. A backup no rule keeps is removed (NotKept).
- -OlderThan <span> limits removal to backups older than the span (measured from now). Alone, it removes every backup older than the span (reason OlderThan). With Keep rules, the backups younger than the span are kept (NotOlderThan) and take no period; the Keep rules are applied to the older backups only. So -OlderThan 30.00:00:00 -KeepMonthly 6 keeps everything of the last 30 days plus the newest backup of each of the 6 newest months before that.
- PreRestore safety copies (taken by Restore-DbBackup) are rated on their own, so a safety copy never takes the day, week or month of a regular backup. Safety copies younger than a day are always kept (PreRestoreSafety) unless PreRestore is named in -Type.
- If a database has a verified backup (Test-DbBackup passed) and the policy would leave it none, its newest verified backup is kept (LastVerified) unless -Force is given.
- A policy that would remove every backup of a database stops with the error RetentionWouldRemoveAll before anything is removed. Backups of the database outside -Type count as left. To delete all backups of a database, name them: Get-DbBackup <folder> -DatabaseName <name> | Remove-DbBackup.

WORKED EXAMPLE. A backup of app every night at 02:00 UTC from 1 August to Wednesday 25 November 2026 (117 backups), and -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 12 -Utc on 25 November:
- KeepDaily 7 keeps 19 to 25 November (the newest backup of each of the 7 newest days).
- KeepWeekly 4 keeps the newest backup of ISO weeks 2026-W48 (25 Nov), W47 (Sunday 22 Nov), W46 (15 Nov) and W45 (8 Nov). 25 and 22 November are kept already; this rule adds 15 and 8 November.
- KeepMonthly 12 keeps the newest backup of each month that has one: 25 November, 31 October, 30 September, 31 August. Only 4 months have backups, so all 4 are kept; the rule adds 31 October, 30 September and 31 August. It still has 8 months left, so it also keeps the oldest backup, 1 August (Reason "KeepMonthly (oldest backup, 2026-08)").
- 13 backups are kept; the 104 others are removed, each with the reason NotKept. The backup of 25 November shows the Reason "KeepDaily (2026-11-25), KeepWeekly (2026-W48), KeepMonthly (2026-11)".
'@

    Parameters   = @{
        InputObject = @'
The backups to remove, as DbBackup objects from Get-DbBackup or New-DbBackup. This is what the pipeline binds when you pipe backups to Remove-DbBackup.
'@
        Path        = @'
Paths of backup files to remove. Each must have its sidecar beside it (error NotAListedBackup otherwise); giving the sidecar's path (<backup file>.json) removes the backup it describes. Relative paths are resolved against the current PowerShell location; wildcards are not expanded. Objects with a FullName, PSPath or LiteralPath property bind by property name.
'@
        Force       = @'
Removes the backups without asking for confirmation. With -WhatIf, nothing is removed even with -Force. With a retention policy, -Force also lets the policy remove the last verified backup of a database (without it, that backup is kept with the rule LastVerified); the other safety rules stay (PreRestore copies younger than a day unless -Type PreRestore names them, and RetentionWouldRemoveAll). In a scheduled retention job use -Confirm:$false instead: it skips the prompts and keeps every safety rule.
'@
        Destination = @'
The backup folder to apply a retention policy to (the Policy parameter set). Give at least one rule: -KeepLast, -KeepHourly, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepYearly, -KeepWithin or -OlderThan (error NoRetentionRule otherwise).
'@
        DatabaseName = @'
Applies the policy only to the databases whose name matches one of these patterns (wildcards * and ?, case-insensitive). Default: every database in the folder, each on its own.
'@
        Type        = @'
Applies the policy only to backups of these types (Full, Database, Files, PreRestore). Default: every type, with PreRestore safety copies rated on their own and kept while younger than a day. Naming PreRestore here lets young safety copies go too. Backups of other types are not output, but still count as what is left of a database for the safety rules.
'@
        KeepLast    = @'
Keeps the N newest backups of each database.
'@
        KeepHourly  = @'
Keeps the newest backup in each of the last N hours that have a backup (hours in the local time zone, or UTC with -Utc).
'@
        KeepDaily   = @'
Keeps the newest backup in each of the last N days that have a backup (days from local midnight, or UTC midnight with -Utc).
'@
        KeepWeekly  = @'
Keeps the newest backup in each of the last N ISO 8601 weeks (Monday to Sunday) that have a backup.
'@
        KeepMonthly = @'
Keeps the newest backup in each of the last N calendar months that have a backup.
'@
        KeepYearly  = @'
Keeps the newest backup in each of the last N years that have a backup.
'@
        KeepWithin  = @'
Keeps every backup created strictly after (newest backup of the database - this span). The span is restic's calendar duration of whole years, months, days and hours, such as 1y2m3d4h, 7d or 36h (units y, m, d, h, lowercase, each at most once; any order), or a time span such as 7.00:00:00 or (New-TimeSpan -Days 7), which is exact. Years, months and days go back on the calendar in the policy's time zone as restic does (31 March - 1m is 3 March, a day across a daylight saving change can be 23 or 25 hours), then the hours are subtracted. A span reaching before year 1 (9999y) keeps every backup. Anything else (2w, 5, -1d, 0d, 1d2d) is refused with InvalidRetentionRule naming the value and the accepted forms. Measured from the newest backup that is not in the future, not from now.
'@
        KeepWithinHourly = @'
Keeps the newest backup of each hour that lies within this time span of the newest backup of the database (as restic --keep-within-hourly), plus the oldest backup if it is within. The span is measured like -KeepWithin.
'@
        KeepWithinDaily = @'
Keeps the newest backup of each day that lies within this time span of the newest backup of the database (as restic --keep-within-daily), plus the oldest backup if it is within. The span is measured like -KeepWithin.
'@
        KeepWithinWeekly = @'
Keeps the newest backup of each ISO 8601 week that lies within this time span of the newest backup of the database (as restic --keep-within-weekly), plus the oldest backup if it is within. The span is measured like -KeepWithin.
'@
        KeepWithinMonthly = @'
Keeps the newest backup of each calendar month that lies within this time span of the newest backup of the database (as restic --keep-within-monthly), plus the oldest backup if it is within. The span is measured like -KeepWithin.
'@
        KeepWithinYearly = @'
Keeps the newest backup of each year that lies within this time span of the newest backup of the database (as restic --keep-within-yearly), plus the oldest backup if it is within. The span is measured like -KeepWithin.
'@
        OlderThan   = @'
Only backups older than this time span (measured from now) can be removed. Alone, every backup older than the span is removed; with Keep rules, the rules decide among the older backups only, and the younger ones are kept (NotOlderThan).
'@
        Utc         = @'
Computes hours, days, weeks, months and years in UTC instead of the local time zone.
'@
        WhatIf      = @'
Shows which backups (database, type, creation time and id) would be removed, without removing anything. With a retention policy it also names the reason, and the output objects are the preview (Action Keep or Remove and the rules; Removed is false).
'@
    }

    Inputs       = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'Backups from Get-DbBackup or New-DbBackup (-InputObject).' }
        @{ Type = 'System.String'; Description = 'Paths of backup files (-Path). Objects with a FullName, PSPath or LiteralPath property, such as System.IO.FileInfo, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'None'; Description = 'With -InputObject or -Path, Remove-DbBackup returns no output. With -Verbose it writes the paths it removed.' }
        @{ Type = 'BackupPS.DbBackupRetentionDecision'; Description = 'With -Destination (a retention policy): one object per backup considered, grouped by database and newest first: Database, Type, Created, CreatedUtc, Action (Keep or Remove), Rules, Reason, Removed, SizeBytes, Path and Backup (the DbBackup).' }
    )

    Notes        = @'
Retention error ids: NoRetentionRule and InvalidRetentionRule (terminating), RetentionWouldRemoveAll (terminating, nothing removed), DestinationNotFound. With many backups Remove-DbBackup shows progress (backups removed and bytes freed), and -Verbose names each step: the listing, the decision for each backup and each removal.
Each removal appends one line to the audit log audit.jsonl in the backup's folder (operation Remove). Read it with Get-DbBackupAuditLog.

Error ids that scripts can test for: NotAListedBackup (the file has no sidecar; nothing was removed), BackupNotFound (the file does not exist), SidecarUnreadable, RemoveFailed (the file system refused, for example for lack of permission on the folder), BackupPathIsFolder (a folder was given; terminating). The others are non-terminating, per backup: the remaining backups are still removed.

Keep the PreRestore safety backups that Restore-DbBackup takes until you are sure a restore went well; they are listed with Get-DbBackup -Type PreRestore.
'@

    Examples     = @(
        @{
            Title   = 'Preview a retention policy as a table'
            Code    = @'
Remove-DbBackup -Destination /srv/backups/myapp -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 12 -WhatIf | Format-Table
'@
            Remarks = @'
Lists every backup in the folder with Action Keep or Remove and the rules that keep it (for example "KeepDaily (2026-11-25), KeepWeekly (2026-W48)") or NotKept. Nothing is removed. See the worked example in the description.
'@
        }
        @{
            Title   = 'Apply a retention policy in a scheduled job'
            Code    = @'
Remove-DbBackup -Destination /srv/backups/myapp -KeepLast 3 -KeepDaily 14 -KeepMonthly 6 -Utc -Confirm:$false |
    Where-Object Removed | Measure-Object SizeBytes -Sum
'@
            Remarks = @'
Removes what the policy does not keep without prompting, computing days and months in UTC, and sums the bytes freed. -Confirm:$false skips the prompts only: the last verified backup of a database and PreRestore copies younger than a day still stay, and a policy that would remove every backup of a database stops with RetentionWouldRemoveAll.
'@
        }
        @{
            Title   = 'Remove backups of one database older than 90 days, but keep one a month'
            Code    = @'
Remove-DbBackup -Destination /srv/backups -DatabaseName shop* -OlderThan 90.00:00:00 -KeepMonthly 12 -Confirm:$false
'@
            Remarks = @'
Backups younger than 90 days stay (NotOlderThan); among the older ones the newest of each of 12 months stays. Other databases in the folder are left alone.
'@
        }
        @{
            Title   = 'Keep only the 14 newest backups of each database'
            Code    = @'
$all = Get-DbBackup /srv/backups/myapp -Type Database, Full
$all | Group-Object Database | ForEach-Object { $_.Group | Select-Object -Skip 14 } | Remove-DbBackup -Force
'@
            Remarks = @'
Get-DbBackup returns backups newest first, and Group-Object keeps that order within each group, so Select-Object -Skip 14 passes on everything but the 14 newest backups of each database. -Force removes them without prompting, as a scheduled job needs. Restricting -Type leaves PreRestore safety backups alone.
'@
        }
        @{
            Title   = 'Preview, then remove backups older than 90 days'
            Code    = @'
Get-DbBackup /srv/backups/myapp -Before (Get-Date).AddDays(-90) | Remove-DbBackup -WhatIf
Get-DbBackup /srv/backups/myapp -Before (Get-Date).AddDays(-90) | Remove-DbBackup
'@
            Remarks = @'
The first command lists what would be removed. The second removes the backups, asking for confirmation for each one (answer A for Yes to All).
'@
        }
        @{
            Title   = 'Remove old safety backups, except the newest'
            Code    = @'
Get-DbBackup /srv/backups/myapp -Type PreRestore | Select-Object -Skip 1 | Remove-DbBackup -Force -Verbose
'@
            Remarks = @'
Removes all PreRestore safety backups taken by Restore-DbBackup except the most recent one, and writes each removed file as a verbose message.
'@
        }
        @{
            Title   = 'Remove one backup by its file name'
            Code    = @'
Remove-DbBackup -Path /srv/backups/myapp/app_20250101T023000Z_3f2a9c1e.tar.zst -Confirm:$false
'@
            Remarks = @'
Removes the backup and its sidecar. A file without a sidecar would be refused with NotAListedBackup.
'@
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'New-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'Copy-DbBackup'
        'Get-DbHealth'
        'Get-DbBackupStorage'
        'Register-DbBackupSchedule'
        'Get-DbBackupSchedule'
        'Unregister-DbBackupSchedule'
        'Import-DbBackup'
        'Get-DbBackupAuditLog'
        'about_BackupPS'
    )
}
