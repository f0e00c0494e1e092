using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Native;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Import;

/// <summary>What Import-DbBackup asks for: one file to adopt into a destination.</summary>
public sealed class ImportRequest
{
    public required string Path { get; init; }
    public required string Destination { get; init; }
    /// <summary>How to reach an s3:// Destination.</summary>
    public StoreConnections? Stores { get; init; }
    /// <summary>When the backup was made; null = the file's modification time.</summary>
    public DateTimeOffset? Created { get; init; }
    /// <summary>null = from the file name (compression and database extensions and a trailing date stripped).</summary>
    public string? DatabaseName { get; init; }
    /// <summary>"SQLite" or "PostgreSQL" to insist on; null = whatever the content is.</summary>
    public string? Engine { get; init; }
    public CompressionKind Compression { get; init; } = CompressionKind.Zstd;
    public int? CompressionLevel { get; init; }
    public KeyRing? Encryption { get; init; }
    /// <summary>Import even when the destination already holds a backup imported from a file with the same SHA-256.</summary>
    public bool Force { get; init; }
    public string? PgBinPath { get; init; }
}

public enum ImportFormat
{
    Sqlite,
    PgDumpCustom,
    PgDumpPlain,
}

/// <summary>What a file to import was recognised as: its content, and the compression around it ("none", "gzip", "zstd").</summary>
public sealed record ImportDetection(string Path, ImportFormat Format, string Wrapping)
{
    public string Engine => Format == ImportFormat.Sqlite ? "SQLite" : PostgresBackupOperation.EngineName;

    /// <summary>"sqlite", "sqlite+gzip", "pg_dump-custom", "pg_dump-plain+gzip", …: the manifest's imported.originalFormat.</summary>
    public string FormatName => (Format switch { ImportFormat.Sqlite => "sqlite", ImportFormat.PgDumpCustom => "pg_dump-custom", _ => "pg_dump-plain" })
        + (Wrapping == "none" ? "" : "+" + Wrapping);

    public bool IsGpg => Wrapping == "gpg";

    public string Description => (Format switch
    {
        ImportFormat.Sqlite => "SQLite database",
        ImportFormat.PgDumpCustom => "pg_dump custom-format dump",
        _ => "pg_dump plain SQL dump",
    }) + (Wrapping switch { "none" => "", "gpg" => " (GPG-encrypted)", _ => $" ({Wrapping}-compressed)" });
}

/// <summary>
/// Adopts a backup made before BackupPS by repacking it into a normal version-1 backup: the file is recognised by its
/// content (SQLite header, pg_dump custom "PGDMP", pg_dump's plain SQL header; inside gzip or zstd too), decompressed
/// into a private scratch file, checked (SQLite: integrity_check and row counts; custom dump: pg_restore --list and
/// every table's COPY rows through pg_restore -f -; plain dump: header, "dump complete" trailer and COPY rows), then
/// written through the one archive pipeline with createdUtc = the file's time and a manifest block "imported".
/// The original is only read. Every later operation (Get/Test/Restore/Remove, retention) treats the result like any backup.
/// </summary>
public static partial class ImportOperation
{
    public const string Accepted = "a SQLite database file, a pg_dump custom-format dump (pg_dump -Fc) or a pg_dump plain SQL dump, each as is or compressed with gzip or zstd; a GPG-encrypted SQLite copy (gpg --symmetric, with its .meta file)";

    /// <summary>What -WhatIf says about importing <paramref name="request"/>: recognising the file reads only its first bytes; nothing is checked or written.</summary>
    public static string Preview(ImportRequest request)
    {
        var detection = Detect(request.Path);
        var name = request.DatabaseName ?? DatabaseNameFor(System.IO.Path.GetFileName(request.Path));
        var created = request.Created ?? new DateTimeOffset(File.GetLastWriteTimeUtc(request.Path), TimeSpan.Zero);
        return $"{request.Path}: a {detection.Description}, as a backup of '{name}' created {created.LocalDateTime:yyyy-MM-dd HH:mm:ss}, into {request.Destination}";
    }

