using System.Globalization;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Retention;

/// <summary>What a retention run decided for a destination; <see cref="Problems"/> are sidecars that could not be read (those backups are not listed, so never removed).</summary>
public sealed record RetentionPlan(string Destination, RetentionPolicy Policy, IReadOnlyList<RetentionDecision> Decisions, IReadOnlyList<BackupException> Problems)
{
    public IEnumerable<RetentionDecision> Removals => Decisions.Where(d => d.Action == RetentionAction.Remove);
}

/// <summary>What became of one removal: removed, or the error that stopped it.</summary>
public sealed record RetentionRemoval(RetentionDecision Decision, bool Removed, BackupException? Error);

/// <summary>
/// Remove-DbBackup -Destination … -Keep*: lists the destination, applies the policy (<see cref="RetentionEngine"/>),
/// then removes the approved removals one by one (<see cref="RemoveBackup"/>), with progress (count and bytes freed),
/// a verbose line per step, and cancellation between removals. Every use of the destination is in
/// <see cref="ListBackups"/> and <see cref="RemoveBackup"/>.
/// </summary>
public sealed class RetentionOperation(IBackupDestination destination)
{
    private readonly IBackupDestination _destination = destination;

    /// <summary>A local folder (tests and callers without S3).</summary>
    public RetentionOperation(string folder) : this(new LocalFolderDestination(folder)) { }

    public string Destination => _destination.Location;

    /// <summary>Lists and decides; removes nothing. Throws RetentionWouldRemoveAll (InvalidArgument) before anything is removed.</summary>
    public RetentionPlan Plan(RetentionPolicy policy, DateTimeOffset now, OperationContext context)
    {
        policy.Validate();
        context.Verbose($"Listing the backups in '{Destination}'.");
        var problems = new List<BackupException>();
        var backups = ListBackups(problems.Add).Select(RetentionBackup.From).ToList();
        context.ThrowIfCancelled();
        context.Verbose($"Found {backups.Count} backups of {backups.Select(b => b.DatabaseName).Distinct(StringComparer.OrdinalIgnoreCase).Count()} databases; applying {policy} (now {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z).");
        var decisions = RetentionEngine.Evaluate(backups, policy, now);
        foreach (var d in decisions)
            context.Verbose($"{(d.Action == RetentionAction.Keep ? "Keep" : "Remove")} {Describe(d.Backup)}: {d.Reason}.");
        var removals = decisions.Count(d => d.Action == RetentionAction.Remove);
        context.Verbose($"Policy result: keep {decisions.Count - removals}, remove {removals} ({decisions.Where(d => d.Action == RetentionAction.Remove).Sum(d => d.Backup.SizeBytes).ToString("N0", CultureInfo.InvariantCulture)} bytes).");
        return new RetentionPlan(Destination, policy, decisions, problems);
    }

    /// <summary>
    /// Carries out a plan: removes the approved removals (those the user confirmed), then records every decision in the
    /// audit log, each as it turned out (a removal declined, failed or not reached is recorded as Kept), even when the
    /// run is stopped midway. Not for -WhatIf, where nothing is decided for real.
    /// </summary>
    public IReadOnlyList<RetentionRemoval> Apply(RetentionPlan plan, IReadOnlyList<RetentionDecision> approved, OperationContext context)
    {
        var results = new List<RetentionRemoval>();
        try
        {
            Remove(approved, context, results);
        }
        finally
        {
            RecordDecisions(plan.Decisions, new HashSet<RetentionDecision>(results.Where(r => r.Removed).Select(r => r.Decision), ReferenceEqualityComparer.Instance), context);
        }
        return results;
    }

    /// <summary>Removes the given removals in order, reporting progress; a failure is recorded and the rest go on. Stops (OperationStopped) when cancelled.</summary>
    public IReadOnlyList<RetentionRemoval> Remove(IReadOnlyList<RetentionDecision> removals, OperationContext context)
    {
        var results = new List<RetentionRemoval>();
        Remove(removals, context, results);
        return results;
    }

    private void Remove(IReadOnlyList<RetentionDecision> removals, OperationContext context, List<RetentionRemoval> results)
    {
        long total = removals.Sum(d => d.Backup.SizeBytes), freed = 0;
        var done = 0;
        foreach (var decision in removals)
        {
            context.ThrowIfCancelled();
            if (decision.Action != RetentionAction.Remove || decision.Backup.Record is null)
                throw new InvalidOperationException("Only Remove decisions of listed backups can be removed.");
            context.Report(new OperationProgress("Removing backups", $"{done} of {removals.Count} removed, {Mib(freed)} of {Mib(total)} freed: {Path.GetFileName(decision.Backup.Path)}", freed, total));
            try
            {
                RemoveBackup(decision.Backup.Record, context);
                freed += decision.Backup.SizeBytes;
                results.Add(new RetentionRemoval(decision, true, null));
            }
            catch (BackupException ex)
            {
                context.Verbose($"Could not remove '{decision.Backup.Path}': {ex.Message}");
                results.Add(new RetentionRemoval(decision, false, ex));
            }
            done++;
        }
        context.Report(new OperationProgress("Removing backups", $"{done} of {removals.Count} removed, {Mib(freed)} freed", freed, total));
        context.Verbose($"Removed {results.Count(r => r.Removed)} of {removals.Count} backups, {freed.ToString("N0", CultureInfo.InvariantCulture)} bytes freed.");
    }

    /// <summary>One Retention line per decision in the audit log (Kept or Removed, with the rules or the reason).</summary>
    private static void RecordDecisions(IEnumerable<RetentionDecision> decisions, ISet<RetentionDecision> removed, OperationContext context)
    {
        foreach (var decision in decisions)
        {
            if (decision.Backup.Record is not { } record) continue;
            Audit.AuditLog.RecordRetention(record, removed.Contains(decision), decision.Reason, context);
        }
    }

    /// <summary>THE one place a backup is removed (sidecar first, then the file); audited as a Remove.</summary>
    public void RemoveBackup(BackupRecord record, OperationContext context)
    {
        Operations.RemoveOperation.Run(record, context);
        context.Verbose($"Removed '{record.Path}' and its sidecar ({record.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes).");
    }

    private List<BackupRecord> ListBackups(Action<BackupException> onProblem) => _destination.List(onProblem);

    private static string Describe(RetentionBackup b) =>
        $"{b.DatabaseName} {b.Type} {b.CreatedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({Path.GetFileName(b.Path)})";

    private static string Mib(long bytes) => $"{(bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture)} MiB";
}
