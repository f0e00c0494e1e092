using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;
using BackupPS.Engine.Retention;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>RetentionOperation on a real folder of real backups whose sidecars were dated back (retention reads CreatedUtc from the sidecar).</summary>
public sealed class RetentionOperationTests : IDisposable
{
    private readonly TempDir _temp = new();
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public void Dispose() => _temp.Dispose();

    /// <summary>A real backup of a real database, then its sidecar's created time moved to <paramref name="created"/>.</summary>
    private BackupRecord Dated(string db, DateTimeOffset created, bool verified = false)
    {
        var dbPath = _temp[db + ".db"];
        if (!File.Exists(dbPath)) Db.Create(dbPath, customers: 5);
        var record = Backups.Make(dbPath, _temp["backups"]);
        var sidecar = LocalFolderDestination.ReadSidecar(record.SidecarPath);
        sidecar.Manifest.CreatedUtc = created;
        if (verified) { sidecar.LastVerifiedUtc = created; sidecar.LastVerificationPassed = true; }
        LocalFolderDestination.WriteSidecar(record.Path, sidecar);
        return new BackupRecord(record.Path, sidecar);
    }

    [Fact]
    public void Plans_then_removes_sidecar_and_file_of_each_removal_with_progress_and_verbose()
    {
        var records = Enumerable.Range(0, 5).Select(i => Dated("shop", Now.AddDays(-i))).ToList();
        var keepCrm = Dated("crm", Now.AddDays(-40));
        var progress = new List<OperationProgress>();
        var verbose = new List<string>();
        var context = new OperationContext(progress: new SyncProgress(progress.Add), verbose: verbose.Add);
        var operation = new RetentionOperation(_temp["backups"]);

        var plan = operation.Plan(new RetentionPolicy { KeepLast = 2 }, Now, context);
        Assert.Equal(6, plan.Decisions.Count);
        Assert.Equal(records.Skip(2).Select(r => r.Path), plan.Removals.Select(d => d.Backup.Path));
        Assert.All(records, r => Assert.True(File.Exists(r.Path))); // planning removes nothing
        Assert.Contains(verbose, v => v.StartsWith("Remove shop Database", StringComparison.Ordinal) && v.EndsWith("NotKept (no rule keeps it).", StringComparison.Ordinal));

        var removed = operation.Remove(plan.Removals.ToList(), context);
        Assert.All(removed, r => Assert.True(r.Removed));
        foreach (var r in records.Skip(2)) { Assert.False(File.Exists(r.Path)); Assert.False(File.Exists(r.SidecarPath)); }
        foreach (var r in records.Take(2).Append(keepCrm)) { Assert.True(File.Exists(r.Path)); Assert.True(File.Exists(r.SidecarPath)); }
        Assert.Equal(3, new LocalFolderDestination(_temp["backups"]).List().Count);
        var last = progress[^1];
        Assert.Equal(records.Skip(2).Sum(r => r.SizeBytes), last.BytesDone);
        Assert.Equal(100, last.PercentComplete);
        Assert.StartsWith("3 of 3 removed", last.Status, StringComparison.Ordinal);
        Assert.Equal(3, verbose.Count(v => v.StartsWith("Removed '", StringComparison.Ordinal)));
    }

    [Fact]
    public void Would_remove_all_stops_at_planning_and_nothing_is_removed()
    {
        var records = Enumerable.Range(0, 3).Select(i => Dated("shop", Now.AddDays(-10 - i))).ToList();
        var error = Assert.Throws<BackupException>(() => new RetentionOperation(_temp["backups"]).Plan(new RetentionPolicy { OlderThan = TimeSpan.FromDays(7) }, Now, OperationContext.None));
        Assert.Equal("RetentionWouldRemoveAll", error.ErrorId);
        Assert.All(records, r => Assert.True(File.Exists(r.SidecarPath)));
    }

    [Fact]
    public void The_verified_state_comes_from_the_sidecar()
    {
        Dated("shop", Now.AddDays(-3), verified: true);
        Dated("shop", Now.AddDays(-2));
        Dated("shop", Now.AddDays(-1));
        var plan = new RetentionOperation(_temp["backups"]).Plan(new RetentionPolicy { KeepLast = 1 }, Now, OperationContext.None);
        Assert.Equal([RetentionAction.Keep, RetentionAction.Remove, RetentionAction.Keep], plan.Decisions.Select(d => d.Action));
        Assert.Equal(RetentionRules.LastVerified, plan.Decisions[2].Reasons.Single().Rule);
    }

    [Fact]
    public void A_removal_that_fails_is_reported_and_the_others_go_on()
    {
        var records = Enumerable.Range(0, 4).Select(i => Dated("shop", Now.AddDays(-i))).ToList();
        var operation = new RetentionOperation(_temp["backups"]);
        var plan = operation.Plan(new RetentionPolicy { KeepLast = 1 }, Now, OperationContext.None);
        // Make one removal fail for real: its sidecar becomes a non-empty folder, which File.Delete refuses.
        File.Delete(records[2].SidecarPath);
        Directory.CreateDirectory(Path.Combine(records[2].SidecarPath, "x"));
        var results = operation.Remove(plan.Removals.ToList(), OperationContext.None);
        Assert.Equal([true, false, true], results.Select(r => r.Removed));
        Assert.Equal("RemoveFailed", results[1].Error!.ErrorId);
        Assert.False(File.Exists(records[3].Path));
        Assert.True(File.Exists(records[2].Path));
    }

    [Fact]
    public void Cancellation_stops_between_removals()
    {
        var records = Enumerable.Range(0, 4).Select(i => Dated("shop", Now.AddDays(-i))).ToList();
        var operation = new RetentionOperation(_temp["backups"]);
        var plan = operation.Plan(new RetentionPolicy { KeepLast = 1 }, Now, OperationContext.None);
        using var stop = new CancellationTokenSource();
        var context = new OperationContext(stop.Token, verbose: v => { if (v.StartsWith("Removed '", StringComparison.Ordinal)) stop.Cancel(); });
        var error = Assert.Throws<BackupException>(() => operation.Remove(plan.Removals.ToList(), context));
        Assert.Equal("OperationStopped", error.ErrorId);
        Assert.Equal(3, new LocalFolderDestination(_temp["backups"]).List().Count); // one removed, then stopped
    }

    private sealed class SyncProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
