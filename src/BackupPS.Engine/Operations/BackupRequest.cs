using BackupPS.Engine.Compression;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>What New-DbBackup asks for.</summary>
public sealed class BackupRequest
{
    public string? DatabasePath { get; init; }
    public IReadOnlyList<string> IncludePaths { get; init; } = [];
    /// <summary>A folder (resolved) or s3://bucket/prefix; see <see cref="Stores"/>.</summary>
    public required string Destination { get; init; }
    /// <summary>How to reach an s3:// Destination.</summary>
    public Destinations.StoreConnections? Stores { get; init; }
    /// <summary>An already open destination (e.g. the S3 store a restored backup came from); overrides Destination.</summary>
    public Destinations.IBackupDestination? Target { get; init; }
    /// <summary>Null: Database without IncludePaths, Full with IncludePaths and a database, Files with IncludePaths only.</summary>
    public BackupType? Type { get; init; }
    /// <summary>Name of a files-only backup (defaults to the first included folder's name).</summary>
    public string? Name { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public CompressionKind Compression { get; init; } = CompressionKind.Zstd;
    public int? CompressionLevel { get; init; }
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Back up a database whose quick_check fails (recorded in the manifest, with a warning) instead of refusing it.</summary>
    public bool AllowDamaged { get; init; }
    /// <summary>Tables (pg_dump-style patterns) left out of the SQLite snapshot entirely, with their indexes and triggers.</summary>
    public IReadOnlyList<string> ExcludeTable { get; init; } = [];
    /// <summary>Tables (patterns) whose schema is kept but none of whose rows are backed up.</summary>
    public IReadOnlyList<string> ExcludeTableData { get; init; } = [];
    /// <summary>Encrypt for these recipients (passphrase and/or certificates' public keys); null: not encrypted.</summary>
    public Encryption.KeyRing? Encryption { get; init; }
}
