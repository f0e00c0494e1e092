namespace BackupPS.Engine.Import;

/// <summary>
/// Manifest block "imported": set on a backup that Import-DbBackup made from a file written before BackupPS (a plain or
/// compressed SQLite copy, a pg_dump file). Optional: absent on every other backup, ignored by readers that predate it.
/// </summary>
public sealed class ImportedInfo
{
    /// <summary>Absolute path of the original file when it was imported (never modified or removed by the import).</summary>
    public string? OriginalPath { get; set; }
    public string OriginalFileName { get; set; } = "";
    /// <summary>SHA-256 of the original file as it was read: how a second import of the same file is recognised.</summary>
    public string OriginalSha256 { get; set; } = "";
    /// <summary>What the original was, e.g. "sqlite", "sqlite+gzip", "pg_dump-custom", "pg_dump-plain+gzip".</summary>
    public string OriginalFormat { get; set; } = "";
    public long OriginalSizeBytes { get; set; }
    public DateTimeOffset ImportedUtc { get; set; }
    /// <summary>A GPG-encrypted original: the metadata file read beside it (optional; absent when there was none).</summary>
    public string? MetadataFile { get; set; }
    /// <summary>Which bytes the metadata's checksum_sha256 matched: "encrypted file" or "decrypted database" (absent: no checksum).</summary>
    public string? MetadataChecksumOf { get; set; }
}
