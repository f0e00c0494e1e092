using BackupPS.Engine.Model;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Encryption;

namespace BackupPS.Engine.Format;

/// <summary>Where the entries of an archive being read go: a stream to write an entry's bytes to, or null to only hash them.</summary>
internal interface IArchiveSink
{
    /// <summary>Called once the manifest is read, before any data: a sink refuses here what it cannot hold.</summary>
    void Prepare(Manifest manifest);
    Stream? OpenEntry(ManifestEntry entry);
    void CloseEntry(ManifestEntry entry, Stream stream);
    void Directory(ManifestEntry entry);
}

/// <summary>What one read of an archive established.</summary>
internal sealed class ArchiveContents
{
    public required Manifest Manifest { get; init; }
    public required CompressionKind Compression { get; init; }
    public Dictionary<string, string> ComputedHashes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> TrailerHashes { get; } = new(StringComparer.Ordinal);
    public long FileSize { get; set; }
    public string FileSha256 { get; set; } = "";
}

/// <summary>
/// Reads a backup archive in one pass: whole-file SHA-256, decompression (zstd frame checksum), tar structure,
/// the manifest, each entry's SHA-256 and the closing checksums.sha256. Refuses anything a BackupPS archive does
/// not contain — links, devices, paths outside the archive, entries the manifest does not list, sizes it does not state.
/// Every such failure is an InvalidData <see cref="BackupException"/> with error id "BackupCorrupt".
/// </summary>
internal static class ArchiveReader
{
    private const int MaxManifestBytes = 16 << 20;
    private const long MaxEntryBytes = 1L << 50; // 1 PiB: beyond any database or file this tool backs up

    public static ArchiveContents Read(string path, IArchiveSink sink, OperationContext context, Action<long>? progress = null, BackupRecord? record = null)
    {
        var file = Destinations.BackupFiles.OpenRead(path, record);

        using (file)
        using (var hashing = new HashingStream(file))
        {
            var head = new byte[512];
            var headLength = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            file.Position = 0;
            DecryptingStream? decrypted = null;
            try
            {
                // An encrypted backup: the compressed stream is inside the AES-GCM chunks (docs/format.md).
                if (EncryptedHeader.HasMagic(head.AsSpan(0, headLength)))
                    decrypted = DecryptingStream.Open(hashing, context.Keys, path);
                var compression = (decrypted is null ? Codec.Detect(head.AsSpan(0, headLength)) : Codec.Detect(decrypted.Peek))
                    ?? throw Corrupt(path, "it is not a BackupPS backup: neither zstd, gzip nor tar data.");
                using var decompressed = Codec.CreateDecompressor(compression, (Stream?)decrypted ?? hashing);
                var contents = ReadTar(path, decompressed, compression, sink, context, progress);
                Drain(decompressed, path, "after the end of the tar archive");
                if (decrypted is not null) Drain(decrypted, path, "after the end of the compressed stream");
                Drain(hashing, path, "after the end of the compressed stream");
                contents.FileSize = hashing.BytesProcessed;
                contents.FileSha256 = hashing.GetHashHex();
                return contents;
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or System.Text.Json.JsonException
                                       || (ex is IOException && ex is not FileNotFoundException && !IoErrors.IsDiskFull(ex)))
            {
                throw Corrupt(path, ex.Message, ex);
            }
            finally
            {
                decrypted?.Dispose();
            }
        }
    }

