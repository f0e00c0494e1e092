using System.Globalization;
using System.Text;

namespace BackupPS.Engine.Metrics;

/// <summary>One sample of the Prometheus text exposition format: name{labels} value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value)
{
    public string? Label(string name) => Labels.FirstOrDefault(l => l.Key == name).Value;

    public string LabelText() => Labels.Count == 0 ? "" :
        "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{PrometheusTextFile.EscapeLabelValue(l.Value)}\"")) + "}";
}

/// <summary>A metric family: its samples with the # HELP and # TYPE lines that precede them.</summary>
public sealed record PrometheusFamily(string Name, string Type, string Help);

/// <summary>
/// Reads and writes textfile-collector files (node_exporter --collector.textfile.directory): the text exposition
/// format, one family after another with # HELP and # TYPE lines, label values escaped (\\, \", \n).
/// </summary>
public static class PrometheusTextFile
{
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");

    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The samples of a file; comment and blank lines are skipped, a line that is not a sample throws FormatException.</summary>
    public static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            samples.Add(ParseSample(line) ?? throw new FormatException($"Line {lineNumber} is not a Prometheus sample: {line}"));
        }
        return samples;
    }

    private static PrometheusSample? ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':')) i++;
        if (i == 0 || char.IsAsciiDigit(line[0])) return null;
        var name = line[..i];
        var labels = new List<KeyValuePair<string, string>>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}') { i++; break; }
                var start = i;
                while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_')) i++;
                if (i == start || i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"') return null;
                var key = line[start..i];
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) return null;
                    var c = line[i++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (i >= line.Length) return null;
                        var e = line[i++];
                        value.Append(e switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => '\0' });
                        if (e is not ('n' or '\\' or '"')) return null;
                    }
                    else value.Append(c);
                }
                labels.Add(new(key, value.ToString()));
                if (i < line.Length && line[i] == ',') i++;
                else if (i >= line.Length || line[i] != '}') return null;
            }
        }
        if (i >= line.Length || line[i] != ' ') return null;
        var rest = line[(i + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2) return null;
        double v;
        if (rest[0] is "+Inf" or "Inf") v = double.PositiveInfinity;
        else if (rest[0] == "-Inf") v = double.NegativeInfinity;
        else if (rest[0] == "NaN") v = double.NaN;
        else if (!double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out v)) return null;
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) return null;
        return new PrometheusSample(name, labels, v);
    }

    /// <summary>
    /// The text of a file: each family in <paramref name="families"/> order with its HELP and TYPE lines and its samples
    /// (sorted by labels), then samples of names not in <paramref name="families"/>, as they were.
    /// </summary>
    public static string Render(IReadOnlyList<PrometheusFamily> families, IEnumerable<PrometheusSample> samples)
    {
        var sb = new StringBuilder();
        var all = samples.ToList();
        foreach (var family in families)
        {
            var mine = all.Where(s => s.Name == family.Name).OrderBy(s => s.LabelText(), StringComparer.Ordinal).ToList();
            if (mine.Count == 0) continue;
            sb.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            sb.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var s in mine) sb.Append(s.Name).Append(s.LabelText()).Append(' ').Append(FormatValue(s.Value)).Append('\n');
        }
        foreach (var group in all.Where(s => families.All(f => f.Name != s.Name)).GroupBy(s => s.Name))
            foreach (var s in group) sb.Append(s.Name).Append(s.LabelText()).Append(' ').Append(FormatValue(s.Value)).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> atomically with what <paramref name="update"/> makes of its current samples:
    /// under an exclusive lock on &lt;path&gt;.lock (other writers wait, up to 30 s), the new text goes to a hidden temp file
    /// in the same folder (not ending in .prom, so the collector never reads it half-written), fsync, rename over the file.
    /// The file is 0644: node_exporter usually runs as another user.
    /// </summary>
    public static void Update(string path, Func<List<PrometheusSample>, string> update)
    {
        path = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        lock (ProcessLocks.GetOrAdd(path, _ => new object()))
        {
            using var lockFile = Lock(path + ".lock");
            Write(path, folder, update);
        }
    }

    // Threads of this process queue here; the lock file is for other processes.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> ProcessLocks = new(StringComparer.Ordinal);

    private static void Write(string path, string folder, Func<List<PrometheusSample>, string> update)
    {
        var current = new List<PrometheusSample>();
        if (File.Exists(path))
        {
            try { current = Parse(File.ReadAllText(path)); }
            catch (FormatException) { current = []; } // not ours or damaged: start afresh rather than never write again
        }
        var text = update(current);
        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            Native.PosixFs.SyncDirectory(folder);
        }
        finally
        {
            FileSystemSecurity.DeleteQuietly(temp);
        }
    }

    private static FileStream Lock(string lockPath)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var delay = 5;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (ex is not DirectoryNotFoundException && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(delay, delay * 2));
                delay = Math.Min(delay * 2, 100);
            }
        }
    }
}
