using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Encryption;

/// <summary>What the operations do differently for an encrypted backup: its sidecar, its key-less check, opening it.</summary>
internal static class EncryptedBackups
{
    public const string KeyNeeded = "needs the passphrase or a recipient's private key";

    /// <summary>
    /// A file that cannot be read as it should (local I/O, gone, not what it claims): a fact about the backup. A store
    /// that cannot be reached (S3Unreachable, a refused request) says nothing about the backup and is not caught.
    /// </summary>
    private static bool IsUnreadableBackup(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or BackupException { Kind: BackupErrorKind.NotFound or BackupErrorKind.InvalidData };

    /// <summary>Whether the file starts with the encrypted container's magic.</summary>
    public static bool IsEncrypted(string path, BackupRecord? record = null)
    {
        try
        {
            using var file = Destinations.BackupFiles.OpenRead(path, record, 1);
            Span<byte> head = stackalloc byte[6];
            return EncryptedHeader.HasMagic(head[..file.ReadAtLeast(head, 6, throwOnEndOfStream: false)]);
        }
        catch (Exception ex) when (IsUnreadableBackup(ex)) { return false; }
    }

    /// <summary>
    /// Whether a restore's safety copy of the target must be encrypted: when the restored backup is, by its sidecar or
    /// its header. Fails closed: a store that cannot be reached is an error here, never a plaintext safety copy.
    /// </summary>
    public static bool SafetyCopyNeedsEncryption(string path, BackupRecord? record) => record?.Encrypted == true || IsEncrypted(path, record);

    /// <summary>
    /// The sidecar's copy of an encrypted backup's manifest: only what listing, retention and the whole-file check need
    /// (id, engine, name, type, time, tags, compression, format and tool version, whether it is partial). Paths, host, user, description, SQLite
    /// details, table names, row counts and entries stay inside the encrypted archive.
    /// </summary>
    public static Manifest Redact(Manifest manifest) => new()
    {
        FormatVersion = manifest.FormatVersion,
        Id = manifest.Id,
        Engine = manifest.Engine,
        DatabaseName = manifest.DatabaseName,
        Type = manifest.Type,
        Tags = [.. manifest.Tags],
        CreatedUtc = manifest.CreatedUtc,
        Tool = manifest.Tool,
        ToolVersion = manifest.ToolVersion,
        Compression = manifest.Compression,
        Partial = manifest.Partial, // that a backup lacks data shows in listings; which tables stays inside
        // Import-DbBackup recognises a file it imported before by its SHA-256; the original's path stays inside.
        Imported = manifest.Imported is { } i ? new Import.ImportedInfo { OriginalFileName = "", OriginalSha256 = i.OriginalSha256, OriginalFormat = i.OriginalFormat, OriginalSizeBytes = i.OriginalSizeBytes, ImportedUtc = i.ImportedUtc } : null,
    };

    /// <summary>The sidecar of a new backup: the full manifest when plain, the redacted one (plus the database's size) when encrypted.</summary>
    public static Sidecar NewSidecar(string fileName, long size, string sha256, Manifest manifest, KeyRing? encryption) => encryption is null
        ? new Sidecar { BackupFile = fileName, SizeBytes = size, Sha256 = sha256, Manifest = manifest }
        : new Sidecar
        {
            BackupFile = fileName, SizeBytes = size, Sha256 = sha256, Encrypted = true, Manifest = Redact(manifest),
            DatabaseSizeBytes = manifest.DatabaseEntry?.Size, SourceSizeBytes = manifest.Entries.Sum(e => e.Size),
        };

    /// <summary>
    /// Test-DbBackup of an encrypted backup without a key: the whole-file SHA-256 against the sidecar and the header's
    /// structure and checksum; the checks inside the encrypted archive are reported Skipped.
    /// </summary>
    public static void VerifyWithoutKey(VerifyResult result, BackupRecord? record, string path)
    {
        if (record is null) result.Skip("FileChecksum", "No sidecar beside the file: the whole-file SHA-256 cannot be compared.");
        else if (FileDiffersFromSidecar(record, path))
            result.Fail("FileChecksum", $"The backup '{path}' is damaged: its size or SHA-256 differs from its sidecar ({record.SizeBytes} bytes, {record.Sha256}); it was altered or truncated after it was written.");
        else result.Pass("FileChecksum", $"SHA-256 {record.Sha256} matches the sidecar.");
        CheckHeader(result, path, record);
        string[] skipped = ["Archive", "EntryChecksums", "IntegrityCheck", "RowCounts"];
        foreach (var name in skipped)
            result.Skip(name, $"The backup is encrypted: this check {KeyNeeded}.");
        // The outside of the file says nothing of the archive inside it: not a pass.
        result.MarkPartial($"The contents of the encrypted backup '{path}' were not verified: only its file checksum and encryption header were checked; {string.Join(", ", skipped)} {KeyNeeded}. "
            + "Supply the key with -Passphrase, -PassphraseFile or -Certificate (or set BACKUPPS_PASSPHRASE) to verify it.");
    }

    /// <summary>A wrong key and a damaged file look alike to the key slot; the sidecar's SHA-256 tells them apart.</summary>
    public static bool FileDiffersFromSidecar(BackupRecord? record, string path)
    {
        if (record is null) return false;
        try
        {
            using var file = Destinations.BackupFiles.OpenRead(path, record);
            if (file.Length != record.SizeBytes) return true;
            return !string.Equals(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(file)), record.Sha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (IsUnreadableBackup(ex)) { return true; }
    }

    private static void CheckHeader(VerifyResult result, string path, BackupRecord? record)
    {
        try
        {
            using var file = Destinations.BackupFiles.OpenRead(path, record, 1 << 16);
            var header = EncryptedHeader.Read(file);
            result.Pass("Encryption", $"AES-256-GCM, {header.ChunkSize >> 10} KiB chunks; header intact; key slots: {header.DescribeSlots()}.");
        }
        catch (Exception ex) when (ex is InvalidDataException || IsUnreadableBackup(ex))
        {
            result.Fail("Encryption", $"The backup '{path}' is damaged: {ex.Message}");
        }
    }
}
