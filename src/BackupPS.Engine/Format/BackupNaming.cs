using System.Globalization;
using System.Text;
using BackupPS.Engine.Compression;

namespace BackupPS.Engine.Format;

/// <summary>File names of backups: &lt;db&gt;_&lt;yyyyMMddTHHmmssZ&gt;_&lt;shortid&gt;.tar.zst, and the temporary names used while writing.</summary>
public static class BackupNaming
{
    public const string PartialSuffix = ".partial";

    /// <summary>The empty file (or object) a destination writes and removes at once to prove it may be written; a killed run's is cleaned as stale.</summary>
    public const string WriteProbePrefix = ".backupps-probe-";

    public static string ShortId(Guid id) => id.ToString("N")[..8];

    public static string FileName(string databaseName, DateTimeOffset createdUtc, Guid id, CompressionKind compression) =>
        $"{SafeName(databaseName)}_{createdUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}_{ShortId(id)}{Codec.FileExtension(compression)}";

    public static string SidecarPath(string backupPath) => backupPath + Sidecar.Suffix;

    /// <summary>A name safe in any file system and shell: letters, digits, '.', '-' and '_' kept, the rest replaced by '_'.</summary>
    public static string SafeName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormC))
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        var safe = sb.ToString().TrimStart('.', '-');
        if (safe.Length > 64) safe = safe[..64];
        return safe.Length == 0 ? "backup" : safe;
    }
}
