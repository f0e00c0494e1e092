using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Import;

/// <summary>
/// Reads the SQL text pg_dump writes (a plain-format dump, or what <c>pg_restore -f -</c> prints of a custom one) in
/// one streaming pass: whether it starts with pg_dump's header and ends with its "dump complete" trailer (a dump cut
/// short by a full disk or a killed cron job lacks it), the versions in the header, and the rows of every
/// <c>COPY … FROM stdin;</c> block (one line per row in COPY's text format, so the counts are exact).
/// </summary>
public sealed partial class PgDumpText
{
    public const string Header = "-- PostgreSQL database dump";
    public const string Trailer = "-- PostgreSQL database dump complete";
    public const string ClusterHeader = "-- PostgreSQL database cluster dump";

    public bool HasHeader { get; private set; }
    /// <summary>The trailer was seen, and after it only comments, blank lines and psql's <c>\unrestrict</c>.</summary>
    public bool Complete { get; private set; }
    public bool IsClusterDump { get; private set; }
    /// <summary>"-- Dumped from database version 15.18 (Debian …)" → "15.18 (Debian …)".</summary>
    public string? ServerVersion { get; private set; }
    public string? PgDumpVersion { get; private set; }
    /// <summary>A line that creates or switches databases (pg_dump -C, pg_dumpall): such a dump cannot be loaded into a scratch database.</summary>
    public string? SwitchesDatabase { get; private set; }
    /// <summary>Rows of each COPY block, "schema.table", in dump order.</summary>
    public List<TableRowCount> Tables { get; } = [];
    /// <summary>
    /// The first psql meta-command pg_dump does not write (anything but \restrict, \unrestrict and \connect): "\! rm …"
    /// would run a shell command as the user restoring with psql, so such a file is never fed to psql.
    /// </summary>
    public string? ForeignMetaCommand { get; private set; }
    /// <summary>Tables whose data is in INSERT statements (pg_dump --inserts): not counted.</summary>
    public bool HasInserts { get; private set; }

    /// <summary>True when <paramref name="head"/> (the first bytes of a file) look like a pg_dump plain-format dump.</summary>
    public static bool LooksLikeDump(ReadOnlySpan<byte> head, out bool clusterDump)
    {
        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, 2048)]);
        clusterDump = text.StartsWith("--", StringComparison.Ordinal) && text.Contains(ClusterHeader + "\n", StringComparison.Ordinal);
        return text.StartsWith("--", StringComparison.Ordinal) && text.Contains(Header + "\n", StringComparison.Ordinal);
    }

    public static PgDumpText Scan(string path, CancellationToken cancel)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: false), false, new FileStreamOptions { BufferSize = 1 << 20, Options = FileOptions.SequentialScan });
        return Scan(reader, cancel);
    }

    public static PgDumpText Scan(TextReader reader, CancellationToken cancel)
    {
        var scan = new PgDumpText();
        string? copyTable = null;
        long rows = 0, lineNo = 0;
        var afterTrailer = false;
        while (reader.ReadLine() is { } line)
        {
            if ((++lineNo & 0xFFFF) == 0) cancel.ThrowIfCancellationRequested();
            if (copyTable is not null)
            {
                if (line == "\\.")
                {
                    scan.Tables.Add(new TableRowCount { Name = copyTable, Rows = rows });
                    copyTable = null;
                }
                else rows++;
                continue;
            }
            if (afterTrailer)
            {
                if (line.Length > 0 && !line.StartsWith("--", StringComparison.Ordinal) && !line.StartsWith("\\unrestrict", StringComparison.Ordinal)) afterTrailer = false;
                continue;
            }
            if (line.StartsWith("--", StringComparison.Ordinal))
            {
                if (line == Header && !scan.HasHeader && lineNo <= 3) scan.HasHeader = true;
                else if (line == ClusterHeader) scan.IsClusterDump = true;
                else if (line == Trailer) afterTrailer = true;
                else if (line.StartsWith("-- Dumped from database version ", StringComparison.Ordinal)) scan.ServerVersion ??= line[31..].Trim();
                else if (line.StartsWith("-- Dumped by pg_dump version ", StringComparison.Ordinal)) scan.PgDumpVersion ??= line[29..].Trim();
                continue;
            }
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith(" FROM stdin;", StringComparison.Ordinal))
            {
                copyTable = TableOf(line[5..]);
                rows = 0;
                if (copyTable is null) throw new InvalidDataException($"Line {lineNo}: a COPY statement whose table cannot be read: {Shorten(line)}");
            }
            else if (line.StartsWith("\\connect", StringComparison.Ordinal) || line.StartsWith("CREATE DATABASE ", StringComparison.Ordinal))
                scan.SwitchesDatabase ??= Shorten(line);
            else if (line.StartsWith('\\') && !line.StartsWith("\\restrict ", StringComparison.Ordinal) && !line.StartsWith("\\unrestrict ", StringComparison.Ordinal))
                scan.ForeignMetaCommand ??= Shorten(line);
            else if (line.StartsWith("INSERT INTO ", StringComparison.Ordinal))
                scan.HasInserts = true;
        }
        scan.Complete = afterTrailer && copyTable is null;
        return scan;
    }

    /// <summary>"public.album (albumid, title) FROM stdin;" or "\"My Schema\".\"T\" …" → "public.album" / "My Schema.T".</summary>
    internal static string? TableOf(string text)
    {
        var pos = 0;
        var schema = Identifier(text, ref pos);
        if (schema is null || pos >= text.Length || text[pos] != '.') return null;
        pos++;
        var table = Identifier(text, ref pos);
        return table is null ? null : schema + "." + table;
    }

    private static string? Identifier(string text, ref int pos)
    {
        if (pos >= text.Length) return null;
        if (text[pos] != '"')
        {
            var start = pos;
            while (pos < text.Length && text[pos] is not ('.' or ' ' or '(')) pos++;
            return pos > start ? text[start..pos] : null;
        }
        var sb = new StringBuilder();
        pos++;
        while (pos < text.Length)
        {
            if (text[pos] == '"')
            {
                if (pos + 1 < text.Length && text[pos + 1] == '"') { sb.Append('"'); pos += 2; continue; }
                pos++;
                return sb.ToString();
            }
            sb.Append(text[pos++]);
        }
        return null;
    }

    /// <summary>"15.18 (Debian 15.18-0+deb12u1)" → 150018; "9.6.24" → 90624; 0 when unknown.</summary>
    public static int VersionNum(string? version)
    {
        var m = VersionPattern().Match(version ?? "");
        if (!m.Success) return 0;
        var major = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        var patch = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return major >= 10 ? major * 10000 + minor : major * 10000 + minor * 100 + patch;
    }

    /// <summary>"15.18 (Debian …)" → "15.18".</summary>
    public static string ShortVersion(string? version) => VersionPattern().Match(version ?? "") is { Success: true } m ? m.Value : "";

    [GeneratedRegex(@"^(\d+)(?:\.(\d+))?(?:\.(\d+))?")]
    private static partial Regex VersionPattern();

    private static string Shorten(string line) => line.Length > 120 ? line[..120] + "…" : line;
}