    private static ArchiveContents ReadTar(string path, Stream decompressed, CompressionKind compression, IArchiveSink sink, OperationContext context, Action<long>? progress)
    {
        using var tar = new TarReader(decompressed, leaveOpen: true);
        var first = tar.GetNextEntry() ?? throw Corrupt(path, "the archive is empty.");
        if (first.Name != Manifest.EntryName || !IsRegular(first.EntryType))
            throw Corrupt(path, $"its first entry is '{first.Name}', not {Manifest.EntryName}.");
        if (first.Length > MaxManifestBytes) throw Corrupt(path, "its manifest is implausibly large.");
        var manifestBytes = new MemoryStream();
        first.DataStream?.CopyTo(manifestBytes);
        var manifest = FormatJson.Deserialize<Manifest>(manifestBytes.ToArray());
        if (manifest.FormatVersion > Manifest.CurrentFormatVersion)
            throw new BackupException("NewerFormat", BackupErrorKind.InvalidData,
                $"'{path}' uses backup format {manifest.FormatVersion}; this BackupPS reads up to {Manifest.CurrentFormatVersion}. Update the BackupPS module.", path);

        var contents = new ArchiveContents { Manifest = manifest, Compression = compression };
        var expected = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var e in manifest.Entries)
        {
            if (e.Size < 0 || e.Size > MaxEntryBytes) throw Corrupt(path, $"its manifest declares an implausible size for '{e.Path}' ({e.Size} bytes).");
            EnsureSafeName(path, e.Path);
            if (!expected.TryAdd(e.Path, e)) throw Corrupt(path, $"its manifest lists '{e.Path}' twice.");
        }
        // The reader never writes more than the manifest declares; the sink refuses a declaration it cannot hold,
        // so a decompression bomb is stopped before its first byte is written.
        sink.Prepare(manifest);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[1 << 20];
        var sawChecksums = false;
        while (tar.GetNextEntry() is { } tarEntry)
        {
            context.ThrowIfCancelled();
            if (sawChecksums) throw Corrupt(path, $"'{tarEntry.Name}' follows {Manifest.ChecksumsEntryName}, which must be last.");
            if (tarEntry.Name == Manifest.ChecksumsEntryName && IsRegular(tarEntry.EntryType))
            {
                if (tarEntry.Length > MaxManifestBytes) throw Corrupt(path, "its checksum list is implausibly large.");
                ParseChecksums(path, tarEntry.DataStream, contents.TrailerHashes);
                sawChecksums = true;
                continue;
            }
            var name = tarEntry.EntryType == TarEntryType.Directory ? tarEntry.Name.TrimEnd('/') + "/" : tarEntry.Name;
            if (!expected.TryGetValue(name, out var entry))
                throw Corrupt(path, $"it contains '{tarEntry.Name}', which its manifest does not list.");
            if (!seen.Add(name)) throw Corrupt(path, $"it contains '{name}' twice.");
            if (entry.Kind == EntryKind.Directory)
            {
                if (tarEntry.EntryType != TarEntryType.Directory) throw Corrupt(path, $"'{name}' should be a folder but is a {tarEntry.EntryType} entry.");
                sink.Directory(entry);
                continue;
            }
            if (!IsRegular(tarEntry.EntryType))
                throw Corrupt(path, $"'{name}' is a {tarEntry.EntryType} entry; BackupPS archives hold only files and folders.");
            if (tarEntry.Length != entry.Size)
                throw Corrupt(path, $"'{name}' holds {tarEntry.Length} bytes but the manifest says {entry.Size}.");
            contents.ComputedHashes[name] = CopyEntry(tarEntry.DataStream, entry, sink, buffer, progress);
        }
        if (!sawChecksums) throw Corrupt(path, $"it ends without {Manifest.ChecksumsEntryName}: the archive is truncated.");
        var missing = expected.Keys.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0) throw Corrupt(path, $"entries listed in its manifest are missing: {string.Join(", ", missing.Take(5))}.");
        return contents;
    }

    private static string CopyEntry(Stream? data, ManifestEntry entry, IArchiveSink sink, byte[] buffer, Action<long>? progress)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var target = sink.OpenEntry(entry);
        try
        {
            long copied = 0;
            while (data is not null && copied < entry.Size)
            {
                var n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, entry.Size - copied));
                if (n == 0) throw new EndOfStreamException($"'{entry.Path}' ends after {copied} of {entry.Size} bytes.");
                hash.AppendData(buffer, 0, n);
                target?.Write(buffer, 0, n);
                copied += n;
                progress?.Invoke(n);
            }
            if (copied != entry.Size) throw new EndOfStreamException($"'{entry.Path}' ends after {copied} of {entry.Size} bytes.");
        }
        finally
        {
            if (target is not null) sink.CloseEntry(entry, target);
        }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static void ParseChecksums(string path, Stream? data, Dictionary<string, string> into)
    {
        if (data is null) return;
        using var reader = new StreamReader(data, Encoding.UTF8, leaveOpen: true);
        // Lines end at '\n' only: a carriage return can be part of a name (ReadLine would split there).
        foreach (var line in reader.ReadToEnd().Split('\n'))
        {
            if (line.Length == 0) continue;
            if (!EntryNames.TryParseChecksumLine(line, out var sha256, out var name))
                throw Corrupt(path, $"its checksum list has a malformed line: '{EntryNames.Shown(line)}'.");
            into[name] = sha256;
        }
    }

    /// <summary>Entry names are relative, '/'-separated and never climb out: no absolute paths, no '..', and on
    /// Windows, where it separates folders, no backslash (elsewhere it is an ordinary character of a file name).</summary>
    public static void EnsureSafeName(string archive, string name)
    {
        var trimmed = name.TrimEnd('/');
        if (trimmed.Length == 0 || name.StartsWith('/') || (OperatingSystem.IsWindows() && name.Contains('\\')) || name.Contains('\0') || (name.Length > 1 && name[1] == ':')
            || trimmed.Split('/').Any(part => part is "" or "." or ".."))
            throw Corrupt(archive, $"it names an unsafe path '{name}' (absolute, or climbing out with '..').");
        if (!name.StartsWith(Manifest.DatabaseFolder, StringComparison.Ordinal) && !name.StartsWith(Manifest.FilesFolder, StringComparison.Ordinal))
            throw Corrupt(archive, $"it names '{name}', outside the database/ and files/ folders.");
    }

    private static bool IsRegular(TarEntryType type) => type is TarEntryType.RegularFile or TarEntryType.V7RegularFile;

    private static void Drain(Stream stream, string path, string where)
    {
        var buffer = new byte[1 << 16];
        int n;
        long extra = 0;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            // tar writers pad with zero blocks; anything else is foreign data.
            if (buffer.AsSpan(0, n).ContainsAnyExcept((byte)0)) throw Corrupt(path, $"it has unexpected data {where}.");
            extra += n;
        }
    }

    public static BackupException Corrupt(string path, string why, Exception? inner = null) =>
        new("BackupCorrupt", BackupErrorKind.InvalidData, $"The backup '{path}' is damaged or not a BackupPS backup: {why}", path, inner);
}

