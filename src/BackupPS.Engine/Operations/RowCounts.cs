using BackupPS.Engine.Format;

namespace BackupPS.Engine.Operations;

/// <summary>Compares the per-table row counts of a manifest with those of a database.</summary>
internal static class RowCounts
{
    public static List<string> Compare(IReadOnlyList<TableRowCount> expected, IReadOnlyList<TableRowCount> actual)
    {
        var found = actual.ToDictionary(t => t.Name, t => t.Rows, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var table in expected)
        {
            if (!found.Remove(table.Name, out var rows)) problems.Add($"table '{table.Name}' is missing");
            else if (rows != table.Rows) problems.Add($"table '{table.Name}' has {rows} rows, the manifest says {table.Rows}");
        }
        problems.AddRange(found.Keys.Select(name => $"table '{name}' is not in the manifest"));
        return problems;
    }
}