    /// <summary>Recognises <paramref name="path"/> by its first bytes (decompressing gzip/zstd first); ImportUnrecognizedFormat if it is none of <see cref="Accepted"/>.</summary>
    public static ImportDetection Detect(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        EnsureFile(path);
        byte[] head, inner;
        string wrapping;
        using (var file = OpenOriginal(path))
        {
            head = ReadHead(file, 4096);
            // What a GPG file holds is known only once it is decrypted: a SQLite copy is expected (and checked then).
            if (GpgFiles.LooksEncrypted(head)) return new ImportDetection(path, ImportFormat.Sqlite, "gpg");
            var codec = Codec.Detect(head);
            if (codec is CompressionKind.Zstd or CompressionKind.Gzip)
            {
                wrapping = codec == CompressionKind.Zstd ? "zstd" : "gzip";
                file.Position = 0;
                try
                {
                    using var decompressed = Codec.CreateDecompressor(codec.Value, file);
                    inner = ReadHead(decompressed, 4096);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException)
                {
                    throw CheckFailed(path, $"its {wrapping} stream cannot be decompressed ({ex.Message})");
                }
            }
            else
            {
                wrapping = "none";
                inner = head;
            }
        }
        if (inner.AsSpan().StartsWith("SQLite format 3\0"u8)) return new ImportDetection(path, ImportFormat.Sqlite, wrapping);
        if (inner.AsSpan().StartsWith("PGDMP"u8)) return new ImportDetection(path, ImportFormat.PgDumpCustom, wrapping);
        if (PgDumpText.LooksLikeDump(inner, out _)) return new ImportDetection(path, ImportFormat.PgDumpPlain, wrapping);
        throw new BackupException("ImportUnrecognizedFormat", BackupErrorKind.InvalidData,
            $"'{path}' cannot be imported: {Describe(inner, wrapping)}. Import-DbBackup accepts {Accepted}.", path);
    }

    /// <summary>What an unrecognised file looks like, for the error message.</summary>
    private static string Describe(byte[] inner, string wrapping)
    {
        var within = wrapping == "none" ? "" : $"a {wrapping}-compressed file whose content is ";
        PgDumpText.LooksLikeDump(inner, out var cluster);
        string what = inner.Length == 0 ? "empty"
            : cluster ? "a pg_dumpall cluster dump (several databases; restore it with psql, then back up each database with New-DbBackup)"
            : inner.Length >= 262 && inner.AsSpan(257, 5).SequenceEqual("ustar"u8) ? "a tar archive (a pg_dump -Ft tar dump or a BackupPS backup is not importable; convert a tar dump with pg_restore -f dump.sql)"
            : inner.AsSpan().StartsWith("BPSENC"u8) ? "an encrypted BackupPS backup"
            : Codec.Detect(inner) is CompressionKind.Zstd or CompressionKind.Gzip ? "compressed twice"
            : inner.Take(512).All(b => b is 9 or 10 or 13 || (b >= 32 && b < 127) || b >= 128) ? "text, but not a pg_dump SQL dump (its header '-- PostgreSQL database dump' is missing)"
            : $"of an unknown kind (first bytes {Convert.ToHexString(inner.AsSpan(0, Math.Min(8, inner.Length)))})";
        return wrapping == "none" || inner.Length == 0 ? "it is " + what : within + what;
    }

    /// <summary>Imports one file; null when it was skipped because the destination already holds it (see <see cref="ImportRequest.Force"/>).</summary>
    public static BackupRecord? Run(ImportRequest request, OperationContext context)
    {
        // Opened before the run, so a failed or skipped import is audited where it was going (an S3 prefix too).
        var store = Destinations.StoreRegistry.Open(request.Destination, request.Stores);
        return Audit.Audited.Run(context, new Audit.AuditEntry
        {
            Operation = Audit.AuditOperation.Import,
            Store = store,
            Destination = store.Location,
            Detail = "from " + request.Path,
        }, () => RunUnaudited(request, new ImportDestination(store), context), (entry, record) =>
        {
            if (record is null) { entry.Result = Audit.AuditResult.Skipped; return; }
            Audit.Audited.DescribeBackup(entry, record);
        });
    }

