using System.Text;

namespace BackupPS.Engine.Sources;

/// <summary>
/// Database names BackupPS derives or passes on. PostgreSQL keeps at most 63 BYTES of a name (NAMEDATALEN - 1) and cuts
/// longer ones silently, so derived names (scratch, old, throwaway) are built from a prefix bounded in bytes, never in
/// characters: 30 bytes + "_backupps_restore_" + 8 hex digits = 56 bytes, whatever the script of the name.
/// </summary>
internal static class PostgresDatabaseNames
{
    public const int MaxBytes = 63;
    private const int PrefixBytes = 30;

    /// <summary>The longest start of <paramref name="name"/> of at most 30 UTF-8 bytes that ends on a character boundary.</summary>
    public static string Prefix(string name)
    {
        var sb = new StringBuilder();
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > PrefixBytes) break;
            sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    /// <summary>A name BackupPS generates for <paramref name="database"/>: &lt;prefix&gt;_backupps_&lt;kind&gt;_&lt;id&gt;, at most 63 bytes.</summary>
    public static string Derived(string database, string kind, string shortId) => $"{Prefix(database)}_backupps_{kind}_{shortId}";

    /// <summary>A LIKE pattern matching the names <see cref="Derived"/> makes for <paramref name="database"/> and <paramref name="kind"/>.</summary>
    public static string DerivedPattern(string database, string kind) =>
        LikeEscape(Prefix(database)) + LikeEscape($"_backupps_{kind}_") + "%";

    private static string LikeEscape(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>A name PostgreSQL would cut (over 63 bytes) is refused: the restore would create or replace another database.</summary>
    public static void EnsureValid(string database, string where)
    {
        var bytes = Encoding.UTF8.GetByteCount(database);
        if (bytes > MaxBytes || database.Contains('\0'))
            throw new BackupException("InvalidDatabaseName", BackupErrorKind.InvalidArgument,
                $"The database name '{database}' is {bytes} bytes long in UTF-8; PostgreSQL keeps at most {MaxBytes} bytes of a name and would silently cut it. Give a shorter target name.", where);
    }

    /// <summary>
    /// The value for a client program's --dbname: a conninfo string "dbname='…'", because libpq reads a --dbname that
    /// contains '=' (or starts with postgres://) as a connection string, not as a name.
    /// </summary>
    public static string ConnInfo(string database) => "dbname='" + database.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
