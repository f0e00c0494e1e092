namespace BackupPS.Engine.Format;

/// <summary>Facts of a PostgreSQL backup, recorded in the manifest under "postgres". No password, ever.</summary>
public sealed class PostgresInfo
{
    /// <summary>server_version of the source server, e.g. "15.18 (Debian 15.18-0+deb12u1)".</summary>
    public string ServerVersion { get; set; } = "";
    public int ServerVersionNum { get; set; }
    /// <summary>Version of the pg_dump that wrote the dump, e.g. "15.18".</summary>
    public string PgDumpVersion { get; set; } = "";
    /// <summary>"custom": pg_dump -Fc -Z0 in one entry database/&lt;db&gt;.pgdump; "directory": pg_dump -Fd -Z0 -j N, one entry per file under database/&lt;db&gt;.pgdir/ (the archive's zstd compresses them).</summary>
    public string DumpFormat { get; set; } = "custom";
    /// <summary>pg_database_size at backup time.</summary>
    public long DatabaseSizeBytes { get; set; }
    public string Encoding { get; set; } = "";
    public string Collation { get; set; } = "";
    public string Ctype { get; set; } = "";
    public string? Owner { get; set; }
    public List<PostgresExtension> Extensions { get; set; } = [];
    /// <summary>True: the table row counts were taken by count(*) inside the dump's own snapshot (exact).</summary>
    public bool RowCountsExact { get; set; }
    public List<string> ExcludeTable { get; set; } = [];
    public List<string> ExcludeTableData { get; set; } = [];
    /// <summary>The large objects in the dump, counted and hashed in its snapshot; null in backups made before they were recorded.</summary>
    public PostgresLargeObjectsInfo? LargeObjects { get; set; }
    /// <summary>Set when the backup holds database/globals.sql (pg_dumpall --globals-only): what it covers.</summary>
    public string? Globals { get; set; }
    /// <summary>Owner-independent database-level properties (locale provider, ACL, comment, settings…); absent in backups made before BackupPS captured them.</summary>
    public PostgresDatabaseInfo? Database { get; set; }
}

public sealed class PostgresExtension
{
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
}

/// <summary>
/// pg_largeobject_metadata in the dump's snapshot: how many, their total size, and a SHA-256 that psql can recompute:
/// sha256 of the lines "&lt;oid&gt; &lt;hex sha256 of its content&gt;\n" in OID order (pg_dump keeps the OIDs).
/// </summary>
public sealed class PostgresLargeObjectsInfo
{
    public long Count { get; set; }
    public long Bytes { get; set; }
    public string Sha256 { get; set; } = "";
}
