using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Health;

/// <summary>
/// Which backups in a destination are backups of a given database (for Get-DbHealth's LastBackup/LastVerifiedBackup).
/// A backup counts when it is a Database or Full backup (not a Files-only backup, not a PreRestore safety copy) of the
/// same engine and
/// <list type="bullet">
/// <item>its manifest records a source (SourcePath): SQLite — the same full path (ordinal, as the file system);
/// PostgreSQL — the same database on the same server (host case-insensitive, loopback names and socket folders count as
/// one local host; port equal; the user does not matter);</item>
/// <item>its sidecar hides the source (an encrypted backup): its database name equals the name New-DbBackup gives this
/// database (SQLite: the file name without extension, PostgreSQL: the database name; made file-name-safe;
/// case-insensitive, as Get-DbBackup -DatabaseName). A backup made with -Name of an encrypted database is not found.</item>
/// </list>
/// </summary>
public static class BackupMatching
{
    public static string SqliteName(string fullPath) => BackupNaming.SafeName(Path.GetFileNameWithoutExtension(fullPath));

    public static string PostgresName(PostgresConnectionInfo connection) => BackupNaming.SafeName(connection.Database);

    public static IEnumerable<BackupRecord> OfSqlite(IEnumerable<BackupRecord> records, string fullPath)
    {
        var name = SqliteName(fullPath);
        return records.Where(r => IsDatabaseBackup(r, "SQLite") && (r.Manifest.SourcePath is { Length: > 0 } source
            ? string.Equals(source, fullPath, StringComparison.Ordinal)
            : string.Equals(r.DatabaseName, name, StringComparison.OrdinalIgnoreCase)));
    }

    public static IEnumerable<BackupRecord> OfPostgres(IEnumerable<BackupRecord> records, PostgresConnectionInfo connection)
    {
        var name = PostgresName(connection);
        return records.Where(r => IsDatabaseBackup(r, "PostgreSQL") && (r.Manifest.SourcePath is { Length: > 0 } source
            ? SameServerDatabase(source, connection)
            : string.Equals(r.DatabaseName, name, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Fills LastBackup and LastVerifiedBackup from the matching backups.</summary>
    public static void Apply(HealthReport report, IEnumerable<BackupRecord> matching)
    {
        var newestFirst = matching.OrderByDescending(r => r.CreatedUtc).ThenBy(r => r.Path, StringComparer.Ordinal).ToList();
        report.LastBackup = newestFirst.FirstOrDefault();
        report.LastVerifiedBackup = newestFirst.FirstOrDefault(r => r.LastVerifiedUtc is not null);
    }

    private static bool IsDatabaseBackup(BackupRecord r, string engine) =>
        r.Type is BackupType.Database or BackupType.Full && string.Equals(r.Engine, engine, StringComparison.OrdinalIgnoreCase);

    private static bool SameServerDatabase(string source, PostgresConnectionInfo connection)
    {
        PostgresConnectionInfo recorded;
        try { recorded = PostgresConnectionInfo.Parse(source); }
        catch (BackupException) { return false; }
        return string.Equals(recorded.Database, connection.Database, StringComparison.Ordinal)
            && recorded.Port == connection.Port
            && string.Equals(HostKey(recorded.Host), HostKey(connection.Host), StringComparison.OrdinalIgnoreCase);
    }

    private static string HostKey(string host) =>
        host.StartsWith('/') || host is "localhost" or "127.0.0.1" or "::1" or "" ? "(local)" : host;
}
