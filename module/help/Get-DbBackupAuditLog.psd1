# Help source for Get-DbBackupAuditLog (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Reads the audit log of backup folders: who backed up, verified, restored or removed what, when, and how it ended.'

    Description  = @'
Every New-DbBackup, Test-DbBackup, Restore-DbBackup and Remove-DbBackup (and every retention decision) appends one line to the audit log of the folder it works in: <destination>/audit.jsonl for a new backup, the backup's own folder for a verification, restore or removal. Each line is one JSON object: time (UTC, when the operation ended), host, OS user, operation, backup id, database, backup type, path, target (restore), result, duration in milliseconds, bytes, and for a failure its error id and message. Failures are logged too, including those that end in an error. Passwords never reach the log: connection strings and URLs are scrubbed.

Get-DbBackupAuditLog reads those lines back as DbBackupAuditEntry objects, oldest first, and filters them. Several folders (or DbBackup objects piped from Get-DbBackup, by their Destination property) are read as one log, in time order.

A line that is not a complete audit entry, such as the last line of a log whose writer was killed mid-write, is skipped with a warning; the rest of the log is still read. A folder without an audit.jsonl yields nothing; a folder that does not exist is an error (DestinationNotFound).

Lines are appended whole under an exclusive lock of the file, so concurrent runs never mix their lines. The file is created with mode 0600. Writing it never fails an operation: if the log cannot be written, the operation warns and goes on.
'@

    Parameters   = @{
        Destination  = @'
Folders whose audit.jsonl to read. Relative paths are resolved against the current PowerShell location. Objects with a Destination or FullName property (DbBackup objects, folders from Get-Item) bind by property name; each folder is read once.
'@
        Operation    = @'
Only entries of these operations: New, Test, Restore, Remove, Retention, Import, Copy.
'@
        Result       = @'
Only entries with these results: Succeeded, Failed, Skipped, or Kept and Removed (retention decisions).
'@
        DatabaseName = @'
Only entries for databases whose name matches one of these patterns (wildcards * and ?, case-insensitive).
'@
        Id           = @'
Only entries about these backups: a full backup id or at least its first 4 hex digits (the short id in the file name).
'@
        After        = @'
Only entries written after this time (a local time unless it says otherwise).
'@
        Before       = @'
Only entries written before this time.
'@
        Last         = @'
Only the last N entries (after the other filters), still oldest first.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'Folders (-Destination). Objects with a Destination or FullName property, such as BackupPS.DbBackup, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackupAuditEntry'; Description = 'One object per audit line: Time (local), TimeUtc, Host, User, Operation, Result, BackupId, Database, Type, Destination, Path, Target, Duration, Bytes, ErrorId, Error, Detail, ToolVersion.' }
    )

    Notes        = @'
The log is plain JSON Lines, so other tools read it too, for example: jq -c 'select(.result == "Failed")' /srv/backups/myapp/audit.jsonl.

The time of an entry is when the operation ended; subtract Duration for its start.
'@

    Examples     = @(
        @{
            Title   = 'Show the last 20 operations on a backup folder'
            Code    = @'
Get-DbBackupAuditLog /srv/backups/myapp -Last 20
'@
            Remarks = @'
Lists the 20 most recent entries, oldest first: time, operation, database, result, duration and the error of any failure.
'@
        }
        @{
            Title   = 'Find failed backups and restores of the past week'
            Code    = @'
Get-DbBackupAuditLog /srv/backups/myapp -Operation New, Restore -Result Failed -After (Get-Date).AddDays(-7) |
    Format-List Time, Operation, Database, User, ErrorId, Error
'@
            Remarks = @'
Shows who ran each failed backup or restore in the last seven days and why it failed.
'@
        }
        @{
            Title   = 'Everything that happened to one backup'
            Code    = @'
Get-DbBackupAuditLog /srv/backups/myapp -Id 3f2a9c1e
'@
            Remarks = @'
Its creation, every verification, restore and finally its removal, by its short id.
'@
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'New-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'Remove-DbBackup'
        'about_BackupPS'
    )
}
