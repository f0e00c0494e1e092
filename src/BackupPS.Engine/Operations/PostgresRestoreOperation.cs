using System.Diagnostics;
using Npgsql;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>What Restore-DbBackup asks for when the backup is a PostgreSQL one.</summary>
public sealed class PostgresRestoreRequest
{
    public BackupRecord? Record { get; init; }
    public string? Path { get; init; }
    /// <summary>postgres:// URL or connection string of the target database; null = where the backup came from.</summary>
    public string? Target { get; init; }
    public string? Username { get; init; }
    internal byte[]? Password { get; init; }
    public string? SafetyBackupDestination { get; init; }
    public StoreConnections? Stores { get; init; }
    public bool Force { get; init; }
    public int Jobs { get; init; } = DefaultJobs;
    public string? PgBinPath { get; init; }
    /// <summary>Also apply the backup's database/globals.sql (roles, tablespaces) with psql before pg_restore.</summary>
    public bool RestoreGlobals { get; init; }

    /// <summary>pg_restore -j default: 2 on a machine with 2 or more cores, else 1.</summary>
    public static int DefaultJobs => Environment.ProcessorCount >= 2 ? 2 : 1;

    public static PostgresRestoreRequest Create(BackupRecord? record, string? path, string? target, string? username, byte[]? password,
        string? safetyBackupDestination, bool force, int? jobs, string? pgBinPath, bool restoreGlobals = false, StoreConnections? stores = null) => new()
    {
        Record = record, Path = path, Target = target, Username = username, Password = password,
        SafetyBackupDestination = safetyBackupDestination, Force = force, Jobs = jobs ?? DefaultJobs, PgBinPath = pgBinPath,
        RestoreGlobals = restoreGlobals, Stores = stores,
    };
}

/// <summary>
/// Restores a PostgreSQL backup atomically: verify + extract the dump; pg_restore it into a new scratch database on the
/// target server (-j N) while a PreRestore safety backup of the current target is taken alongside; compare every
/// table's row count with the manifest; then swap by renames in one transaction (target → &lt;db&gt;_backupps_old_&lt;id&gt;,
/// scratch → target) and drop the old database. Any failure before the swap drops the scratch database: the target
/// is untouched. Sessions on the target stop the restore (TargetInUse) unless Force, which terminates them.
/// </summary>
public static class PostgresRestoreOperation
{
    public static bool IsPostgresBackup(BackupRecord? record, string path) =>
        (record?.Manifest ?? ManifestPeek.Read(path, record: record)).Engine == PostgresBackupOperation.EngineName;

    public static (RestorePlan Plan, PostgresConnectionInfo Target) Plan(PostgresRestoreRequest request, Encryption.KeyRing? keys = null)
    {
        var record = request.Record ?? BackupLocator.FromPath(request.Path ?? throw new ArgumentException("Record or Path is required."), request.Stores);
        var path = record?.Path ?? System.IO.Path.GetFullPath(request.Path!);
        // An encrypted backup's sidecar holds no source or table names: the manifest inside is read, which needs the key.
        var manifest = record is { Encrypted: false } ? record.Manifest : ManifestPeek.Read(path, keys, record);
        var targetText = request.Target ?? manifest.SourcePath
            ?? throw new BackupException("TargetRequired", BackupErrorKind.InvalidArgument, $"The backup '{path}' does not record where its database came from. Give -Target.", path);
        if (!PostgresConnectionInfo.IsPostgres(targetText))
            throw new BackupException("TargetNotPostgres", BackupErrorKind.InvalidArgument,
                $"'{path}' is a PostgreSQL backup; -Target must be a postgres:// URL or an Npgsql connection string, not '{PostgresConnectionInfo.Redact(targetText)}'.", path);
        var target = PostgresConnectionInfo.Parse(targetText, request.Username, request.Password);
        if (string.IsNullOrEmpty(target.Database)) target = target.WithDatabase(PostgresConnectionInfo.Parse(manifest.SourcePath ?? "postgres://localhost/" + manifest.DatabaseName).Database);
        PostgresDatabaseNames.EnsureValid(target.Database, target.Display());
        if (request.RestoreGlobals && !manifest.Entries.Any(e => e.Path == PostgresBackupOperation.GlobalsEntry))
            throw new BackupException("NoGlobalsInBackup", BackupErrorKind.InvalidArgument,
                $"-RestoreGlobals: the backup '{path}' holds no roles (it was not made with New-DbBackup -IncludeGlobals).", path);
        return (new RestorePlan(record, path, manifest, target.Display(), []), target);
    }

