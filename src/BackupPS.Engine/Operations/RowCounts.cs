using BackupPS.Engine.Format;

namespace BackupPS.Engine.Operations;

/// <summary>Compares the per-table row counts of a manifest with those of a database.</summary>
internal static class RowCounts
{
    public static List<string> Compare(IReadOnlyList<TableRowCount> expected, IReadOnlyList<TableRowCount> actual)
    {
        // Schema and table apart when the manifest has them; older PostgreSQL manifests know only "schema.table", which
        // two tables can share ("a.b"."c" and "a"."b.c"): those are matched in order, never by a dictionary that throws.
        var byParts = expected.All(t => t.Schema is not null && t.Table is not null);
        string Key(TableRowCount t) => byParts && t.Schema is not null ? t.Schema + "\0" + t.Table : t.Name;
        var found = new Dictionary<string, Queue<TableRowCount>>(StringComparer.Ordinal);
        foreach (var table in actual)
        {
            if (!found.TryGetValue(Key(table), out var queue)) found[Key(table)] = queue = new Queue<TableRowCount>();
            queue.Enqueue(table);
        }
        var problems = new List<string>();
        foreach (var table in expected)
        {
            if (!found.TryGetValue(Key(table), out var queue) || !queue.TryDequeue(out var restored)) problems.Add($"table '{table.DisplayName}' is missing");
            else if (restored.Rows != table.Rows) problems.Add($"table '{table.DisplayName}' has {restored.Rows} rows, the manifest says {table.Rows}");
        }
        problems.AddRange(found.Values.SelectMany(q => q).Select(t => $"table '{t.DisplayName}' is not in the manifest"));
        return problems;
    }
}
