namespace BackupPS.Engine.Compression;

/// <summary>How the tar stream inside a backup file is compressed.</summary>
public enum CompressionKind
{
    Zstd,
    Gzip,
    None,
}
