namespace BackupPS.Engine.Destinations;

/// <summary>Opens the destination a location names: s3://bucket/prefix is an S3 store, anything else a local folder.</summary>
public static class Destination
{
    public const string S3Scheme = "s3://";

    public static bool IsS3(string? location) => location is not null && location.StartsWith(S3Scheme, StringComparison.OrdinalIgnoreCase);

    /// <param name="location">An absolute (already resolved) folder path, or s3://bucket/prefix.</param>
    /// <param name="settings">How to reach S3 (ignored for a folder).</param>
    public static IBackupDestination Open(string location, S3Settings? settings = null) =>
        IsS3(location) ? S3Destination.Open(location, settings ?? new S3Settings()) : new LocalFolderDestination(location);

    /// <summary>
    /// The backup a path or s3:// key names: (its destination, its file name). A sidecar's name (.json) means its backup.
    /// </summary>
    public static (IBackupDestination Destination, string FileName) OpenFile(string path, S3Settings? settings = null)
    {
        if (path.EndsWith(Format.Sidecar.Suffix, StringComparison.OrdinalIgnoreCase) && path.Contains(".tar", StringComparison.OrdinalIgnoreCase))
            path = path[..^Format.Sidecar.Suffix.Length];
        if (IsS3(path))
        {
            var slash = path.LastIndexOf('/');
            if (slash < S3Scheme.Length || slash == path.Length - 1)
                throw new BackupException("S3InvalidLocation", BackupErrorKind.InvalidArgument,
                    $"'{path}' does not name a backup: give s3://bucket/prefix/<backup file>, or list the backups with Get-DbBackup s3://bucket/prefix.", path);
            return (Open(path[..slash], settings), path[(slash + 1)..]);
        }
        var full = System.IO.Path.GetFullPath(path);
        return (new LocalFolderDestination(System.IO.Path.GetDirectoryName(full)!), System.IO.Path.GetFileName(full));
    }
}
