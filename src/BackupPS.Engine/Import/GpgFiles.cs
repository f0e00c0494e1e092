using System.Diagnostics;
using System.Text;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Import;

/// <summary>
/// GPG-encrypted backup files (gpg --symmetric): recognised by their OpenPGP packets, decrypted with the real gpg in a
/// private throw-away GNUPGHOME (the user's keyring and agent are never touched), the passphrase handed over on gpg's
/// standard input (--passphrase-fd 0), never on its command line.
/// </summary>
internal static class GpgFiles
{
    public const string Package = "gnupg";

    /// <summary>
    /// Whether <paramref name="head"/> starts an OpenPGP message: a symmetric-key (tag 3) or public-key (tag 1)
    /// encrypted session key packet in old or new packet format, followed by a known packet version; or ASCII armour.
    /// </summary>
    public static bool LooksEncrypted(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("-----BEGIN PGP MESSAGE-----"u8)) return true;
        if (head.Length < 4) return false;
        var b = head[0];
        int tag, bodyStart;
        if ((b & 0xC0) == 0xC0) { tag = b & 0x3F; bodyStart = head[1] < 192 ? 2 : head[1] < 224 ? 3 : 6; }
        else if ((b & 0xC0) == 0x80) { tag = (b >> 2) & 0x0F; bodyStart = (b & 3) switch { 0 => 2, 1 => 3, 2 => 5, _ => 1 }; }
        else return false;
        if (tag is not (1 or 3) || head.Length <= bodyStart) return false;
        var version = head[bodyStart];
        return tag == 3 ? version is 4 or 5 or 6 : version is 3 or 6;
    }

    /// <summary>Decrypts <paramref name="path"/> into <paramref name="output"/> (a private file) with the passphrase of <paramref name="keys"/>.</summary>
    public static void Decrypt(string path, string output, KeyRing? keys, OperationContext context)
    {
        var gpg = Find();
        if (keys is null || !keys.HasPassphrase)
            throw new BackupException("EncryptionKeyRequired", BackupErrorKind.Security,
                $"'{path}' is GPG-encrypted. Give its passphrase with -Passphrase, -PassphraseFile or the {KeySources.PassphraseVariable} environment variable (the imported backup is encrypted with it too).", path);
        using var home = new ScratchFolder(Path.GetTempPath(), "gpg");
        var start = new ProcessStartInfo(gpg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--homedir", home.Path, "--batch", "--no-tty", "--yes", "--pinentry-mode", "loopback", "--passphrase-fd", "0",
                     "--no-symkey-cache", "--no-permission-warning", "--output", output, "--decrypt", path })
            start.ArgumentList.Add(arg);
        start.Environment["GNUPGHOME"] = home.Path;
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANGUAGE"] = "C";
        context.Verbose($"Decrypting '{path}' with {gpg} (passphrase on its standard input).");
        string stderr;
        int exitCode;
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using (var stdin = process.StandardInput.BaseStream)
            {
                stdin.Write(keys.Passphrase);
                stdin.Write("\n"u8);
            }
            while (!process.WaitForExit(200)) context.Cancellation.ThrowIfCancellationRequested();
            stderr = error.GetAwaiter().GetResult();
            _ = stdout.GetAwaiter().GetResult();
            exitCode = process.ExitCode;
        }
        finally
        {
            StopAgent(home.Path);
        }
        if (exitCode == 0) return;
        FileSystemSecurity.DeleteQuietly(output);
        if (stderr.Contains("Bad session key", StringComparison.Ordinal) || stderr.Contains("bad passphrase", StringComparison.OrdinalIgnoreCase))
            throw new BackupException("WrongPassphrase", BackupErrorKind.Security,
                $"The passphrase does not decrypt '{path}' (gpg: {Summary(stderr)}). Give the passphrase it was encrypted with.", path);
        if (stderr.Contains("No secret key", StringComparison.Ordinal))
            throw new BackupException("GpgSecretKeyRequired", BackupErrorKind.Security,
                $"'{path}' is encrypted to a GPG public key, not with a passphrase (gpg: {Summary(stderr)}). Decrypt it with gpg --decrypt where its secret key is, then import the decrypted file.", path);
        throw ImportOperation.CheckFailed(path, $"gpg cannot decrypt it ({Summary(stderr)})");
    }

    private static string Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "gpg");
            if (File.Exists(candidate)) return candidate;
        }
        throw new BackupException("GpgNotInstalled", BackupErrorKind.ResourceUnavailable,
            $"Importing a GPG-encrypted file needs the gpg program, which is not on PATH. Install the '{Package}' package (Debian/Ubuntu: apt-get install {Package}; RHEL/Fedora: dnf install gnupg2), then import again.", "gpg");
    }

    /// <summary>gpg starts a gpg-agent in the scratch GNUPGHOME; it is stopped before the folder goes.</summary>
    private static void StopAgent(string home)
    {
        try
        {
            var start = new ProcessStartInfo("gpgconf") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "--homedir", home, "--kill", "all" }) start.ArgumentList.Add(arg);
            using var process = Process.Start(start);
            process?.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException) { }
    }

    private static string Summary(string stderr) =>
        string.Join(" ", stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(3));
}

/// <summary>
/// The JSON file a GPG backup script writes beside its backup (servers_db_20260110_012354.db.gpg + .db.meta):
/// backup_name, timestamp, size_bytes, checksum_sha256, database_path, encrypted.
/// </summary>
internal sealed class GpgBackupMetadata
{
    public string Path { get; init; } = "";
    public string? BackupName { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public long? SizeBytes { get; init; }
    public string? ChecksumSha256 { get; init; }
    public string? DatabasePath { get; init; }

    /// <summary>The metadata beside <paramref name="encryptedPath"/> ("x.db.gpg" → "x.db.meta", or "x.db.gpg.meta"); null when there is none.</summary>
    public static GpgBackupMetadata? Beside(string encryptedPath)
    {
        var candidates = new List<string> { encryptedPath + ".meta" };
        foreach (var ext in new[] { ".gpg", ".pgp", ".asc" })
            if (encryptedPath.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) candidates.Insert(0, encryptedPath[..^ext.Length] + ".meta");
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null) return null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
            long? Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
            var timestamp = Text("timestamp");
            return new GpgBackupMetadata
            {
                Path = path,
                BackupName = Text("backup_name"),
                Timestamp = timestamp is null ? null : ParseTimestamp(timestamp, path),
                SizeBytes = Number("size_bytes"),
                ChecksumSha256 = Text("checksum_sha256")?.Trim().ToLowerInvariant(),
                DatabasePath = Text("database_path"),
            };
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw ImportOperation.CheckFailed(encryptedPath, $"its metadata file '{path}' cannot be read as JSON ({ex.Message})", ex);
        }
    }

    /// <summary>ISO 8601 (an offset-less time is UTC, as such scripts write datetime.utcnow()), or the file-name style 20260110_012354.</summary>
    internal static DateTimeOffset ParseTimestamp(string text, string path)
    {
        var styles = System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (DateTimeOffset.TryParseExact(text, ["yyyyMMdd_HHmmss", "yyyyMMddTHHmmssZ", "yyyyMMddTHHmmss"], invariant, styles, out var compact)) return compact;
        if (DateTimeOffset.TryParse(text, invariant, styles, out var iso)) return iso;
        throw ImportOperation.CheckFailed(path, $"its timestamp '{text}' is not a date and time (ISO 8601, e.g. 2026-01-10T01:23:54Z, expected)");
    }

    internal static string Sha256Of(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(file)).ToLowerInvariant();
    }
}