    public static RestoreResult Run(RestorePlan plan, PostgresConnectionInfo target, PostgresRestoreRequest request, OperationContext context) =>
        Audit.Audited.Run(context, Audit.Audited.ForRestore(plan), () => RunUnaudited(plan, target, request, context), Audit.Audited.DescribeRestore);

    private static RestoreResult RunUnaudited(RestorePlan plan, PostgresConnectionInfo target, PostgresRestoreRequest request, OperationContext context)
    {
        var clock = Stopwatch.StartNew();
        var result = new RestoreResult { Plan = plan };
        var db = target.Database;
        var shortId = Guid.NewGuid().ToString("N")[..8];
        var scratchDb = PostgresDatabaseNames.Derived(db, "restore", shortId);
        var oldDb = PostgresDatabaseNames.Derived(db, "old", shortId);

        // 1. Before anything heavy: reachable, versions compatible, target not in use (unless -Force).
        bool targetExists;
        string? tablespace = null;
        using (var m = PostgresServer.OpenMaintenance(target, context.Cancellation))
        {
            CheckServerVersion(target, plan.Manifest, request.PgBinPath, context, m);
            targetExists = PostgresServer.DatabaseExists(m, db);
            if (targetExists) tablespace = PostgresReplaceableTarget.Ensure(m, target);
            if (targetExists) EnsureNotInUse(m, target, request.Force, context, terminate: false);
            WarnLeftovers(m, db, context);
        }

        // Extract beside a local backup; a remote one's dump goes to the system temporary folder.
        var workDir = plan.Record is { Destination.LocalFolder: null } ? System.IO.Path.GetTempPath() : System.IO.Path.GetDirectoryName(plan.BackupPath)!;
        using var scratch = NewScratch(workDir);
        var sink = new ExtractingSink(scratch.File("database.pgdump"), filesStagingRoot: null);
        Task<BackupRecord?> safety = Task.FromResult<BackupRecord?>(null);
        PostgresWriteFreeze? freeze = null;
        var swapped = false;
        try
        {
            if (targetExists)
            {
                // Writes are held before the safety backup's snapshot, so every acknowledged commit is in it (see PostgresWriteFreeze).
                freeze = PostgresWriteFreeze.Hold(target, request.Force, context);
                var safetyTarget = request.SafetyBackupDestination is null ? plan.Record?.Destination : null;
                var destination = request.SafetyBackupDestination ?? safetyTarget?.Location ?? workDir;
                context.Verbose($"Taking the pre-restore safety backup of {target.Display()} into '{destination}'.");
                safety = Task.Run(() => (BackupRecord?)PostgresBackupOperation.Run(new PostgresBackupRequest
                {
                    Connection = target, Destination = destination, Target = safetyTarget, Stores = request.Stores, Type = BackupType.PreRestore, PgBinPath = request.PgBinPath,
                    // An encrypted backup's safety copy is encrypted with the same keys: no readable copy lands beside it.
                    Encryption = Encryption.EncryptedBackups.SafetyCopyNeedsEncryption(plan.BackupPath, plan.Record) ? context.Keys : null,
                    Description = $"Before restoring backup {plan.Manifest.Id} ({plan.Manifest.CreatedUtc:u})", Tags = ["PreRestore"],
                }, context));
            }
            var verification = VerifyOperation.Verify(plan.BackupPath, plan.Record, sink, quick: false, context);
            result.Verification = verification;
            if (!verification.Passed)
                throw new BackupException("BackupVerificationFailed", BackupErrorKind.InvalidData,
                    $"The backup '{plan.BackupPath}' failed verification, so nothing was restored and the target is untouched: {verification.FailureReason}", plan.BackupPath);

            if (request.RestoreGlobals) result.Globals = ApplyGlobals(target, sink.GlobalsPath, request.PgBinPath, context);
            context.Verbose($"Restoring into the scratch database '{scratchDb}' on {target.Display("")}.");
            RestoreInto(target, scratchDb, sink.DumpPath, plan.Manifest, request.PgBinPath, request.Jobs, context, tablespace);
            var counting = Stopwatch.StartNew();
            var problems = CompareRowCounts(target, scratchDb, plan.Manifest, context, request.Jobs);
            context.Verbose($"Row counts of {plan.Manifest.Tables.Count} tables compared in {counting.Elapsed.TotalSeconds:0.00} s.");
            if (problems.Count > 0)
                throw new BackupException("RestoreCheckFailed", BackupErrorKind.InvalidData,
                    $"The restored copy does not match the backup's manifest ({string.Join("; ", problems.Take(10))}); the target is untouched.", plan.BackupPath);
            result.IntegrityCheck = $"row counts: {plan.Manifest.Tables.Count} tables, {plan.Manifest.Tables.Sum(t => t.Rows)} rows, as in the manifest";
            result.SafetyBackup = safety.GetAwaiter().GetResult();

            SwapHook?.Invoke(scratchDb);
            result.DatabaseProperties = Swap(target, scratchDb, oldDb, plan.Manifest, freeze, request.Force, context);
            swapped = true;
        }
        catch (Exception ex)
        {
            if (!swapped)
            {
                freeze?.Release(context.Warning);
                PostgresServer.DropQuietly(target, scratchDb, context.Warning);
                try
                {
                    if (safety.GetAwaiter().GetResult() is { } record) record.Destination.Delete(record);
                }
                catch (Exception inner) when (inner is BackupException or IOException) { context.Verbose($"The safety backup was not kept: {inner.Message}"); }
            }
            if (ex is OperationCanceledException) context.ThrowIfCancelled();
            if (ex is not BackupException && PostgresServer.MapError(ex, target.Display()) is { } mapped) throw mapped;
            throw;
        }
        finally { freeze?.Dispose(); }
        if (targetExists) PostgresServer.DropQuietly(target, oldDb, context.Warning);
        result.RestoredUtc = DateTimeOffset.UtcNow;
        result.Duration = clock.Elapsed;
        context.Verbose($"Restore complete in {result.Duration.TotalSeconds:0.00} s.");
        return result;
    }

