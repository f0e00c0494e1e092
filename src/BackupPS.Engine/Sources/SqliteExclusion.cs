using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace BackupPS.Engine.Sources;

/// <summary>
/// -ExcludeTable / -ExcludeTableData for a SQLite backup: which tables the patterns name, whether leaving a table out
/// would break an object that stays (a view, another table's trigger, a foreign key), and the removal of their rows
/// from a private copy of the snapshot. Patterns work as pg_dump's: <c>*</c> any run of characters, <c>?</c> one, an
/// optional <c>main.</c> schema; matched case-insensitively, as SQLite resolves names.
/// </summary>
public sealed class SqliteExclusion
{
    public SqliteExclusion(IReadOnlyList<string> tablePatterns, IReadOnlyList<string> dataPatterns)
    {
        TablePatterns = tablePatterns;
        DataPatterns = dataPatterns;
    }

    public IReadOnlyList<string> TablePatterns { get; }
    public IReadOnlyList<string> DataPatterns { get; }
    public bool IsEmpty => TablePatterns.Count == 0 && DataPatterns.Count == 0;

    /// <summary>The tables the patterns matched in the snapshot, sorted: left out entirely, and kept empty.</summary>
    public List<string> Tables { get; private set; } = [];
    public List<string> DataTables { get; private set; } = [];

    /// <summary>
    /// Matches the patterns against the source's tables (inside its read transaction) and refuses an exclusion that
    /// would leave a kept object referring to a table that is gone. Patterns that match nothing are warned about: a
    /// typo must not put the rows it meant to keep out into the backup silently.
    /// </summary>
    public void Resolve(SqliteConnection source, string sourcePath, OperationContext context)
    {
        var tables = ExcludableTables(source);
        Tables = Match(TablePatterns, tables, "-ExcludeTable", sourcePath, context);
        // A table left out entirely has no data to keep out (as pg_dump: --exclude-table wins).
        DataTables = Match(DataPatterns, tables, "-ExcludeTableData", sourcePath, context).Except(Tables, StringComparer.OrdinalIgnoreCase).ToList();
        if (Tables.Count == 0) return;
        var dependents = ForeignKeysInto(source, tables).Concat(ViewsAndTriggersUsing(source)).ToList();
        if (dependents.Count > 0)
            throw new BackupException("ExcludedTableInUse", BackupErrorKind.InvalidArgument,
                $"-ExcludeTable would leave objects of '{sourcePath}' referring to a table that is not in the backup: {string.Join("; ", dependents)}. Exclude those too, or keep the table's schema with -ExcludeTableData instead; nothing was written.", sourcePath);
    }

    /// <summary>
    /// Takes the excluded rows and tables out of <paramref name="image"/> (a private copy), with triggers and foreign-key
    /// actions off so no kept row changes, then VACUUMs it: the image is rebuilt from the rows that remain, so no freed
    /// page still holds an excluded row.
    /// </summary>
    public void Apply(SqliteConnection image, OperationContext context)
    {
        if (Tables.Count == 0 && DataTables.Count == 0) return;
        var db = image.Handle!;
        Check(SQLitePCL.raw.sqlite3_db_config(db, SQLitePCL.raw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, out _), "disable triggers");
        Check(SQLitePCL.raw.sqlite3_db_config(db, SQLitePCL.raw.SQLITE_DBCONFIG_ENABLE_FKEY, 0, out _), "disable foreign keys");
        var hasStat1 = SqliteDatabase.Scalar<long>(image, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'") > 0;
        using (var transaction = image.BeginTransaction())
        {
            foreach (var table in DataTables)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                context.Verbose($"Leaving the rows of '{table}' out of the snapshot copy.");
                SqliteDatabase.Execute(image, $"DELETE FROM {SqliteDatabase.QuoteIdentifier(table)}");
                // ANALYZE's statistics describe rows that are not there (and would tell how many there were).
                if (hasStat1) SqliteDatabase.Execute(image, $"DELETE FROM sqlite_stat1 WHERE tbl = '{table.Replace("'", "''")}'");
            }
            foreach (var table in Tables)
            {
                context.Verbose($"Leaving '{table}' (with its indexes and triggers) out of the snapshot copy.");
                SqliteDatabase.Execute(image, $"DROP TABLE {SqliteDatabase.QuoteIdentifier(table)}");
            }
            transaction.Commit();
        }
        context.Verbose("VACUUM of the snapshot copy, so no free page keeps an excluded row.");
        using var vacuum = image.CreateCommand();
        vacuum.CommandText = "VACUUM";
        vacuum.CommandTimeout = 0;
        vacuum.ExecuteNonQuery();
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new InvalidOperationException($"SQLite could not {what} on the snapshot copy (error {rc}).");
    }

    /// <summary>Ordinary and virtual tables of the main schema; shadow tables go with their virtual table.</summary>
    private static List<string> ExcludableTables(SqliteConnection connection)
    {
        var tables = new List<string>();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
        using var reader = command.ExecuteReader();
        while (reader.Read()) tables.Add(reader.GetString(0));
        return tables;
    }

    private static List<string> Match(IReadOnlyList<string> patterns, List<string> tables, string parameter, string sourcePath, OperationContext context)
    {
        var matched = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pattern in patterns)
        {
            var regex = ToRegex(pattern);
            var hits = tables.Where(t => regex.IsMatch(t)).ToList();
            if (hits.Count == 0) context.Warning($"{parameter} '{pattern}' matches no table of '{sourcePath}'; nothing is excluded for it.");
            matched.UnionWith(hits);
        }
        return [.. matched];
    }

