using System.Diagnostics;
using System.Reflection;
using System.Text;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Makes one backup in one streaming pass: snapshot → tar → compress → SHA-256 → file, written under a temporary name,
/// fsynced and renamed, its sidecar written last. Any failure removes what was written; the source is only read.
/// </summary>
public static class BackupOperation
{
    public static BackupRecord Run(BackupRequest request, OperationContext context)
    {
        var destination = request.Target ?? Destinations.StoreRegistry.Open(request.Destination, request.Stores);
        return Audit.Audited.Run(context, new Audit.AuditEntry
        {
            Operation = Audit.AuditOperation.New,
            Store = destination,
            Destination = destination.Location,
            Database = request.Name ?? (request.DatabasePath is null ? null : Path.GetFileNameWithoutExtension(request.DatabasePath)),
            Type = request.Type?.ToString(),
        }, () => RunUnaudited(request, destination, context), Audit.Audited.DescribeBackup);
    }

    private static BackupRecord RunUnaudited(BackupRequest request, Destinations.IBackupDestination destination, OperationContext context)
    {
        var type = ResolveType(request);
        var databasePath = request.DatabasePath is null ? null : Path.GetFullPath(request.DatabasePath);
        if (databasePath is not null) SqliteDatabase.EnsureIsDatabase(databasePath);
        var files = IncludedFiles.Resolve(request.IncludePaths, excluded: destination.LocalFolder, database: databasePath);
        foreach (var skipped in files.Skipped) context.Warning($"Not backed up (a link, FIFO, socket or device): {skipped}");
        foreach (var live in files.LiveDatabases)
            context.Warning($"'{live}' inside an included folder is a SQLite database, copied as a raw file: if it is in use the copy may be torn. Back it up with its own New-DbBackup -Database.");

        destination.EnsureWritable();
        destination.CleanStale(context);
        StaleTemporaryFiles.CleanTempFolder(context);
        var databaseName = ResolveName(request, databasePath, files);

        var manifest = NewManifest(request, type, databaseName, databasePath);
        var fileName = BackupNaming.FileName(databaseName, manifest.CreatedUtc, manifest.Id, request.Compression);
        // The destination of an encrypted backup never holds plaintext, not even for a moment or after a kill: the
        // snapshot copy some databases need goes into a private folder in the system temporary folder instead (where
        // Test-DbBackup decompresses too), not beside the backup. A remote destination has no folder for it either.
        // Excluded rows follow the same rule: the copy they are deleted from holds them, so it never lies in the destination.
        var exclusion = new SqliteExclusion(request.ExcludeTable, request.ExcludeTableData);
        var snapshotName = "." + fileName + ".snapshot" + BackupNaming.PartialSuffix;
        using var snapshotScratch = (request.Encryption is not null || destination.LocalFolder is null || !exclusion.IsEmpty) && databasePath is not null ? new ScratchFolder(Path.GetTempPath(), "snapshot") : null;
        var snapshotPath = snapshotScratch?.File(snapshotName) ?? Path.Combine(destination.LocalFolder!, snapshotName);
        var clock = Stopwatch.StartNew();
        SqliteSnapshot? snapshot = null;
        IBackupWriter? writer = null;
        try
        {
            if (databasePath is not null)
            {
                context.Verbose($"Taking a consistent snapshot of '{databasePath}'.");
                context.Report(new OperationProgress("Backing up " + databaseName, "Taking a consistent snapshot", 0, -1));
                snapshot = SqliteSnapshot.Take(databasePath, snapshotPath, request.LockTimeout, context, exclusion);
                manifest.Sqlite = snapshot.Info;
                RecordExclusion(manifest, exclusion);
                CheckSnapshot(snapshot, databasePath, request, context);
                manifest.Tables = snapshot.Tables;
                manifest.Entries.Add(new ManifestEntry
                {
                    Path = Manifest.DatabaseFolder + BackupNaming.SafeName(Path.GetFileName(databasePath)),
                    Kind = EntryKind.Database,
                    Size = snapshot.SizeBytes,
                    Mode = IncludedFiles.Octal(FileSystemSecurity.ModeOf(databasePath, isDirectory: false)),
                    ModifiedUtc = File.GetLastWriteTimeUtc(databasePath),
                });
            }
            manifest.FileRoots = files.Roots;
            manifest.Entries.AddRange(files.Items.Select(i => i.Entry));
            manifest.FormatVersion = EntryNames.FormatVersionFor(manifest.Entries);

            writer = destination.CreateBackup(fileName, context);
            context.Verbose($"Writing '{writer.Path}' ({request.Compression}, {Codec.ZstdImplementation}).");
            var (size, sha256) = WriteArchive(writer.Stream, manifest, snapshot, files, request, context);
            snapshot?.Dispose(); // ends the read transaction as soon as the database is in the archive

            var sidecar = EncryptedBackups.NewSidecar(fileName, size, sha256, manifest, request.Encryption);
            var record = writer.Complete(sidecar);
            context.Verbose($"Backup '{fileName}' complete: {size} bytes, SHA-256 {sha256}, {clock.Elapsed.TotalSeconds:0.00} s.");
            return record;
        }
        catch (Exception ex)
        {
            writer?.Dispose();
            writer = null;
            if (ex is OperationCanceledException) context.ThrowIfCancelled();
            if (IoErrors.FromWrite(ex, destination.Location) is { } error) throw error;
            throw;
        }
        finally
        {
            writer?.Dispose();
            snapshot?.Dispose();
        }
    }

