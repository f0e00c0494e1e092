using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// One kind of store (a local folder, S3, ...): how it opens the locations it claims. The <see cref="StoreRegistry"/>
/// picks the kind by a location's URL scheme; everything after that goes through <see cref="IBackupDestination"/>.
/// </summary>
public interface IStoreKind
{
    /// <summary>The URL scheme it claims ("s3"), or null for plain paths (the local folder).</summary>
    string? Scheme { get; }

    /// <param name="location">An absolute folder, or scheme://container/prefix.</param>
    IBackupDestination Open(string location, StoreConnections connections);

    /// <summary>
    /// The record of the backup file <paramref name="path"/> names (a sidecar's name means its backup): its record when
    /// listed; null when the file exists without a sidecar (where the kind can tell); BackupNotFound when it is absent.
    /// </summary>
    BackupRecord? Locate(string path, StoreConnections connections);
}
