using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Health;

/// <summary>
/// The one place where Get-DbHealth and Get-DbBackupStorage touch a destination (local folder or S3), through
/// <see cref="IBackupDestination"/>: listing its backups and asking for its free space.
/// </summary>
public static class BackupCatalog
{
    public static IBackupDestination Open(string destination, S3Settings? s3) => Destination.Open(destination, s3);

    /// <summary>Free and total bytes of the file system holding a local destination (statvfs: bytes available to this user); null for remote stores or when unknown.</summary>
    public static (long Free, long Total)? Space(IBackupDestination destination)
    {
        if (destination.LocalFolder is not { } root) return null;
        try
        {
            var drive = new DriveInfo(root);
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
