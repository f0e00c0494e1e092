# Help source for Get-DbBackupStorage (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Summarises the backups in one or more destinations per database: how many, how much space, oldest, newest, last verified, and the free space left.'

    Description  = @'
Get-DbBackupStorage lists the backups of each -Destination (like Get-DbBackup: only backups whose sidecar exists) and returns one DbBackupStorage object per database name found there, sorted by name: Count (and CountByType), TotalBytes and AverageBytes of the backup files, Oldest and Newest (creation times, with OldestBackup and NewestBackup), LastVerified and LastVerificationPassed (the most recent verification of any of its backups, by Test-DbBackup or Restore-DbBackup), VerifiedCount and FailedCount, and the free space (DestinationFreeBytes, the bytes available to the current user) and capacity of the file system holding the destination.

Backups are grouped by their Database property (the name New-DbBackup gave them), case-insensitively, as Get-DbBackup -Latest does. Every type counts, PreRestore safety backups included, because they take space too. Sizes are the backup files' sizes recorded in their sidecars; the small sidecar files themselves are not included.

A destination without backups returns nothing (a verbose message says so).
'@

    Parameters   = @{
        Destination  = @'
The folders of backups to summarise. Relative paths are resolved against the current PowerShell location. Folders can be piped, as strings or as objects with a FullName property (for example, Get-ChildItem -Directory output). Sub-folders are not searched.

A folder that does not exist writes the non-terminating error DestinationNotFound.
'@
        DatabaseName = @'
Summarises only the databases whose name matches one of these patterns. Wildcards (* and ?) are supported and matching is case-insensitive.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'A folder of backups (-Destination). Objects with a FullName property, such as System.IO.DirectoryInfo, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackupStorage'; Description = 'One object per database and destination. The default table shows Database, Count, Total, Average, Oldest, Newest, LastVerified and Free; Format-List * shows every property.' }
    )

    Notes        = @'
Error ids: DestinationNotFound (the folder does not exist), SidecarUnreadable (a damaged sidecar; the backup beside it is not counted). Both are non-terminating.
'@

    Examples     = @(
        @{
            Title   = 'See what the backups of each database take'
            Code    = @'
Get-DbBackupStorage /srv/backups/myapp
'@
            Remarks = @'
Shows, for each database with backups in the folder, the number of backups, their total and average size, the oldest and newest, the last verification and the free space left on the disk.
'@
        }
        @{
            Title   = 'Warn before the backup disk fills up'
            Code    = @'
$s = Get-DbBackupStorage /srv/backups/myapp -DatabaseName app | Select-Object -First 1
if ($s.DestinationFreeBytes -lt 3 * $s.AverageBytes) { Write-Warning "Room for fewer than 3 more backups of app" }
'@
            Remarks = @'
Compares the free space on the destination's file system with the average size of the backups of the database app.
'@
        }
        @{
            Title   = 'Summarise several backup folders'
            Code    = @'
Get-ChildItem /srv/backups -Directory | Get-DbBackupStorage | Sort-Object TotalBytes -Descending | Format-Table Destination, Database, Count, TotalBytes
'@
            Remarks = @'
Each folder binds to -Destination by its FullName; the databases whose backups take the most space come first.
'@
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'Get-DbHealth'
        'Remove-DbBackup'
        'New-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'about_BackupPS'
    )
}
