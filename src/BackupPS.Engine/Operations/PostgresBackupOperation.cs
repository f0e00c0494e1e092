using System.Diagnostics;
using Npgsql;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Native;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>What New-DbBackup asks for when -Database is a PostgreSQL URL or connection string.</summary>
public sealed class PostgresBackupRequest
{
    public required PostgresConnectionInfo Connection { get; init; }
    /// <summary>A folder (resolved) or s3://bucket/prefix; see <see cref="S3"/>.</summary>
    public required string Destination { get; init; }
    public Destinations.StoreConnections? Stores { get; init; }
    /// <summary>An already open destination; overrides Destination.</summary>
    public Destinations.IBackupDestination? Target { get; init; }
    public BackupType Type { get; init; } = BackupType.Database;
    public string? Name { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public CompressionKind Compression { get; init; } = CompressionKind.Zstd;
    /// <summary>How long the counts and pg_dump wait for a table another session holds locked (-LockTimeoutSec).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public int? CompressionLevel { get; init; }
    public string? PgBinPath { get; init; }
    public IReadOnlyList<string> ExcludeTable { get; init; } = [];
    public IReadOnlyList<string> ExcludeTableData { get; init; } = [];
    /// <summary>Files to include: not supported with PostgreSQL (refused with InvalidBackupType), kept so the rule lives here.</summary>
    public IReadOnlyList<string> IncludePaths { get; init; } = [];
    /// <summary>Keys to encrypt the backup for; null for a plain backup.</summary>
    public Encryption.KeyRing? Encryption { get; init; }
    /// <summary>1: pg_dump -Fc into one entry; N &gt; 1: pg_dump -Fd -j N, one entry per file of the dump directory.</summary>
    public int Jobs { get; init; } = 1;
    /// <summary>Adds pg_dumpall --globals-only (roles, tablespaces) as database/globals.sql.</summary>
    public bool IncludeGlobals { get; init; }
    /// <summary>With IncludeGlobals: keep the role password hashes (otherwise --no-role-passwords).</summary>
    public bool IncludeRolePasswords { get; init; }
}

/// <summary>
/// Backs up a PostgreSQL database: a REPEATABLE READ transaction exports its snapshot; pg_dump -Fc -Z0 --snapshot dumps
/// exactly that state into a private temporary file in the destination while the same transaction counts every
/// table's rows (exact counts of the dumped state); then the dump is streamed into the archive (tar → zstd → SHA-256 →
/// file) like a SQLite snapshot. The temporary file exists because a tar entry's size precedes its data.
/// </summary>
public static class PostgresBackupOperation
{
    public const string EngineName = "PostgreSQL";
    public const string DumpExtension = ".pgdump";
    public const string DirectoryExtension = ".pgdir";
    public const string GlobalsEntry = Manifest.DatabaseFolder + "globals.sql";

    public static BackupRecord Run(PostgresBackupRequest request, OperationContext context)
    {
        var destination = request.Target ?? StoreRegistry.Open(request.Destination, request.Stores);
        return Audit.Audited.Run(context, new Audit.AuditEntry
        {
            Operation = Audit.AuditOperation.New,
            Store = destination,
            Destination = destination.Location,
            Database = string.IsNullOrWhiteSpace(request.Name) ? request.Connection.Database : request.Name,
            Type = request.Type.ToString(),
        }, () => RunUnaudited(request, destination, context), Audit.Audited.DescribeBackup);
    }

