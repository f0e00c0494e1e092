# Help source for Remove-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Deletes BackupPS backups: the backup file and its sidecar.'

    Description  = @'
Remove-DbBackup deletes backups listed by Get-DbBackup: first the sidecar (<backup file>.json), so the backup is no longer listed even if the removal is interrupted, then the backup file itself.

It removes only listed BackupPS backups, that is, files with a sidecar beside them. A file given by -Path that has no sidecar is refused with the error NotAListedBackup, so a mistyped path or a wildcard gone wrong cannot delete an arbitrary file; delete such files yourself if they should go.

Removing a backup cannot be undone, so Remove-DbBackup asks for confirmation for each backup (its ConfirmImpact is High) unless -Force or -Confirm:$false is given. It returns nothing; use -Verbose to see each file removed.

The usual way to prune backups is to list them newest first with Get-DbBackup and skip the ones to keep with Select-Object -Skip, or to select old ones with Get-DbBackup -Before.
'@

    Parameters   = @{
        MetricsPath = @'
Writes the outcome to this Prometheus textfile-collector file (for example /var/lib/node_exporter/textfile/backupps.prom), for node_exporter's --collector.textfile.directory. Per database and operation (operation="backup", "verify", "restore" or "remove") it holds the gauges backupps_last_success_timestamp_seconds, backupps_last_run_timestamp_seconds, backupps_last_run_success (1 or 0), backupps_last_duration_seconds and backupps_last_size_bytes, and per database backupps_last_verification_passed (1 or 0, from Test-DbBackup). The file is updated atomically (written under a temporary name in the same folder, then renamed; concurrent writers wait for a lock file <file>.lock): other databases' and operations' series are kept, and a failed run keeps the time of the last success. So one alert rule catches a database without a backup for 24 hours: time() - backupps_last_success_timestamp_seconds{operation="backup"} > 86400. The file is readable by all (0644), since node_exporter usually runs as another user. A metrics file that cannot be written is a warning, never a failure of the operation.
'@
        InputObject = @'
The backups to remove, as DbBackup objects from Get-DbBackup or New-DbBackup. This is what the pipeline binds when you pipe backups to Remove-DbBackup.
'@
        Path        = @'
Paths of backup files to remove. Each must have its sidecar beside it (error NotAListedBackup otherwise); giving the sidecar's path (<backup file>.json) removes the backup it describes. Relative paths are resolved against the current PowerShell location; wildcards are not expanded. Objects with a FullName, PSPath or LiteralPath property bind by property name.
'@
        Force       = @'
Removes the backups without asking for confirmation, for example in a scheduled cleanup job. With -WhatIf, nothing is removed even with -Force.
'@
        WhatIf      = @'
Shows which backups (database, type, creation time and id) would be removed, without removing anything.
'@
    }

    Inputs       = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'Backups from Get-DbBackup or New-DbBackup (-InputObject).' }
        @{ Type = 'System.String'; Description = 'Paths of backup files (-Path). Objects with a FullName, PSPath or LiteralPath property, such as System.IO.FileInfo, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'None'; Description = 'Remove-DbBackup returns no output. With -Verbose it writes the paths it removed.' }
    )

    Notes        = @'
Each removal appends one line to the audit log audit.jsonl in the backup's folder (operation Remove). Read it with Get-DbBackupAuditLog.

Error ids that scripts can test for: NotAListedBackup (the file has no sidecar; nothing was removed), BackupNotFound (the file does not exist), SidecarUnreadable, RemoveFailed (the file system refused, for example for lack of permission on the folder), BackupPathIsFolder (a folder was given; terminating). The others are non-terminating, per backup: the remaining backups are still removed.

Keep the PreRestore safety backups that Restore-DbBackup takes until you are sure a restore went well; they are listed with Get-DbBackup -Type PreRestore.
'@

    Examples     = @(
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
        'Get-DbBackupAuditLog'
        'about_BackupPS'
    )
}
