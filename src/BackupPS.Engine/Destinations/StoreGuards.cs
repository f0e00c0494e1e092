namespace BackupPS.Engine.Destinations;

/// <summary>Rules every store keeps the same way, in one place.</summary>
internal static class StoreGuards
{
    /// <summary>A listed backup is never overwritten: a new write of its name is refused before a byte is written.</summary>
    public static void RefuseExisting(IBackupDestination destination, string fileName)
    {
        if (destination.Find(fileName) is { } existing)
            throw new BackupException("BackupAlreadyExists", BackupErrorKind.WriteError,
                $"'{existing.Path}' is already a listed backup and is never overwritten. Remove it first (Remove-DbBackup) or write a new backup.", existing.Path);
    }
}
