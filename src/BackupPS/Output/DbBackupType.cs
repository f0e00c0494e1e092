namespace BackupPS;

/// <summary>What a backup holds (mirrors the engine's type, so parameter binding never loads the engine early).</summary>
public enum DbBackupType
{
    Full,
    Database,
    Files,
    PreRestore,
}

/// <summary>How a new backup is compressed.</summary>
public enum DbBackupCompression
{
    Zstd,
    Gzip,
    None,
}
