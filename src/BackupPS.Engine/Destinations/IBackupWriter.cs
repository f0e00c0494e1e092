using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// A backup file being written to a destination. Nothing is listed until <see cref="Complete"/> has made the file
/// durable and then written its sidecar; <see cref="IDisposable.Dispose"/> without Complete (a failure, a cancel)
/// removes what was written (local: the .partial file; S3: aborts the multipart upload).
/// </summary>
public interface IBackupWriter : IDisposable
{
    /// <summary>The backup file's display path once complete.</summary>
    string Path { get; }

    /// <summary>Where the backup file's bytes go, in order. Not seekable.</summary>
    Stream Stream { get; }

    /// <summary>Makes the file durable and visible, then writes its sidecar (last); returns the listed backup.</summary>
    BackupRecord Complete(Sidecar sidecar);
}
