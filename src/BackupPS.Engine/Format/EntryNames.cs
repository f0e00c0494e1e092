using System.Text;

namespace BackupPS.Engine.Format;

/// <summary>
/// Entry names that need more than plain text: a newline, carriage return or backslash. Such a name makes the
/// manifest format 2 (docs/format.md) and is written to checksums.sha256 in GNU sha256sum's escaped form: the line
/// starts with '\' and the name has '\\', '\n' and '\r' for those characters, which `sha256sum -c` reads back.
/// </summary>
internal static class EntryNames
{
    public static bool NeedsEscaping(string name) => name.AsSpan().IndexOfAny('\n', '\r', '\\') >= 0;

    /// <summary>The lowest manifest format that can hold these entries.</summary>
    public static int FormatVersionFor(IEnumerable<ManifestEntry> entries) =>
        entries.Any(e => NeedsEscaping(e.Path)) ? Manifest.EscapedNamesFormatVersion : Manifest.BaseFormatVersion;

    /// <summary>One checksums.sha256 line, with its '\n'.</summary>
    public static string ChecksumLine(string sha256, string name) =>
        NeedsEscaping(name) ? "\\" + sha256 + "  " + Escape(name) + "\n" : sha256 + "  " + name + "\n";

    /// <summary>Reads one checksums.sha256 line (without its '\n'); false when it is not of that form.</summary>
    public static bool TryParseChecksumLine(string line, out string sha256, out string name)
    {
        sha256 = name = "";
        var escaped = line.StartsWith('\\');
        var body = escaped ? line[1..] : line;
        if (body.Length < 67 || body[64] != ' ' || body[65] != ' ' || !body[..64].All(Uri.IsHexDigit)) return false;
        sha256 = body[..64];
        name = body[66..];
        if (!escaped) return !NeedsEscaping(name);
        var sb = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '\\') { sb.Append(name[i]); continue; }
            if (++i == name.Length) return false;
            switch (name[i])
            {
                case '\\': sb.Append('\\'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                default: return false;
            }
        }
        name = sb.ToString();
        return true;
    }

    /// <summary>A name or path fit for a message: newline, carriage return, backslash and U+FFFD (a byte that was not UTF-8) escaped.</summary>
    public static string Shown(string name) => Escape(name).Replace("\uFFFD", "\\uFFFD");

    private static string Escape(string name) => name.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r");
}
