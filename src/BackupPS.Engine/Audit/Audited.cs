using System.Diagnostics;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Audit;

/// <summary>
/// The one wrapper every engine operation runs in: times it, writes its audit line (success or failure, the error
/// scrubbed of secrets) and, for the outermost operation of a call, its Prometheus metrics (OperationContext.MetricsPath).
/// The exception of a failure is rethrown unchanged; audit and metrics failures are only warnings.
/// </summary>
public static class Audited
{
    // Operations run inside others (the PreRestore safety backup of a restore) are audited but do not write metrics:
    // a safety backup must not count as the database's last successful backup.
    private static readonly AsyncLocal<int> Depth = new();

    public static T Run<T>(OperationContext context, AuditEntry entry, Func<T> body, Action<AuditEntry, T>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        var outermost = Depth.Value == 0;
        Depth.Value++;
        try
        {
            var result = body();
            entry.Result = AuditResult.Succeeded;
            try { describe?.Invoke(entry, result); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { } // the line is written with what is known
            return result;
        }
        catch (Exception ex)
        {
            entry.Result = AuditResult.Failed;
            entry.ErrorId = ex is BackupException be ? be.ErrorId : ex is OperationCanceledException ? "OperationStopped" : ex.GetType().Name;
            entry.Error = ex.Message;
            throw;
        }
        finally
        {
            Depth.Value--;
            entry.DurationMs = clock.ElapsedMilliseconds;
            entry.Time = DateTimeOffset.UtcNow;
            AuditLog.Record(entry, context);
            if (outermost && context.MetricsPath is not null) Metrics.BackupMetrics.TryRecord(context.MetricsPath, entry, context);
        }
    }

    /// <summary>An entry for <paramref name="operation"/> on a backup file: its folder, id and database from the record when listed.</summary>
    public static AuditEntry ForBackup(AuditOperation operation, BackupRecord? record, string? path)
    {
        var remote = record is null && path is not null && Destinations.StoreRegistry.HasScheme(path);
        var file = record?.Path ?? (path is null ? null : remote ? path : System.IO.Path.GetFullPath(path));
        return new AuditEntry
        {
            Operation = operation,
            Path = file,
            Store = record?.Destination,
            Destination = record?.Destination.Location ?? (file is null || remote ? null : System.IO.Path.GetDirectoryName(file)),
            BackupId = record?.Id,
            Database = record?.DatabaseName,
            Type = record?.Type.ToString(),
            Bytes = record?.SizeBytes,
        };
    }

    /// <summary>An entry for restoring the backup of <paramref name="plan"/>: its folder, id, database and target.</summary>
    public static AuditEntry ForRestore(RestorePlan plan)
    {
        var entry = ForBackup(AuditOperation.Restore, plan.Record, plan.BackupPath);
        entry.BackupId = plan.Manifest.Id;
        entry.Database = plan.Manifest.DatabaseName;
        entry.Type = plan.Manifest.Type.ToString();
        entry.Target = plan.Describe();
        entry.Bytes = null;
        return entry;
    }

    /// <summary>Fills in what a new backup's record says.</summary>
    public static void DescribeBackup(AuditEntry entry, BackupRecord record)
    {
        entry.BackupId = record.Id;
        entry.Database = record.DatabaseName;
        entry.Type = record.Type.ToString();
        entry.Path = record.Path;
        entry.Bytes = record.SizeBytes;
    }

    /// <summary>A verification: Succeeded when it passed, Skipped when partial, else Failed with its reason (no error id: it ran, the backup is bad).</summary>
    public static void DescribeVerification(AuditEntry entry, VerifyResult result)
    {
        entry.Path = result.Path;
        entry.BackupId ??= result.Manifest?.Id;
        entry.Database ??= result.Manifest?.DatabaseName;
        entry.Type ??= result.Manifest?.Type.ToString();
        if (entry.Bytes is null && !Destinations.StoreRegistry.HasScheme(result.Path) && File.Exists(result.Path)) entry.Bytes = new FileInfo(result.Path).Length;
        // Partial (encrypted, no key): the contents were not checked, so neither a success nor a damaged backup.
        entry.Result = result.Status switch { VerifyStatus.Passed => AuditResult.Succeeded, VerifyStatus.Partial => AuditResult.Skipped, _ => AuditResult.Failed };
        if (!result.Passed) entry.Error = result.FailureReason ?? "No check ran.";
    }

    public static void DescribeRestore(AuditEntry entry, RestoreResult result)
    {
        entry.Target = result.Plan.Describe();
        entry.Bytes = result.BytesRestored;
        // a PostgreSQL restore that succeeded although the target refused some database properties says which
        if (result.DatabaseProperties?.Contains("not restored", StringComparison.Ordinal) == true) entry.Detail = result.DatabaseProperties;
    }
}
