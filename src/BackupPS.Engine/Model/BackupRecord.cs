using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Model;

/// <summary>A backup as its destination knows it: the backup file, what its sidecar says of it, and where it lives.</summary>
public sealed class BackupRecord(string path, Sidecar sidecar, IBackupDestination? destination = null)
{
    private IBackupDestination? _destination = destination;

    public string Path { get; } = path;
    public string SidecarPath => BackupNaming.SidecarPath(Path);
    public Sidecar Sidecar { get; } = sidecar;
    public Manifest Manifest => Sidecar.Manifest;

    /// <summary>The destination that holds this backup (a local record made from a path gets its folder).</summary>
    public IBackupDestination Destination => _destination ??= new LocalFolderDestination(System.IO.Path.GetDirectoryName(Path)!);

    /// <summary>The backup file's name within its destination.</summary>
    public string FileName => string.IsNullOrEmpty(Sidecar.BackupFile) ? Path[(Path.LastIndexOfAny(['/', '\\']) + 1)..] : Sidecar.BackupFile;

    public Guid Id => Manifest.Id;
    public string DatabaseName => Manifest.DatabaseName;
    public string Engine => Manifest.Engine;
    public BackupType Type => Manifest.Type;
    public DateTimeOffset CreatedUtc => Manifest.CreatedUtc;
    public long SizeBytes => Sidecar.SizeBytes;
    public string Sha256 => Sidecar.Sha256;
    public bool Encrypted => Sidecar.Encrypted;
    public string? Description => Manifest.Description;
    public IReadOnlyList<string> Tags => Manifest.Tags;
    public DateTimeOffset? LastVerifiedUtc => Sidecar.LastVerifiedUtc;
    public bool? LastVerificationPassed => Sidecar.LastVerificationPassed;
    public long DatabaseSizeBytes => Manifest.Entries.Any(e => e.Kind == Format.EntryKind.Database)
        ? Manifest.Entries.Where(e => e.Kind == Format.EntryKind.Database).Sum(e => e.Size)
        : Sidecar.DatabaseSizeBytes ?? 0; // an encrypted backup's sidecar lists no entries
    public long TotalSourceBytes => Sidecar.SourceSizeBytes ?? Manifest.Entries.Sum(e => e.Size);
}