    private static BackupRecord RunUnaudited(PostgresBackupRequest request, IBackupDestination destination, OperationContext context)
    {
        if (request.IncludePaths.Count > 0)
            throw new BackupException("InvalidBackupType", BackupErrorKind.InvalidArgument,
                "-IncludePath is not supported with a PostgreSQL -Database; back up the files separately.", request.Connection.Display());
        if (request.Type is not (BackupType.Database or BackupType.PreRestore))
            throw new BackupException("InvalidBackupType", BackupErrorKind.InvalidArgument,
                $"A PostgreSQL backup is a Database backup; -Type {request.Type} and -IncludePath are not supported with a PostgreSQL -Database.", request.Type);
        var conn = request.Connection;
        if (string.IsNullOrEmpty(conn.Database))
            throw new BackupException("DatabaseNotFound", BackupErrorKind.InvalidArgument, $"The connection {conn.Display()} names no database. Add it to the URL (postgres://host/dbname) or Database= of the connection string.", conn.Display());
        destination.EnsureWritable();
        destination.CleanStale(context);
        StaleTemporaryFiles.CleanTempFolder(context);

        var databaseName = BackupNaming.SafeName(string.IsNullOrWhiteSpace(request.Name) ? conn.Database : request.Name);
        var manifest = NewManifest(request, databaseName);
        var fileName = BackupNaming.FileName(databaseName, manifest.CreatedUtc, manifest.Id, request.Compression);
        // A remote destination has no folder for pg_dump's output: it goes to the system temporary folder.
        var local = destination.LocalFolder;
        var dumpName = "." + fileName + ".snapshot" + BackupNaming.PartialSuffix;
        var dumpPath = local is null ? "" : Path.Combine(local, dumpName);
        if (request.Jobs is < 1 or > 64)
            throw new BackupException("InvalidJobs", BackupErrorKind.InvalidArgument, $"-Jobs must be between 1 and 64, not {request.Jobs}.", request.Jobs);
        var clock = Stopwatch.StartNew();
        ScratchFolder? work = null;
        IBackupWriter? writer = null;
        try
        {
            // pg_dump -Fd and pg_dumpall write into a private 0700 folder in the destination (cleaned if a run is killed).
            // An encrypted backup's destination never holds plaintext: all of pg_dump's and pg_dumpall's output goes to
            // such a folder in the system temporary folder instead (where Test-DbBackup decompresses too).
            var encrypted = request.Encryption is not null;
            if (encrypted || local is null) work = new ScratchFolder(Path.GetTempPath(), "snapshot");
            else if (request.Jobs > 1 || request.IncludeGlobals) work = new ScratchFolder(local, "dump");
            if (request.Jobs > 1) dumpPath = work!.File("dump" + DirectoryExtension);
            else if (encrypted || local is null) dumpPath = work!.File(dumpName);
            context.Verbose($"Connecting to {conn.Display()}.");
            context.Report(new OperationProgress("Backing up " + databaseName, "Dumping with pg_dump", 0, -1));
            using (var pg = PostgresServer.Open(conn, cancel: context.Cancellation))
            {
                manifest.Postgres = Dump(pg, conn, request, dumpPath, manifest, context);
            }
            if (request.IncludeGlobals) DumpGlobals(conn, request, work!.File("globals.sql"), manifest, context);
            writer = destination.CreateBackup(fileName, context);
            context.Verbose($"pg_dump finished in {clock.Elapsed.TotalSeconds:0.00} s ({manifest.Entries.Where(e => e.Kind == EntryKind.Database).Sum(e => e.Size)} bytes); writing '{writer.Path}'.");
            var (size, sha256) = WriteArchive(writer.Stream, manifest, dumpPath, work?.File("globals.sql"), request, context);
            FileSystemSecurity.DeleteQuietly(dumpPath);
            work?.Dispose();
            var sidecar = Encryption.EncryptedBackups.NewSidecar(fileName, size, sha256, manifest, request.Encryption);
            var record = writer.Complete(sidecar);
            context.Verbose($"Backup '{fileName}' complete: {size} bytes, SHA-256 {sha256}, {clock.Elapsed.TotalSeconds:0.00} s.");
            return record;
        }
        catch (Exception ex)
        {
            writer?.Dispose();
            writer = null;
            if (dumpPath.Length > 0) FileSystemSecurity.DeleteQuietly(dumpPath);
            work?.Dispose();
            if (ex is OperationCanceledException) context.ThrowIfCancelled();
            if (PostgresServer.MapError(ex, conn.Display()) is { } mapped && ex is not BackupException) throw mapped;
            if (IoErrors.FromWrite(ex, destination.Location) is { } error) throw error;
            throw;
        }
        finally
        {
            writer?.Dispose();
        }
    }