    private static BackupRecord? RunUnaudited(ImportRequest request, ImportDestination destination, OperationContext context)
    {
        var clock = Stopwatch.StartNew();
        var detection = Detect(request.Path);
        var path = detection.Path;
        if (request.Engine is { } engine && !string.Equals(engine, detection.Engine, StringComparison.OrdinalIgnoreCase))
            throw new BackupException("ImportUnrecognizedFormat", BackupErrorKind.InvalidData,
                $"'{path}' is a {detection.Description}, not a {engine} backup (-Engine {engine}). Leave -Engine out to import it as what it is.", path);
        var original = new FileInfo(path);
        var metadata = detection.IsGpg ? GpgBackupMetadata.Beside(path) : null;
        if (detection.IsGpg && metadata is null)
            context.Warning($"'{path}' has no metadata file beside it ({System.IO.Path.ChangeExtension(path, ".meta")}): no recorded SHA-256 to check, and Created is the file's modification time.");
        var created = Truncate(request.Created ?? metadata?.Timestamp ?? new DateTimeOffset(original.LastWriteTimeUtc, TimeSpan.Zero));
        var databaseName = BackupNaming.SafeName(string.IsNullOrWhiteSpace(request.DatabaseName) ? DatabaseNameFor(original.Name) : request.DatabaseName);

        destination.Prepare(context);

        context.Verbose($"'{path}' is a {detection.Description}; computing its SHA-256.");
        var originalSha256 = Sha256Of(path, context);
        if (destination.FindImported(originalSha256, created, context) is { } existing)
        {
            if (!request.Force)
            {
                context.Warning($"'{path}' was already imported into '{destination.Root}' as '{existing.Path}' (same SHA-256 and date); skipped. Use -Force to import it again.");
                return null;
            }
            context.Verbose($"'{path}' was already imported as '{existing.Path}'; importing again (-Force).");
        }

        var manifest = new Manifest
        {
            Id = Guid.NewGuid(),
            Engine = detection.Engine,
            DatabaseName = databaseName,
            Type = BackupType.Database,
            Description = $"Imported from {path}",
            CreatedUtc = created,
            Host = Environment.MachineName,
            User = Environment.UserName,
            Tool = "BackupPS",
            ToolVersion = BackupOperation.ToolVersion,
            Compression = request.Compression.ToString().ToLowerInvariant(),
            // The GPG script's metadata says where the database lived: the default restore target, as for New-DbBackup.
            SourcePath = metadata?.DatabasePath,
            Imported = new ImportedInfo
            {
                OriginalPath = path,
                OriginalFileName = original.Name,
                OriginalSha256 = originalSha256,
                OriginalFormat = detection.FormatName,
                OriginalSizeBytes = original.Length,
                ImportedUtc = Truncate(DateTimeOffset.UtcNow),
                MetadataFile = metadata?.Path,
            },
        };
        var fileName = BackupNaming.FileName(databaseName, created, manifest.Id, request.Compression);
        // The decompressed copy is plaintext: an encrypted import keeps it in the system temporary folder, like New-DbBackup.
        IBackupWriter? writer = null;
        using var scratch = request.Encryption is not null || destination.LocalFolder is null ? new ScratchFolder(System.IO.Path.GetTempPath(), "import") : destination.NewScratch();
        try
        {
            var staged = scratch.File("original");
            context.Report(new OperationProgress("Importing " + original.Name, "Decompressing", 0, original.Length));
            if (detection.IsGpg) StageGpg(detection, staged, originalSha256, metadata, manifest.Imported, request.Encryption, context);
            else Stage(detection, staged, originalSha256, context);
            var entryName = Manifest.DatabaseFolder + EntryFileName(detection, original.Name, databaseName);
            context.Verbose($"Checking the {detection.Description}.");
            context.Report(new OperationProgress("Importing " + original.Name, "Checking", 0, -1));
            switch (detection.Format)
            {
                case ImportFormat.Sqlite: CheckSqlite(path, staged, manifest, context); break;
                case ImportFormat.PgDumpCustom: CheckCustomDump(path, staged, manifest, request.PgBinPath, context); break;
                default: CheckPlainDump(path, staged, manifest, context); break;
            }
            manifest.Entries.Add(new ManifestEntry
            {
                Path = entryName, Kind = EntryKind.Database, Size = new FileInfo(staged).Length, Mode = "0600", ModifiedUtc = created,
            });

            writer = destination.CreateBackup(fileName, context);
            context.Verbose($"Writing '{writer.Path}' ({request.Compression}, {Codec.ZstdImplementation}).");
            var (size, sha256) = WriteArchive(writer.Stream, manifest, staged, request, context);
            var sidecar = EncryptedBackups.NewSidecar(fileName, size, sha256, manifest, request.Encryption);
            var record = writer.Complete(sidecar);
            writer = null;
            context.Verbose($"Imported '{path}' as '{fileName}': {size} bytes, SHA-256 {sha256}, {clock.Elapsed.TotalSeconds:0.00} s.");
            return record;
        }
        catch (Exception ex)
        {
            // Before the archive is begun, only the scratch copy is being written (in the system temp folder for S3 and encrypted imports).
            var writtenTo = writer is null ? System.IO.Path.GetDirectoryName(scratch.Path)! : destination.Root;
            writer?.Dispose(); // not completed: removes the partial file / aborts the upload
            writer = null;
            if (ex is OperationCanceledException) context.ThrowIfCancelled();
            if (ex is not BackupException && IoErrors.FromWrite(ex, writtenTo) is { } error) throw error;
            throw;
        }
    }