    /// <summary>What -ExcludeTable / -ExcludeTableData asked for and what they matched; a backup missing any rows is partial.</summary>
    private static void RecordExclusion(Manifest manifest, SqliteExclusion exclusion)
    {
        if (exclusion.IsEmpty) return;
        var info = manifest.Sqlite!;
        info.ExcludeTable = exclusion.TablePatterns.Count > 0 ? [.. exclusion.TablePatterns] : null;
        info.ExcludeTableData = exclusion.DataPatterns.Count > 0 ? [.. exclusion.DataPatterns] : null;
        info.ExcludedTables = [.. exclusion.Tables];
        info.ExcludedTableData = [.. exclusion.DataTables];
        if (exclusion.Tables.Count + exclusion.DataTables.Count > 0) manifest.Partial = true;
    }

    /// <summary>
    /// quick_check of the image before it is archived: a damaged source is refused unless -AllowDamaged, then recorded
    /// and warned about, so a backup that Restore-DbBackup would later refuse is never taken silently.
    /// </summary>
    private static void CheckSnapshot(SqliteSnapshot snapshot, string databasePath, BackupRequest request, OperationContext context)
    {
        context.Verbose($"Running PRAGMA quick_check on the snapshot of '{databasePath}'.");
        context.Report(new OperationProgress("Backing up", "PRAGMA quick_check", 0, -1));
        var messages = snapshot.QuickCheck().Take(10).ToList();
        snapshot.Info.QuickCheck = messages;
        if (messages is ["ok"]) return;
        var problems = string.Join("; ", messages);
        if (!request.AllowDamaged)
            throw new BackupException("SourceDatabaseDamaged", BackupErrorKind.InvalidData,
                $"'{databasePath}' is damaged (PRAGMA quick_check: {problems}), so no backup was taken. Restore it from a good backup, or repair it (sqlite3 .recover); use -AllowDamaged to back it up as it is (the backup is marked damaged).", databasePath);
        context.Warning($"'{databasePath}' is damaged (PRAGMA quick_check: {problems}); backing it up anyway (-AllowDamaged): the manifest records the check's messages.");
    }

    private static (long Size, string Sha256) WriteArchive(Stream target, Manifest manifest, SqliteSnapshot? snapshot, IncludedFiles files, BackupRequest request, OperationContext context)
    {
        var meter = new ProgressMeter(context, "Backing up " + manifest.DatabaseName, manifest.Entries.Sum(e => e.Size)) { Status = "Compressing" };
        using var archive = new ArchiveFileWriter(target, request.Compression, request.CompressionLevel, request.Encryption);
        var tar = archive.Tar;
        // manifest.json goes first without entry hashes (unknown until streamed); they close the archive in checksums.sha256.
        tar.WriteFile(Manifest.EntryName, FormatJson.Serialize(manifest), 0x180, manifest.CreatedUtc);
        foreach (var entry in manifest.Entries)
        {
            switch (entry.Kind)
            {
                case EntryKind.Database:
                    using (var db = snapshot!.OpenRead())
                        entry.Sha256 = tar.WriteFile(entry.Path, entry.Size, Convert.ToInt32(entry.Mode, 8), entry.ModifiedUtc, db, meter.Add);
                    break;
                case EntryKind.Directory:
                    tar.WriteDirectory(entry.Path, Convert.ToInt32(entry.Mode, 8), entry.ModifiedUtc);
                    break;
                default:
                    var source = files.Items.First(i => ReferenceEquals(i.Entry, entry)).SourcePath;
                    context.Verbose($"Adding '{source}'.");
                    using (var stream = OpenIncludedFile(source))
                        entry.Sha256 = tar.WriteFile(entry.Path, entry.Size, Convert.ToInt32(entry.Mode, 8), entry.ModifiedUtc, stream, meter.Add);
                    break;
            }
        }
        tar.WriteFile(Manifest.ChecksumsEntryName, ChecksumsFile(manifest), 0x180, manifest.CreatedUtc);
        return archive.Complete();
    }