    /// <summary>A pg_dump-style table pattern as an anchored regex: "main." stripped, * and ? wildcards, quotes removed.</summary>
    internal static Regex ToRegex(string pattern)
    {
        var name = pattern.Trim();
        if (name.StartsWith("main.", StringComparison.OrdinalIgnoreCase)) name = name[5..];
        else if (name.StartsWith("\"main\".", StringComparison.OrdinalIgnoreCase)) name = name[7..];
        var body = new System.Text.StringBuilder("^");
        foreach (var c in name.Replace("\"", "", StringComparison.Ordinal))
            body.Append(c switch { '*' => ".*", '?' => ".", _ => Regex.Escape(c.ToString()) });
        return new Regex(body.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private IEnumerable<string> ForeignKeysInto(SqliteConnection source, List<string> tables)
    {
        var excluded = new HashSet<string>(Tables, StringComparer.OrdinalIgnoreCase);
        foreach (var table in tables.Where(t => !excluded.Contains(t)))
        {
            using var command = source.CreateCommand();
            command.CommandText = "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($t)";
            command.Parameters.AddWithValue("$t", table);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                if (excluded.Contains(reader.GetString(0)))
                    yield return $"foreign key of table '{table}' references '{reader.GetString(0)}'";
        }
    }

    /// <summary>
    /// Views, and triggers of kept tables, that name an excluded table. SQLite resolves no names when a view or trigger
    /// is created, so its own parser judges: the schema without the excluded tables is replayed into an in-memory
    /// database and a table rename there makes SQLite re-check every view and trigger ("error in view v: no such table").
    /// </summary>
    private IEnumerable<string> ViewsAndTriggersUsing(SqliteConnection source)
    {
        var excluded = new HashSet<string>(Tables, StringComparer.OrdinalIgnoreCase);
        var objects = new List<(string Type, string Name, string Table, string Sql)>();
        using (var command = source.CreateCommand())
        {
            command.CommandText = "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid";
            using var reader = command.ExecuteReader();
            while (reader.Read()) objects.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }
        var shadow = ShadowTables(source);
        using var probe = new SqliteConnection("Data Source=:memory:");
        probe.Open();
        // Tables first (virtual tables may need a module this process lacks: then views on them cannot be judged).
        foreach (var o in objects.Where(o => o.Type == "table" && !excluded.Contains(o.Name) && !shadow.Contains(o.Name)))
            TryExecute(probe, o.Sql);
        var kept = objects.Where(o => o.Type != "table" && !excluded.Contains(o.Table)).ToList();
        foreach (var o in kept) TryExecute(probe, o.Sql);
        SqliteDatabase.Execute(probe, "CREATE TABLE backupps_probe (x)");
        var found = new List<string>();
        for (var round = 0; round <= kept.Count; round++)
        {
            try
            {
                SqliteDatabase.Execute(probe, "ALTER TABLE backupps_probe RENAME TO backupps_probe_renamed");
                break;
            }
            catch (SqliteException) when (ParseRenameError(SQLitePCL.raw.sqlite3_errmsg(probe.Handle).utf8_to_string()) is var (type, name, missing))
            {
                var o = kept.FirstOrDefault(k => k.Type == type && string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));
                if (o.Name is null) break;
                if (missing is not null && excluded.Contains(missing))
                    found.Add(type == "view" ? $"view '{o.Name}' uses '{missing}'" : $"trigger '{o.Name}' of table '{o.Table}' uses '{missing}'");
                // Judge the others without it (an error that is not about an excluded table is not ours to report).
                SqliteDatabase.Execute(probe, $"DROP {type.ToUpperInvariant()} {SqliteDatabase.QuoteIdentifier(o.Name)}");
            }
        }
        return found;
    }

    private static HashSet<string> ShadowTables(SqliteConnection source)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var command = source.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'";
        using var reader = command.ExecuteReader();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    private static void TryExecute(SqliteConnection connection, string sql)
    {
        try { SqliteDatabase.Execute(connection, sql); }
        catch (SqliteException) { }
    }

    private static readonly Regex RenameError = new(@"^error in (view|trigger) (.+?): (?:no such table: (?:main\.)?(.+)|.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    private static (string Type, string Name, string? Missing)? ParseRenameError(string message)
    {
        var m = RenameError.Match(message);
        if (!m.Success) return null;
        return (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Success ? m.Groups[3].Value.Trim() : null);
    }
}
