using System.Text.RegularExpressions;

namespace BackupPS.Engine.Operations;

/// <summary>
/// What a custom or directory dump's table of contents (pg_restore --list) holds data for. A TABLE DATA or MATERIALIZED
/// VIEW DATA line carries the table's OID ("id; 0 oid TABLE DATA schema name owner"; a TABLE line "id; 1259 oid TABLE …",
/// 1259 being pg_class): matched by OID, because the names
/// are printed unquoted (newlines as spaces), so "my schema"."t" and "my"."schema t" look alike.
/// </summary>
internal sealed partial class PostgresDumpToc
{
    /// <summary>OIDs (in the source database) of the tables and materialized views whose data is in the dump.</summary>
    public HashSet<uint> DataOids { get; } = [];
    /// <summary>The same entries as "schema.name" as pg_restore prints them: only for manifests written before OIDs were recorded.</summary>
    public HashSet<string> DataNames { get; } = new(StringComparer.Ordinal);
    /// <summary>OIDs of the tables (and partitioned tables) the dump creates: its TABLE entries.</summary>
    public HashSet<uint> TableOids { get; } = [];
    /// <summary>True when the dump holds large objects' data (a BLOBS entry).</summary>
    public bool HasLargeObjects { get; private set; }

    [GeneratedRegex(@"^\d+; 0 (\d+) (TABLE DATA|MATERIALIZED VIEW DATA) (.*)$")]
    private static partial Regex DataLine();

    [GeneratedRegex(@"^\d+; 1259 (\d+) TABLE ")]
    private static partial Regex TableLine();

    [GeneratedRegex(@"^\d+; \d+ \d+ BLOBS ")]
    private static partial Regex BlobsLine();

    public static PostgresDumpToc Parse(string list)
    {
        var toc = new PostgresDumpToc();
        foreach (var raw in list.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(';')) continue;
            if (BlobsLine().IsMatch(line)) { toc.HasLargeObjects = true; continue; }
            if (TableLine().Match(line) is { Success: true } table)
            {
                toc.TableOids.Add(uint.Parse(table.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                continue;
            }
            var m = DataLine().Match(line);
            if (!m.Success) continue;
            toc.DataOids.Add(uint.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            // Legacy "schema name owner" split: first and last space (what manifests before OIDs were matched against).
            var rest = m.Groups[3].Value.TrimEnd();
            var lastSpace = rest.LastIndexOf(' ');
            if (lastSpace > 0) rest = rest[..lastSpace];
            var firstSpace = rest.IndexOf(' ');
            if (firstSpace > 0) toc.DataNames.Add(rest[..firstSpace] + "." + rest[(firstSpace + 1)..]);
        }
        return toc;
    }

    /// <summary>True when the dump holds the data of <paramref name="table"/> of a manifest (by OID when recorded).</summary>
    public bool HasData(Format.TableRowCount table) => table.Oid is { } oid ? DataOids.Contains(oid) : DataNames.Contains(table.Name);
}
