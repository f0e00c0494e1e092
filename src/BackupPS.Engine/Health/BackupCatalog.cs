using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Health;

/// <summary>
/// The ONE place where Get-DbHealth and Get-DbBackupStorage touch a destination: listing its backups and asking for its
/// free space. (Meant to switch to the IBackupDestination abstraction when it lands; nothing else here knows the
/// destination is a local folder.)
/// </summary>
public static class BackupCatalog
{
    /// <summary>The listed backups of <paramref name="destination"/> (DestinationNotFound when it does not exist).</summary>
    public static List<BackupRecord> List(string destination, Action<BackupException>? onProblem) =>
        new LocalFolderDestination(destination).List(onProblem);

    /// <summary>The full path or address of the destination, as reported in the output.</summary>
    public static string Describe(string destination) => new LocalFolderDestination(destination).Root;

    /// <summary>Free and total bytes of the file system holding the destination (statvfs: bytes available to this user); null when unknown.</summary>
    public static (long Free, long Total)? Space(string destination)
    {
        var root = new LocalFolderDestination(destination).Root;
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
