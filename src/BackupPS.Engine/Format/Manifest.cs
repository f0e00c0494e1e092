using BackupPS.Engine.Model;

namespace BackupPS.Engine.Format;

/// <summary>
/// manifest.json: the first entry of every backup archive, and (with entry hashes filled in) the heart of its sidecar.
/// Specified in docs/format.md; bump <see cref="CurrentFormatVersion"/> on any incompatible change.
/// </summary>
public sealed class Manifest
{
    /// <summary>The newest format this BackupPS reads.</summary>
    public const int CurrentFormatVersion = EscapedNamesFormatVersion;
    /// <summary>What every backup is written as unless it needs more.</summary>
    public const int BaseFormatVersion = 1;
    /// <summary>Entry names with a newline, carriage return or backslash (escaped checksum lines, GNU long names): only such backups are written as 2, so older readers refuse them cleanly (NewerFormat) and read all others.</summary>
    public const int EscapedNamesFormatVersion = 2;
    public const string EntryName = "manifest.json";
    public const string ChecksumsEntryName = "checksums.sha256";
    public const string DatabaseFolder = "database/";
    public const string FilesFolder = "files/";

    public int FormatVersion { get; set; } = BaseFormatVersion;
    public Guid Id { get; set; }
    public string Engine { get; set; } = "SQLite";
    public string DatabaseName { get; set; } = "";
    public BackupType Type { get; set; }
    public string? Description { get; set; }
    public List<string> Tags { get; set; } = [];
    public DateTimeOffset CreatedUtc { get; set; }
    public string Host { get; set; } = "";
    public string User { get; set; } = "";
    public string Tool { get; set; } = "";
    public string ToolVersion { get; set; } = "";
    public string Compression { get; set; } = "zstd";
    /// <summary>Absolute path of the database when it was backed up; the default restore target.</summary>
    public string? SourcePath { get; set; }
    public SqliteInfo? Sqlite { get; set; }
    /// <summary>True when tables or their rows were left out on purpose (-ExcludeTable / -ExcludeTableData); absent otherwise. Kept in an encrypted backup's redacted sidecar.</summary>
    public bool? Partial { get; set; }
    /// <summary>PostgreSQL backups (engine "PostgreSQL"): server, pg_dump, encoding, extensions; see PostgresManifest.cs.</summary>
    public PostgresInfo? Postgres { get; set; }
    public List<TableRowCount> Tables { get; set; } = [];
    /// <summary>The -IncludePath roots: archive folder under files/ and the absolute path they came from.</summary>
    public List<FileRoot> FileRoots { get; set; } = [];
    public List<ManifestEntry> Entries { get; set; } = [];
    /// <summary>Set when Import-DbBackup made this backup from a file written before BackupPS; see Import/ImportedInfo.cs.</summary>
    public Import.ImportedInfo? Imported { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public ManifestEntry? DatabaseEntry => Entries.FirstOrDefault(e => e.Kind == EntryKind.Database);
}

public sealed class SqliteInfo
{
    public string SqliteVersion { get; set; } = "";
    public int PageSize { get; set; }
    public long PageCount { get; set; }
    public string JournalMode { get; set; } = "";
    public string TextEncoding { get; set; } = "";
    public long UserVersion { get; set; }
    public long ApplicationId { get; set; }
    /// <summary>PRAGMA quick_check of the backed-up image at backup time: "ok", or its first messages; null in backups made before it was recorded.</summary>
    public List<string>? QuickCheck { get; set; }
    /// <summary>The -ExcludeTable / -ExcludeTableData patterns given (absent when none).</summary>
    public List<string>? ExcludeTable { get; set; }
    public List<string>? ExcludeTableData { get; set; }
    /// <summary>The tables those patterns matched: left out of the image with their indexes and triggers / kept with no rows.</summary>
    public List<string>? ExcludedTables { get; set; }
    public List<string>? ExcludedTableData { get; set; }
}

public sealed class TableRowCount
{
    /// <summary>SQLite: the table. PostgreSQL: "schema.table", which two tables can share ("a.b"."c", "a"."b.c"): see <see cref="Schema"/>.</summary>
    public string Name { get; set; } = "";
    public long Rows { get; set; }
    /// <summary>PostgreSQL backups since schema and table are recorded apart: the schema; null in SQLite and older PostgreSQL manifests.</summary>
    public string? Schema { get; set; }
    /// <summary>With <see cref="Schema"/>: the table's own name.</summary>
    public string? Table { get; set; }
    /// <summary>PostgreSQL: the table's OID in the source database, which its TABLE DATA entry in the dump carries (pg_restore --list).</summary>
    public uint? Oid { get; set; }

    /// <summary>A name no two tables share: <see cref="Name"/>, or the quoted "schema"."table" when a part holds a dot, quote or control character.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string DisplayName => Schema is null || Table is null || (Plain(Schema) && Plain(Table))
        ? Name
        : Quote(Schema) + "." + Quote(Table);

    private static bool Plain(string part) => part.Length > 0 && !part.Any(c => c is '.' or '"' || char.IsControl(c));
    private static string Quote(string part) => "\"" + part.Replace("\"", "\"\"") + "\"";
}

public sealed class FileRoot
{
    public string Name { get; set; } = "";
    public string OriginalPath { get; set; } = "";
    public bool IsDirectory { get; set; }
}

public enum EntryKind
{
    Database,
    File,
    Directory,
}

public sealed class ManifestEntry
{
    public string Path { get; set; } = "";
    public EntryKind Kind { get; set; }
    public long Size { get; set; }
    /// <summary>Unix permission bits as an octal string, e.g. "0640".</summary>
    public string Mode { get; set; } = "0600";
    public DateTimeOffset ModifiedUtc { get; set; }
    /// <summary>Known only after the entry is written: absent inside the archive's manifest.json, present in the sidecar and checksums.sha256.</summary>
    public string? Sha256 { get; set; }
}
