using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>s3://bucket/prefix: an S3-compatible bucket, reached with <see cref="StoreConnections.S3"/>.</summary>
internal sealed class S3StoreKind : IStoreKind
{
    public const string Prefix = "s3://";

    public string? Scheme => "s3";

    public IBackupDestination Open(string location, StoreConnections connections) => S3Destination.Open(location, connections.S3);

    /// <summary>An s3:// key: only listed backups are reachable (BackupNotFound when its object or sidecar is missing).</summary>
    public BackupRecord? Locate(string path, StoreConnections connections)
    {
        path = StoreRegistry.BackupPathOf(path);
        var slash = path.LastIndexOf('/');
        if (slash < Prefix.Length || slash == path.Length - 1)
            throw new BackupException("S3InvalidLocation", BackupErrorKind.InvalidArgument,
                $"'{path}' does not name a backup: give s3://bucket/prefix/<backup file>, or list the backups with Get-DbBackup s3://bucket/prefix.", path);
        return S3Destination.Open(path[..slash], connections.S3).Locate(path[(slash + 1)..]);
    }
}