    /// <summary>
    /// psql -f globals.sql on the target server's maintenance database with ON_ERROR_STOP off, so "role already exists"
    /// does not stop the ALTER ROLE that follows it. Roles are cluster-wide: they are not rolled back if the restore fails later.
    /// </summary>
    internal static string ApplyGlobals(PostgresConnectionInfo server, string globalsPath, string? pgBinPath, OperationContext context)
    {
        var (psql, _, _) = PostgresTools.Find("psql", pgBinPath);
        context.Verbose($"Applying roles and tablespaces from the backup with {psql}.");
        string database;
        using (var m = PostgresServer.OpenMaintenance(server, context.Cancellation)) database = m.Database;
        var (code, stdout, stderr) = PostgresTools.Run(psql, ["--no-psqlrc", "--no-password", "--set=ON_ERROR_STOP=0", "--file=" + globalsPath],
            server.ChildEnvironment(database), Timeout.InfiniteTimeSpan, context.Cancellation);
        var errors = stderr.Split('\n').Where(l => l.Contains("ERROR:", StringComparison.Ordinal)).ToList();
        if (code != 0 && errors.Count == 0) throw PostgresTools.ErrorFrom("psql", stderr, server.Display(database));
        var existing = errors.Count(l => l.Contains("already exists", StringComparison.Ordinal));
        var failed = errors.Where(l => !l.Contains("already exists", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("ERROR:", StringComparison.Ordinal) + 6)..].Trim()).ToList();
        var applied = stdout.Split('\n').Count(l => l.Length > 0 && l != "SET" && char.IsUpper(l[0]));
        if (failed.Count > 0) context.Warning($"{failed.Count} statement(s) of the backup's globals failed: {string.Join("; ", failed.Take(5))}.");
        var summary = $"{applied} statement(s) applied, {existing} skipped (already exist), {failed.Count} failed";
        context.Verbose("Globals: " + summary + ".");
        return summary;
    }

    /// <summary>Test hook: runs just before the swap with the scratch database's name.</summary>
    internal static Action<string>? SwapHook { get; set; }

    private static ScratchFolder NewScratch(string workDir)
    {
        try { return new ScratchFolder(workDir, "restore"); }
        catch (Exception ex) when (IoErrors.FromWrite(ex, workDir) is { } error) { throw error; }
    }

    private static void EnsureNotInUse(NpgsqlConnection m, PostgresConnectionInfo target, bool force, OperationContext context, bool terminate)
    {
        var sessions = PostgresServer.SessionCount(m, target.Database);
        if (sessions == 0) return;
        if (!force)
            throw new BackupException("TargetInUse", BackupErrorKind.ResourceBusy,
                $"{target.Display()} has {sessions} open session(s); a restore replaces the database, which would cut them off. Stop the application first, or use -Force to terminate the sessions.", target.Display());
        if (terminate)
        {
            context.Warning($"Terminating {sessions} session(s) on {target.Display()} (-Force).");
            PostgresServer.TerminateSessions(m, target.Database);
        }
    }

    /// <summary>
    /// Renames in one transaction: either both renames happen or neither; the restored database gets the target's
    /// connection settings (ALLOW_CONNECTIONS) and the backup's database properties in the same transaction (see
    /// PostgresDatabaseProperties). Retries while sessions reconnect (with -Force). Returns what was applied.
    /// </summary>
    private static string Swap(PostgresConnectionInfo target, string scratchDb, string oldDb, Manifest manifest, PostgresWriteFreeze? freeze, bool force, OperationContext context)
    {
        var targetExists = freeze is not null;
        using var m = PostgresServer.OpenMaintenance(target, context.Cancellation);
        var wanted = manifest.Postgres?.Database ?? PostgresDatabaseProperties.Legacy(targetExists ? PostgresDatabaseProperties.Read(m, null, target.Database) : null);
        freeze?.CutOff(m, force, context);
        for (var attempt = 1; ; attempt++)
        {
            if (targetExists) EnsureNotInUse(m, target, force, context, terminate: true);
            using var tx = m.BeginTransaction();
            try
            {
                if (targetExists) PostgresServer.Execute(m, $"ALTER DATABASE {PostgresServer.Quote(target.Database)} RENAME TO {PostgresServer.Quote(oldDb)}", tx);
                PostgresServer.Execute(m, $"ALTER DATABASE {PostgresServer.Quote(scratchDb)} RENAME TO {PostgresServer.Quote(target.Database)}", tx);
                var applied = PostgresDatabaseProperties.Apply(m, tx, target.Database, manifest.Postgres?.Owner, wanted, freeze?.AllowConnections ?? true);
                tx.Commit();
                context.Verbose(targetExists ? $"Swapped in: {target.Display()} is the restored database; the previous one is '{oldDb}' until dropped." : $"Created {target.Display()}.");
                foreach (var warning in applied.Warnings) context.Warning(warning);
                context.Verbose("Database properties " + applied.Summary + ".");
                return applied.Summary;
            }
            catch (PostgresException ex) when (ex.SqlState == "55006" && attempt < 5)
            {
                tx.Rollback();
                if (!force) throw PostgresServer.MapError(ex, target.Display())!;
                Thread.Sleep(200 * attempt);
            }
        }
    }

    private static void WarnLeftovers(NpgsqlConnection m, string db, OperationContext context)
    {
        using var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2", m);
        cmd.Parameters.AddWithValue(PostgresDatabaseNames.DerivedPattern(db, "restore"));
        cmd.Parameters.AddWithValue(PostgresDatabaseNames.DerivedPattern(db, "old"));
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read()) names.Add(r.GetString(0));
        if (names.Count > 0) context.Warning($"Databases left by an interrupted restore exist: {string.Join(", ", names)}. Drop them when no restore is running.");
    }

    /// <summary>A backup's server major must not be newer than the target server's; pg_restore must read the dump's format.</summary>
    internal static void CheckServerVersion(PostgresConnectionInfo server, Manifest manifest, string? pgBinPath, OperationContext context, NpgsqlConnection? open = null)
    {
        var conn = open ?? PostgresServer.OpenMaintenance(server, context.Cancellation);
        try
        {
            var serverNum = conn.PostgreSqlVersion.Major;
            var backupMajor = (manifest.Postgres?.ServerVersionNum ?? 0) / 10000;
            if (backupMajor > serverNum)
                throw new BackupException("PostgresVersionMismatch", BackupErrorKind.InvalidArgument,
                    $"The backup comes from PostgreSQL {manifest.Postgres!.ServerVersion}; the target server {server.Display("")} runs {conn.PostgreSqlVersion} and may not support its objects. Restore onto a PostgreSQL {backupMajor} server or newer.", server.Display(""));
            var dumpMajor = PostgresTools.MajorOf(manifest.Postgres?.PgDumpVersion ?? "0");
            var (pgRestore, restoreVersion, restoreMajor) = PostgresTools.Find("pg_restore", pgBinPath, dumpMajor);
            if (restoreMajor < dumpMajor)
                throw new BackupException("PgRestoreTooOld", BackupErrorKind.ResourceUnavailable,
                    $"pg_restore {restoreVersion} ('{pgRestore}') is older than the pg_dump {manifest.Postgres!.PgDumpVersion} that wrote this backup. Install the PostgreSQL {dumpMajor} client programs or newer (Debian/Ubuntu: apt install postgresql-client-{dumpMajor}), or give -PgBinPath.", pgRestore);
        }
        finally
        {
            if (open is null) conn.Dispose();
        }
    }

    /// <summary>
    /// Creates <paramref name="database"/> (encoding and locale of the source where the server has them; only the
    /// creating role can connect) and pg_restores the dump into it. Its owner, ACL and settings are the swap's to apply.
    /// <paramref name="tablespace"/>: the replaced target's non-default tablespace, kept by the restored database.
    /// </summary>
    internal static void RestoreInto(PostgresConnectionInfo server, string database, string dumpPath, Manifest manifest, string? pgBinPath, int jobs, OperationContext context, string? tablespace = null)
    {
        using (var m = PostgresServer.OpenMaintenance(server, context.Cancellation))
        {
            var q = PostgresServer.Quote(database);
            var attempts = PostgresDatabaseProperties.CreateStatements(q, manifest.Postgres, m.PostgreSqlVersion.Major)
                .Select(c => tablespace is null ? c : c + " TABLESPACE " + PostgresServer.Quote(tablespace)).ToList();
            for (var i = 0; ; i++)
            {
                try { PostgresServer.Execute(m, attempts[i]); break; }
                catch (PostgresException ex) when (i < attempts.Count - 1 && ex.SqlState is "22023" or "42809" or "42704" or "XX000")
                {
                    context.Warning($"The target server cannot create a database like the source ({ex.MessageText}); using its defaults.");
                }
                catch (PostgresException ex) when (ex.SqlState == "42501")
                {
                    throw new BackupException("PostgresPermissionDenied", BackupErrorKind.PermissionDenied,
                        $"The role cannot create databases on {server.Display("")} ({ex.MessageText}); restoring needs CREATEDB (the restore goes into a new database, then is swapped in).", server.Display(""), ex);
                }
            }
            PostgresDatabaseProperties.OpenToCreatorOnly(m, q);
        }
        if (manifest.Postgres?.DumpFormat == "plain") { Import.PlainDumps.Restore(server, database, dumpPath, pgBinPath, context); return; }
        // An imported custom dump may have been written to a pipe (pg_dump -Fc | gzip): without data offsets pg_restore -j fails.
        if (manifest.Imported is not null) jobs = 1;
        var (pgRestore, _, _) = PostgresTools.Find("pg_restore", pgBinPath, PostgresTools.MajorOf(manifest.Postgres?.PgDumpVersion ?? "0"));
        var args = new List<string> { "--dbname=" + PostgresDatabaseNames.ConnInfo(database), "--exit-on-error", "--no-password" };
        if (jobs > 1) args.Add("--jobs=" + jobs);
        args.Add(dumpPath);
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = PostgresTools.Run(pgRestore, args, server.ChildEnvironment(database), Timeout.InfiniteTimeSpan, context.Cancellation);
        if (code != 0) throw PostgresTools.ErrorFrom("pg_restore", stderr, server.Display(database));
        context.Verbose($"pg_restore{(jobs > 1 ? " -j " + jobs : "")} finished in {clock.Elapsed.TotalSeconds:0.00} s.");
    }

    /// <summary>Compares the restored database with the manifest: row counts and large objects (see <see cref="PostgresRestoredCheck"/>).</summary>
    internal static List<string> CompareRowCounts(PostgresConnectionInfo server, string database, Manifest manifest, OperationContext context, int jobs = 1) =>
        PostgresRestoredCheck.Compare(server, database, manifest, context, jobs);
}