    private static PostgresInfo Dump(NpgsqlConnection pg, PostgresConnectionInfo conn, PostgresBackupRequest request, string dumpPath, Manifest manifest, OperationContext context)
    {
        using var tx = pg.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        PostgresServer.Execute(pg, "SET TRANSACTION READ ONLY", tx);
        // -LockTimeoutSec: a table locked by another session (ACCESS EXCLUSIVE) fails the count and pg_dump instead of waiting forever.
        var lockMs = ((long)request.LockTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        PostgresServer.Execute(pg, $"SET LOCAL lock_timeout = {lockMs}", tx);
        string snapshot;
        using (var cmd = new NpgsqlCommand("SELECT pg_export_snapshot()", pg, tx)) snapshot = (string)cmd.ExecuteScalar()!;
        var info = PostgresServer.Inspect(pg, tx);
        info.Database = PostgresDatabaseProperties.Read(pg, tx, conn.Database);
        var serverMajor = info.ServerVersionNum / 10000;
        var (pgDump, dumpVersion, dumpMajor) = PostgresTools.Find("pg_dump", request.PgBinPath, serverMajor);
        if (dumpMajor < serverMajor)
            throw new BackupException("PgDumpTooOld", BackupErrorKind.ResourceUnavailable,
                $"pg_dump {dumpVersion} ('{pgDump}') is older than the server ({info.ServerVersion}) and cannot dump it. Install the PostgreSQL {serverMajor} client programs or newer (Debian/Ubuntu: apt install postgresql-client-{serverMajor}) and give -PgBinPath if they are not on PATH.", pgDump);
        info.PgDumpVersion = dumpVersion;
        info.ExcludeTable = [.. request.ExcludeTable];
        info.ExcludeTableData = [.. request.ExcludeTableData];
        var tables = PostgresServer.Tables(pg, tx);
        var largeObjects = (PostgresLargeObjectsInfo?)null;
        var inheritance = PostgresExclusions.Inheritance(pg, tx);
        context.Verbose($"Server {info.ServerVersion}, {info.DatabaseSizeBytes} bytes, snapshot {snapshot}; dumping with {pgDump} ({dumpVersion}).");

        var directory = request.Jobs > 1;
        var args = new List<string> { directory ? "--format=directory" : "--format=custom", "--compress=0", "--snapshot=" + snapshot, "--no-password", "--file=" + dumpPath, "--lock-wait-timeout=" + lockMs };
        if (directory) args.Add("--jobs=" + request.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.DumpFormat = directory ? "directory" : "custom";
        args.AddRange(request.ExcludeTable.Select(t => "--exclude-table=" + t));
        args.AddRange(request.ExcludeTableData.Select(t => "--exclude-table-data=" + t));
        using var dump = PostgresTools.Start(pgDump, args, conn.ChildEnvironment(null), redirectStdout: true);
        var stderr = dump.StandardError.ReadToEndAsync();
        var stdout = dump.StandardOutput.ReadToEndAsync();
        List<TableRowCount> counts;
        try
        {
            // Same transaction, same snapshot as pg_dump: the counts are those of the dumped state, exactly.
            counts = PostgresServer.CountRows(pg, tx, tables.Select(t => (t.Schema, t.Name)), context.Cancellation);
            for (var i = 0; i < counts.Count; i++) counts[i].Oid = tables[i].Oid;
            largeObjects = PostgresLargeObjects.Digest(pg, tx, context.Cancellation);
            PostgresTools.WaitOrKill(dump, Timeout.InfiniteTimeSpan, context.Cancellation);
        }
        catch
        {
            try { dump.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        if (dump.ExitCode != 0) throw PostgresTools.ErrorFrom("pg_dump", stderr.GetAwaiter().GetResult(), conn.Display());
        tx.Commit();

        // Only tables whose data is in the dump keep a count (-ExcludeTable / -ExcludeTableData, unlogged-data rules).
        // Matched by OID: the TOC prints names unquoted, so a name with spaces or newlines would be lost.
        var toc = PostgresVerify.Toc(dumpPath, request.PgBinPath, context);
        PostgresExclusions.EnsureRestorable(toc, inheritance, conn.Display());
        manifest.Tables = counts.Where(toc.HasData).ToList();
        // Large objects are verified after a restore when the dump holds them (or there are none to hold).
        if (toc.HasLargeObjects || largeObjects!.Count == 0) info.LargeObjects = largeObjects;
        info.RowCountsExact = true;
        var baseName = Manifest.DatabaseFolder + BackupNaming.SafeName(conn.Database);
        if (!directory)
        {
            manifest.Entries.Add(DumpEntry(baseName + DumpExtension, new FileInfo(dumpPath).Length, manifest));
        }
        else
        {
            // toc.dat first, then the data files by name: database/<db>.pgdir/<file>.
            var files = Directory.GetFiles(dumpPath).Select(Path.GetFileName).OrderBy(n => n == "toc.dat" ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal);
            foreach (var name in files)
                manifest.Entries.Add(DumpEntry(baseName + DirectoryExtension + "/" + name, new FileInfo(Path.Combine(dumpPath, name!)).Length, manifest));
        }
        return info;
    }

    private static ManifestEntry DumpEntry(string path, long size, Manifest manifest) => new()
    {
        Path = path, Kind = EntryKind.Database, Size = size, Mode = "0600", ModifiedUtc = manifest.CreatedUtc,
    };

    /// <summary>pg_dumpall --globals-only (roles without their passwords unless asked, tablespaces) into <paramref name="path"/>.</summary>
    private static void DumpGlobals(PostgresConnectionInfo conn, PostgresBackupRequest request, string path, Manifest manifest, OperationContext context)
    {
        var serverMajor = (manifest.Postgres?.ServerVersionNum ?? 0) / 10000;
        var (pgDumpAll, _, _) = PostgresTools.Find("pg_dumpall", request.PgBinPath, serverMajor);
        var args = new List<string> { "--globals-only", "--no-password", "--database=" + PostgresDatabaseNames.ConnInfo(conn.Database), "--file=" + path };
        if (!request.IncludeRolePasswords) args.Add("--no-role-passwords");
        context.Verbose($"Dumping roles and tablespaces with {pgDumpAll}{(request.IncludeRolePasswords ? " (with role passwords)" : " (without role passwords)")}.");
        var (code, _, stderr) = PostgresTools.Run(pgDumpAll, args, conn.ChildEnvironment(null), Timeout.InfiniteTimeSpan, context.Cancellation);
        if (code != 0) throw PostgresTools.ErrorFrom("pg_dumpall", stderr, conn.Display());
        FileSystemSecurity.SetMode(path, 0x180);
        manifest.Entries.Add(DumpEntry(GlobalsEntry, new FileInfo(path).Length, manifest));
        manifest.Postgres!.Globals = request.IncludeRolePasswords ? "roles with passwords, tablespaces" : "roles without passwords, tablespaces";
    }

    private static (long Size, string Sha256) WriteArchive(Stream target, Manifest manifest, string dumpPath, string? globalsPath, PostgresBackupRequest request, OperationContext context)
    {
        var meter = new ProgressMeter(context, "Backing up " + manifest.DatabaseName, manifest.Entries.Sum(e => e.Size)) { Status = "Compressing" };
        using var archive = new ArchiveFileWriter(target, request.Compression, request.CompressionLevel, request.Encryption);
        var tar = archive.Tar;
        tar.WriteFile(Manifest.EntryName, FormatJson.Serialize(manifest), 0x180, manifest.CreatedUtc);
        foreach (var entry in manifest.Entries.Where(e => e.Kind == EntryKind.Database))
        {
            var source = entry.Path == GlobalsEntry ? globalsPath!
                : manifest.Postgres?.DumpFormat == "directory" ? Path.Combine(dumpPath, entry.Path[(entry.Path.LastIndexOf('/') + 1)..])
                : dumpPath;
            using var dump = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            entry.Sha256 = tar.WriteFile(entry.Path, entry.Size, 0x180, entry.ModifiedUtc, dump, n => { meter.Add(n); context.Cancellation.ThrowIfCancellationRequested(); });
        }
        tar.WriteFile(Manifest.ChecksumsEntryName, BackupOperation.ChecksumsFile(manifest), 0x180, manifest.CreatedUtc);
        return archive.Complete();
    }

    private static Manifest NewManifest(PostgresBackupRequest request, string databaseName)
    {
        var created = DateTimeOffset.UtcNow;
        return new Manifest
        {
            Id = Guid.NewGuid(),
            Engine = EngineName,
            DatabaseName = databaseName,
            Type = request.Type,
            Description = request.Description,
            Tags = [.. request.Tags],
            CreatedUtc = new DateTimeOffset(created.Ticks - created.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
            Host = Environment.MachineName,
            User = Environment.UserName,
            Tool = "BackupPS",
            ToolVersion = BackupOperation.ToolVersion,
            Compression = request.Compression.ToString().ToLowerInvariant(),
            SourcePath = request.Connection.Display(),
        };
    }
}