    private static FileStream OpenIncludedFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException("IncludePathNotReadable", BackupErrorKind.PermissionDenied,
                $"Cannot read '{path}' ({ex.Message}). Run as a user who can read it, or leave it out of -IncludePath.", path, ex);
        }
    }

    /// <summary>checksums.sha256: "&lt;sha256&gt;  &lt;entry path&gt;" per file entry (GNU's escaped form for odd names), the format sha256sum -c reads.</summary>
    internal static byte[] ChecksumsFile(Manifest manifest)
    {
        var sb = new StringBuilder();
        foreach (var entry in manifest.Entries.Where(e => e.Sha256 is not null)) sb.Append(EntryNames.ChecksumLine(entry.Sha256!, entry.Path));
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static BackupType ResolveType(BackupRequest request)
    {
        var hasFiles = request.IncludePaths.Count > 0;
        var type = request.Type ?? (!hasFiles ? BackupType.Database : request.DatabasePath is null ? BackupType.Files : BackupType.Full);
        string? problem = type switch
        {
            BackupType.Database when request.DatabasePath is null => "A Database backup needs -Database.",
            BackupType.Database when hasFiles => "A Database backup takes no -IncludePath; leave -Type out (or use -Type Full) to back up the database and the files.",
            BackupType.PreRestore when request.DatabasePath is null && !hasFiles => "A PreRestore backup needs a database or files.",
            BackupType.Full when request.DatabasePath is null || !hasFiles => "A Full backup needs both -Database and -IncludePath.",
            BackupType.Files when !hasFiles => "A Files backup needs -IncludePath.",
            BackupType.Files when request.DatabasePath is not null => "A Files backup takes no -Database; use -Type Full to back up both.",
            _ => null,
        };
        if (problem is null && request.DatabasePath is null && request.ExcludeTable.Count + request.ExcludeTableData.Count > 0)
            throw new BackupException("ExcludeTableWithoutDatabase", BackupErrorKind.InvalidArgument,
                "-ExcludeTable and -ExcludeTableData name tables of the -Database being backed up; this backup has no database. Add -Database, or leave them out.", type);
        if (problem is not null) throw new BackupException("InvalidBackupType", BackupErrorKind.InvalidArgument, problem, type);
        return type;
    }

    private static string ResolveName(BackupRequest request, string? databasePath, IncludedFiles files)
    {
        if (!string.IsNullOrWhiteSpace(request.Name)) return BackupNaming.SafeName(request.Name);
        if (databasePath is not null) return BackupNaming.SafeName(Path.GetFileNameWithoutExtension(databasePath));
        return files.Roots[0].Name;
    }

    private static Manifest NewManifest(BackupRequest request, BackupType type, string databaseName, string? databasePath)
    {
        var created = DateTimeOffset.UtcNow;
        return new Manifest
        {
            Id = Guid.NewGuid(),
            Engine = "SQLite",
            DatabaseName = databaseName,
            Type = type,
            Description = request.Description,
            Tags = [.. request.Tags],
            CreatedUtc = new DateTimeOffset(created.Ticks - created.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
            Host = Environment.MachineName,
            User = Environment.UserName,
            Tool = "BackupPS",
            ToolVersion = ToolVersion,
            Compression = request.Compression.ToString().ToLowerInvariant(),
            SourcePath = databasePath,
        };
    }

    public static string ToolVersion { get; } =
        typeof(BackupOperation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