    /// <summary>
    /// The database name a file of an old backup script stands for: "app-2024-05-01.db.gz" → "app",
    /// "shop_20240501T0300.sql.gz" → "shop", "crm.dump" → "crm". Retention keeps backups per database name.
    /// </summary>
    public static string DatabaseNameFor(string fileName)
    {
        var name = fileName;
        foreach (var ext in new[] { ".gz", ".gzip", ".zst", ".zstd", ".gpg", ".pgp", ".asc" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { name = name[..^ext.Length]; break; }
        foreach (var ext in new[] { ".sqlite3", ".sqlite", ".db3", ".db", ".sql", ".pgdump", ".dump", ".backup", ".bak", ".custom" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { name = name[..^ext.Length]; break; }
        var stripped = TrailingDate().Replace(name, "");
        return stripped.Length > 0 ? stripped : name.Length > 0 ? name : "imported";
    }

    /// <summary>A date or timestamp at the end of a name: -2024-05-01, _20240501, .20240501T030000Z, -2024-05-01_03-00-00, @1714531200.</summary>
    [GeneratedRegex(@"[-_.@ ]+(?:\d{4}-?\d{2}-?\d{2}(?:[T_ -]?\d{2}[-:]?\d{2}(?:[-:]?\d{2})?Z?)?|\d{9,10})$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingDate();

    private static string EntryFileName(ImportDetection detection, string originalName, string databaseName)
    {
        if (detection.Format == ImportFormat.PgDumpCustom) return databaseName + PostgresBackupOperation.DumpExtension;
        if (detection.Format == ImportFormat.PgDumpPlain) return databaseName + PlainDumpExtension;
        var name = originalName;
        foreach (var ext in new[] { ".gz", ".gzip", ".zst", ".zstd", ".gpg", ".pgp", ".asc" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { name = name[..^ext.Length]; break; }
        name = BackupNaming.SafeName(name);
        return System.IO.Path.HasExtension(name) ? name : name + ".db";
    }

    /// <summary>The entry of an imported plain SQL dump: database/&lt;db&gt;.sql (manifest postgres.dumpFormat "plain").</summary>
    public const string PlainDumpExtension = ".sql";

    private static void CheckSqlite(string path, string staged, Manifest manifest, OperationContext context)
    {
        try
        {
            using var connection = SqliteDatabase.Open(staged, SqliteOpenMode.ReadWrite, TimeSpan.FromSeconds(5));
            var messages = SqliteDatabase.CheckIntegrity(connection, quick: false);
            if (messages is not ["ok"])
                throw CheckFailed(path, $"PRAGMA integrity_check reports: {string.Join("; ", messages.Take(10))}");
            manifest.Sqlite = SqliteDatabase.ReadInfo(connection);
            manifest.Tables = SqliteDatabase.CountRows(connection, context.Cancellation);
            context.Verbose($"integrity_check ok; {manifest.Tables.Count} tables, {manifest.Tables.Sum(t => t.Rows)} rows.");
        }
        catch (SqliteException ex)
        {
            throw CheckFailed(path, $"SQLite cannot read it: {ex.Message}", ex);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            FileSystemSecurity.DeleteQuietly(staged + "-wal");
            FileSystemSecurity.DeleteQuietly(staged + "-shm");
        }
    }

    private static void CheckCustomDump(string path, string staged, Manifest manifest, string? pgBinPath, OperationContext context)
    {
        string list;
        try { list = PostgresVerify.List(staged, pgBinPath, context); }
        catch (BackupException ex) when (ex.ErrorId == "BackupCorrupt") { throw CheckFailed(path, ex.Message, ex); }
        string? Field(string name) => list.Split('\n').Select(l => l.TrimStart(';', ' ', '\t')).FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim();

        // Every table's data, decompressed by pg_restore itself: a dump cut short fails here even when its table of contents reads.
        var (pgRestore, _, _) = PostgresTools.Find("pg_restore", pgBinPath);
        using var process = PostgresTools.Start(pgRestore, ["--data-only", "--file=-", staged], new Dictionary<string, string?>(), redirectStdout: true);
        var stderr = process.StandardError.ReadToEndAsync();
        PgDumpText text;
        try { text = PgDumpText.Scan(process.StandardOutput, context.Cancellation); }
        catch
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        PostgresTools.WaitOrKill(process, Timeout.InfiniteTimeSpan, context.Cancellation);
        if (process.ExitCode != 0 || !text.Complete)
            throw CheckFailed(path, $"pg_restore cannot read all of its data (the dump is damaged or truncated): {FirstLines(stderr.GetAwaiter().GetResult())}");
        manifest.Postgres = NewPostgresInfo(Field("Dumped from database version"), Field("Dumped by pg_dump version"), "custom");
        manifest.Tables = text.Tables;
        if (text.HasInserts) context.Warning($"'{path}' holds table data as INSERT statements; only tables dumped with COPY have row counts to check.");
        context.Verbose($"pg_restore --list and the data of {text.Tables.Count} tables ({text.Tables.Sum(t => t.Rows)} rows) read.");
    }

    private static void CheckPlainDump(string path, string staged, Manifest manifest, OperationContext context)
    {
        PgDumpText text;
        try { text = PgDumpText.Scan(staged, context.Cancellation); }
        catch (InvalidDataException ex) { throw CheckFailed(path, ex.Message, ex); }
        if (!text.HasHeader)
            throw CheckFailed(path, $"the dump does not start with pg_dump's header '{PgDumpText.Header}'");
        if (!text.Complete)
            throw CheckFailed(path, $"the dump is truncated: it does not end with pg_dump's trailer '{PgDumpText.Trailer}' (the dump was cut short, e.g. by a full disk or a killed job)");
        if (text.SwitchesDatabase is { } line)
            throw CheckFailed(path, $"the dump creates or connects to a database itself ('{line}': made with pg_dump --create or pg_dumpall), so it cannot be restored into a chosen database. Make a dump without --create, or edit those lines out");
        if (text.ForeignMetaCommand is { } meta)
            throw CheckFailed(path, $"the dump holds the psql command '{meta}', which pg_dump does not write; a restore runs plain dumps with psql, so a file with other psql commands (\\! runs shell commands) is not adopted");
        manifest.Postgres = NewPostgresInfo(text.ServerVersion, text.PgDumpVersion, "plain");
        manifest.Tables = text.Tables;
        if (text.HasInserts) context.Warning($"'{path}' holds table data as INSERT statements; only tables dumped with COPY have row counts to check.");
        context.Verbose($"Header and trailer present; {text.Tables.Count} tables, {text.Tables.Sum(t => t.Rows)} rows in COPY blocks.");
    }

    private static PostgresInfo NewPostgresInfo(string? serverVersion, string? pgDumpVersion, string format) => new()
    {
        ServerVersion = serverVersion ?? "",
        ServerVersionNum = PgDumpText.VersionNum(serverVersion),
        PgDumpVersion = PgDumpText.ShortVersion(pgDumpVersion),
        DumpFormat = format,
        // Counted from the dump's own COPY data: exactly what a restore of it must hold.
        RowCountsExact = true,
    };

    /// <summary>Copies the original, decompressed, into <paramref name="staged"/>, checking that it still has the SHA-256 it was recognised by.</summary>
    private static void Stage(ImportDetection detection, string staged, string expectedSha256, OperationContext context)
    {
        var path = detection.Path;
        var meter = new ProgressMeter(context, "Importing " + System.IO.Path.GetFileName(path), new FileInfo(path).Length) { Status = "Decompressing" };
        using (var file = OpenOriginal(path))
        using (var hashing = new HashingStream(file, leaveOpen: true))
        using (var output = FileSystemSecurity.CreatePrivateFile(staged, 1 << 20))
        {
            try
            {
                var kind = detection.Wrapping switch { "gzip" => CompressionKind.Gzip, "zstd" => CompressionKind.Zstd, _ => CompressionKind.None };
                using (var input = Codec.CreateDecompressor(kind, hashing))
                {
                    var buffer = new byte[1 << 20];
                    long last = 0;
                    int n;
                    while ((n = input.Read(buffer)) > 0)
                    {
                        output.Write(buffer, 0, n);
                        context.Cancellation.ThrowIfCancellationRequested();
                        meter.Add(hashing.BytesProcessed - last);
                        last = hashing.BytesProcessed;
                    }
                }
                // Bytes after the end of the compressed stream mean the file is not what it seems (and they must be hashed too).
                var end = hashing.BytesProcessed;
                var rest = new byte[1 << 16];
                while (hashing.Read(rest) > 0) { }
                if (hashing.BytesProcessed != end)
                    throw CheckFailed(path, $"its {detection.Wrapping} stream ends after {end} of its {hashing.BytesProcessed} bytes (damaged, or something appended)");
                if (kind == CompressionKind.Gzip) GzipTrailer.Check(path, file, output.Length);
            }
            catch (Exception ex) when (ex is InvalidDataException || (ex is IOException && ex is not FileNotFoundException && !IoErrors.IsDiskFull(ex)))
            {
                throw CheckFailed(path, $"its {detection.Wrapping} stream is damaged or truncated ({ex.Message})", ex);
            }
            output.Flush(flushToDisk: false);
            if (hashing.GetHashHex() != expectedSha256)
                throw new BackupException("ImportSourceChanged", BackupErrorKind.InvalidData,
                    $"'{path}' changed while it was being imported; nothing was imported. Import it when nothing writes to it.", path);
        }
    }

    /// <summary>
    /// Decrypts a GPG original into <paramref name="staged"/>, then checks what the metadata beside it records: its
    /// checksum_sha256 must be that of the encrypted file or of the decrypted database (scripts differ), its size likewise.
    /// </summary>
    private static void StageGpg(ImportDetection detection, string staged, string originalSha256, GpgBackupMetadata? metadata, ImportedInfo imported, KeyRing? keys, OperationContext context)
    {
        var path = detection.Path;
        GpgFiles.Decrypt(path, staged, keys, context);
        if (!SqliteDatabase.HasHeader(staged))
        {
            byte[] head;
            using (var f = File.OpenRead(staged)) head = ReadHead(f, 4096);
            throw CheckFailed(path, $"it decrypts to {Describe(head, "none")[6..]}, not a SQLite database; Import-DbBackup adopts GPG-encrypted SQLite copies");
        }
        if (metadata?.ChecksumSha256 is { } recorded)
        {
            var decrypted = GpgBackupMetadata.Sha256Of(staged);
            imported.MetadataChecksumOf = recorded == originalSha256 ? "encrypted file" : recorded == decrypted ? "decrypted database"
                : throw CheckFailed(path, $"the SHA-256 its metadata '{metadata.Path}' records ({recorded}) matches neither the encrypted file ({originalSha256}, {new FileInfo(path).Length} bytes) nor the database it decrypts to ({decrypted}, {new FileInfo(staged).Length} bytes): one of them is damaged or they do not belong together");
            context.Verbose($"The metadata's SHA-256 matches the {imported.MetadataChecksumOf}.");
        }
        if (metadata?.SizeBytes is { } size && size != new FileInfo(path).Length && size != new FileInfo(staged).Length)
            context.Warning($"The metadata '{metadata.Path}' records size_bytes {size}, but the encrypted file has {new FileInfo(path).Length} bytes and the database {new FileInfo(staged).Length}.");
        if (Sha256Of(path, context) != originalSha256)
            throw new BackupException("ImportSourceChanged", BackupErrorKind.InvalidData,
                $"'{path}' changed while it was being imported; nothing was imported. Import it when nothing writes to it.", path);
    }

    private static (long Size, string Sha256) WriteArchive(Stream target, Manifest manifest, string staged, ImportRequest request, OperationContext context)
    {
        var meter = new ProgressMeter(context, "Importing " + manifest.DatabaseName, manifest.Entries.Sum(e => e.Size)) { Status = "Compressing" };
        using var archive = new ArchiveFileWriter(target, request.Compression, request.CompressionLevel, request.Encryption);
        var tar = archive.Tar;
        tar.WriteFile(Manifest.EntryName, FormatJson.Serialize(manifest), 0x180, manifest.CreatedUtc);
        var entry = manifest.Entries.Single();
        using (var data = new FileStream(staged, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
            entry.Sha256 = tar.WriteFile(entry.Path, entry.Size, 0x180, entry.ModifiedUtc, data, n => { meter.Add(n); context.Cancellation.ThrowIfCancellationRequested(); });
        tar.WriteFile(Manifest.ChecksumsEntryName, BackupOperation.ChecksumsFile(manifest), 0x180, manifest.CreatedUtc);
        return archive.Complete();
    }

    private static string Sha256Of(string path, OperationContext context)
    {
        using var file = OpenOriginal(path);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = file.Read(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            context.Cancellation.ThrowIfCancellationRequested();
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    private static void EnsureFile(string path)
    {
        if (Directory.Exists(path))
            throw new BackupException("ImportFileNotFound", BackupErrorKind.NotFound, $"'{path}' is a folder. Give the backup files to import (wildcards work: /var/backups/*.db.gz).", path);
        if (!File.Exists(path))
            throw new BackupException("ImportFileNotFound", BackupErrorKind.NotFound, $"No file at '{path}'. Check the path (relative paths are resolved against the current location).", path);
    }

    private static FileStream OpenOriginal(string path)
    {
        try
        {
            // Read-only and shared: the original is never modified, locked against its owner, or removed.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20, FileOptions.SequentialScan);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackupException("ImportFileNotReadable", BackupErrorKind.PermissionDenied, $"Cannot read '{path}': permission denied. Run as a user who can read it.", path, ex);
        }
        catch (FileNotFoundException ex)
        {
            throw new BackupException("ImportFileNotFound", BackupErrorKind.NotFound, $"No file at '{path}'.", path, ex);
        }
    }

    private static byte[] ReadHead(Stream stream, int count)
    {
        var buffer = new byte[count];
        var n = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return buffer[..n];
    }

    internal static BackupException CheckFailed(string path, string reason, Exception? inner = null) =>
        new("ImportCheckFailed", BackupErrorKind.InvalidData, $"'{path}' was not imported: {reason}. The file was left as it is.", path, inner);

    private static string FirstLines(string text) => string.Join(" ", text.Trim().Split('\n').Take(4).Select(l => l.Trim()));

    private static DateTimeOffset Truncate(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}

/// <summary>
/// Every use of the destination by an import, in one place (so it can move to the destination abstraction): prepare
/// the folder, find an earlier import of the same file, name files, keep a scratch folder there, write the sidecar.
/// </summary>
internal sealed class ImportDestination(IBackupDestination destination)
{
    private readonly IBackupDestination _destination = destination;

    public string Root => _destination.Location;

    /// <summary>The local folder, or null for a remote store (scratch files then go to the system temp folder).</summary>
    public string? LocalFolder => _destination.LocalFolder;

    public void Prepare(OperationContext context)
    {
        _destination.EnsureWritable();
        _destination.CleanStale(context);
        StaleTemporaryFiles.CleanTempFolder(context);
    }

    // A duplicate is the same content AND the same Created: byte-identical copies taken on different days are two backups.
    public BackupRecord? FindImported(string originalSha256, DateTimeOffset createdUtc, OperationContext context) =>
        _destination.List(ex => context.Verbose(ex.Message))
            .FirstOrDefault(r => string.Equals(r.Manifest.Imported?.OriginalSha256, originalSha256, StringComparison.OrdinalIgnoreCase)
                && r.Manifest.CreatedUtc == createdUtc);

    public ScratchFolder NewScratch() => new(_destination.LocalFolder!, "import");

    public IBackupWriter CreateBackup(string fileName, OperationContext context) => _destination.CreateBackup(fileName, context);
}
/// <summary>.NET's GZipStream does not report a gzip file cut inside its trailer: the last member's ISIZE is checked here.</summary>
internal static class GzipTrailer
{
    public static void Check(string path, FileStream file, long decompressedLength)
    {
        if (file.Length < 18)
            throw ImportOperation.CheckFailed(path, "its gzip stream is truncated");
        Span<byte> trailer = stackalloc byte[4];
        file.Position = file.Length - 4;
        file.ReadExactly(trailer);
        var isize = BitConverter.ToUInt32(trailer);
        // ISIZE is the last member's length mod 2^32; with one member (gzip, most scripts) it must match the whole output.
        if (isize != (uint)(decompressedLength & 0xFFFFFFFF) && !HasSeveralMembers(file))
            throw ImportOperation.CheckFailed(path, $"its gzip stream is truncated or damaged (its last 4 bytes are not the length of the {decompressedLength} bytes it decompresses to, as a complete gzip file's are)");
    }

    private static bool HasSeveralMembers(FileStream file)
    {
        // pigz and "cat a.gz b.gz" make several members; their ISIZE covers only the last one. Look for a second header.
        file.Position = 10;
        var buffer = new byte[1 << 16];
        int n;
        while ((n = file.Read(buffer)) > 0)
        {
            for (var i = 0; i + 2 < n; i++)
                if (buffer[i] == 0x1F && buffer[i + 1] == 0x8B && buffer[i + 2] == 0x08) return true;
        }
        return false;
    }
}
