namespace BackupPS.Engine.Format;

/// <summary>
/// &lt;backup file&gt;.json beside each backup: the manifest with every entry's SHA-256, plus the SHA-256 and size of the
/// whole backup file and the last verification, so listing and quick integrity checks never open the archive.
/// </summary>
public sealed class Sidecar
{
    public const int CurrentSidecarVersion = 1;
    public const string Suffix = ".json";

    public int SidecarVersion { get; set; } = CurrentSidecarVersion;
    public string BackupFile { get; set; } = "";
    public long SizeBytes { get; set; }
    public string Sha256 { get; set; } = "";
    public bool Encrypted { get; set; }
    /// <summary>Encrypted backups only (their sidecar manifest has no entries): the database's and all entries' size in bytes.</summary>
    public long? DatabaseSizeBytes { get; set; }
    public long? SourceSizeBytes { get; set; }
    public DateTimeOffset? LastVerifiedUtc { get; set; }
    public bool? LastVerificationPassed { get; set; }
    /// <summary>PostgreSQL: when Test-DbBackup -RestoreTest last restored this backup into a throwaway database, and whether it passed.</summary>
    public DateTimeOffset? RestoreTestedUtc { get; set; }
    public bool? RestoreTestPassed { get; set; }
    /// <summary>
    /// SQLite, plain backups: the SHA-256 of the database image (as extracted) that last passed PRAGMA integrity_check and
    /// the row counts, and when. A restore whose extracted image has exactly this SHA-256 reuses the check instead of
    /// running it again; any other image is checked in full. Not written for encrypted backups (a plaintext hash).
    /// </summary>
    public string? IntegrityCheckedSha256 { get; set; }
    public DateTimeOffset? IntegrityCheckedUtc { get; set; }
    public Manifest Manifest { get; set; } = new();
}
