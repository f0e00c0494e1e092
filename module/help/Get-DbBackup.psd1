# Help source for Get-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Lists the BackupPS backups in one or more folders, newest first, optionally filtered by database, type, tag, id or date.'

    Description  = @'
Get-DbBackup reads the sidecar files (<backup file>.json) in each -Destination folder and returns a DbBackup object for every backup whose backup file exists beside its sidecar. The backups are sorted newest first. Only the sidecars are read, so listing is fast even for large backups; use Test-DbBackup to check that the backups themselves are intact.

The filters combine: a backup is returned only when it matches every filter given. Within one filter, a backup matches when it matches any of the values (for example -Tag nightly, weekly returns backups tagged nightly or weekly).

-Latest returns only the newest backup of each database (by the Database property, the name given by New-DbBackup), after the other filters are applied. PreRestore safety backups, which Restore-DbBackup takes automatically, are left out of -Latest unless -Type PreRestore asks for them, so Get-DbBackup -Latest | Restore-DbBackup restores the newest real backup, not the copy of the state you are replacing.

Files without a sidecar, such as a backup that was interrupted or copied without its .json, are not listed; Test-DbBackup -Path and Restore-DbBackup -Path still accept them. A sidecar that cannot be read is reported as a non-terminating SidecarUnreadable error, and the other backups are still listed.

The objects returned can be piped to Test-DbBackup, Restore-DbBackup and Remove-DbBackup.
'@

    Parameters   = @{
        Destination  = @'
The folders to list. Relative paths are resolved against the current PowerShell location. Folders can also be piped, as strings or as objects with a FullName property (for example, Get-ChildItem -Directory output). Sub-folders are not searched.

A folder that does not exist writes the non-terminating error DestinationNotFound.
'@
        Latest       = @'
Returns only the newest backup of each database that matches the other filters. PreRestore safety backups are excluded unless -Type includes PreRestore.
'@
        Id           = @'
Returns the backups with these ids. Give the full id (a GUID, with or without dashes) or at least its first 4 hexadecimal digits, such as the 8-digit ShortId that appears in the backup's file name. Matching is case-insensitive.
'@
        DatabaseName = @'
Returns the backups of these databases, matched against the Database property (the database file's name without extension, or the -Name given to New-DbBackup). Wildcards (* and ?) are supported and matching is case-insensitive.
'@
        Type         = @'
Returns only backups of these types: Full (database and files), Database, Files, or PreRestore (the safety backups taken by Restore-DbBackup).
'@
        Tag          = @'
Returns the backups that carry at least one of these tags (case-insensitive, no wildcards). Tags are set with New-DbBackup -Tag; PreRestore safety backups carry the tag PreRestore.
'@
        Before       = @'
Returns only backups created strictly before this date and time. A DateTime without a time zone is taken as local time, like the Created property; for example -Before (Get-Date).AddDays(-30).
'@
        After        = @'
Returns only backups created strictly after this date and time. A DateTime without a time zone is taken as local time; for example -After (Get-Date).Date for today's backups.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'A folder to list (-Destination). Objects with a FullName property, such as System.IO.DirectoryInfo from Get-ChildItem -Directory, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'One object per listed backup, newest first. The default table shows Created, Database, Type, Size, Encrypted, LastVerified and the short Id; Format-List * shows every property, including Path, Sha256, Tags, Description, SourcePath, Host, User and TableRowCounts.' }
    )

    Notes        = @'
Error ids that scripts can test for: BackupNotFound (category ObjectNotFound: an -Id, or a -DatabaseName without wildcards, that matches no listed backup; one error per such value, the backups that match are still returned; a wildcard that matches nothing returns nothing without an error), DestinationNotFound (the folder does not exist), SidecarUnreadable (a damaged sidecar; the backup beside it is skipped), NewerFormat (a backup written by a newer BackupPS), DestinationMissing (an empty -Destination, terminating). All but DestinationMissing are non-terminating: the other folders and backups are still listed.

LastVerified and LastVerificationPassed come from the sidecar, where Test-DbBackup and Restore-DbBackup record each verification. They tell when a backup was last proven good, not that it is still intact now.
'@

    Examples     = @(
        @{
            Title   = 'List the backups in a folder'
            Code    = @'
Get-DbBackup /srv/backups/myapp
'@
            Remarks = @'
Lists every backup in the folder, newest first, with its creation time, database, type, size, last verification and short id.
'@
        }
        @{
            Title   = 'Verify the newest backup of every database'
            Code    = @'
Get-DbBackup /srv/backups/myapp -Latest | Test-DbBackup
'@
            Remarks = @'
-Latest passes on the newest backup of each database (PreRestore safety backups excluded); Test-DbBackup verifies each one completely and returns Passed = True or False with the reason.
'@
        }
        @{
            Title   = 'Find backups by name, tag and date'
            Code    = @'
Get-DbBackup /srv/backups/myapp -DatabaseName 'app*' -Tag manual, keep -After (Get-Date).AddDays(-7) |
    Format-Table Created, Database, Description, Tags, Path
'@
            Remarks = @'
Returns the backups of databases whose name starts with "app" that carry the tag manual or keep and were made in the last seven days, and shows their descriptions and file paths.
'@
        }
        @{
            Title   = 'Remove all but the 14 newest backups of a database'
            Code    = @'
Get-DbBackup /srv/backups/myapp -DatabaseName app -Type Database, Full | Select-Object -Skip 14 | Remove-DbBackup -WhatIf
Get-DbBackup /srv/backups/myapp -DatabaseName app -Type Database, Full | Select-Object -Skip 14 | Remove-DbBackup -Force
'@
            Remarks = @'
Because Get-DbBackup returns the newest first, Select-Object -Skip 14 passes on every backup except the 14 newest. The first command shows what would be removed; the second removes those backups and their sidecars without prompting. Restricting -Type keeps PreRestore safety backups out of the count.
'@
        }
        @{
            Title   = 'Find a backup by the id in its file name'
            Code    = @'
Get-DbBackup /srv/backups/myapp -Id 3f2a9c1e | Format-List *
'@
            Remarks = @'
The 8 hexadecimal digits at the end of a backup's file name (app_20250101T023000Z_3f2a9c1e.tar.zst) are its ShortId; -Id accepts them, or any leading part of at least 4 digits, or the full id. Format-List * shows every recorded detail, including the table row counts at backup time.
'@
        }
        @{
            Title   = 'List backups from several folders, including the safety backups'
            Code    = @'
Get-ChildItem /srv/backups -Directory | Get-DbBackup -Type PreRestore
'@
            Remarks = @'
Each folder from Get-ChildItem binds to -Destination by its FullName property. -Type PreRestore lists the safety backups that Restore-DbBackup took before replacing a database; their Description names the backup that was restored over them.
'@
        }
    )

    RelatedLinks = @(
        'New-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'Remove-DbBackup'
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