/// <summary>Reads only the manifest at the head of an archive (for a backup given by path without a sidecar).</summary>
internal static class ManifestPeek
{
    public static Manifest Read(string path, KeyRing? keys = null, BackupRecord? record = null)
    {
        try
        {
            using var file = Destinations.BackupFiles.OpenRead(path, record, 1 << 16);
            var head = new byte[512];
            var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            file.Position = 0;
            using var decrypted = EncryptedHeader.HasMagic(head.AsSpan(0, n)) ? DecryptingStream.Open(file, keys, path) : null;
            var kind = (decrypted is null ? Codec.Detect(head.AsSpan(0, n)) : Codec.Detect(decrypted.Peek))
                ?? throw ArchiveReader.Corrupt(path, "it is not a BackupPS backup: neither zstd, gzip nor tar data.");
            using var decompressed = Codec.CreateDecompressor(kind, (Stream?)decrypted ?? file);
            using var tar = new TarReader(decompressed);
            var first = tar.GetNextEntry();
            if (first is null || first.Name != Manifest.EntryName || first.Length > 16 << 20)
                throw ArchiveReader.Corrupt(path, $"it does not start with {Manifest.EntryName}.");
            using var ms = new MemoryStream();
            first.DataStream?.CopyTo(ms);
            return FormatJson.Deserialize<Manifest>(ms.ToArray());
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or System.Text.Json.JsonException)
        {
            throw ArchiveReader.Corrupt(path, ex.Message, ex);
        }
    }
}
