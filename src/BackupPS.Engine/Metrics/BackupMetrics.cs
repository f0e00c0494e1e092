using BackupPS.Engine.Audit;

namespace BackupPS.Engine.Metrics;

/// <summary>
/// -MetricsPath: the outcome of each operation as Prometheus gauges per database and operation (backup, verify, restore,
/// remove), merged into a textfile-collector file. Other databases' and operations' series are kept, and so is the last
/// success timestamp when a later run fails, so "no backup in 24 h" is one rule:
/// time() - backupps_last_success_timestamp_seconds{operation="backup"} &gt; 86400.
/// </summary>
public static class BackupMetrics
{
    public const string LastSuccess = "backupps_last_success_timestamp_seconds";
    public const string LastRun = "backupps_last_run_timestamp_seconds";
    public const string LastRunSuccess = "backupps_last_run_success";
    public const string LastDuration = "backupps_last_duration_seconds";
    public const string LastSize = "backupps_last_size_bytes";
    public const string LastVerificationPassed = "backupps_last_verification_passed";

    public static readonly IReadOnlyList<PrometheusFamily> Families =
    [
        new(LastSuccess, "gauge", "Unix time of the last successful run of this operation on this database."),
        new(LastRun, "gauge", "Unix time of the last run (successful or not) of this operation on this database."),
        new(LastRunSuccess, "gauge", "1 if the last run of this operation on this database succeeded, else 0."),
        new(LastDuration, "gauge", "Duration of the last run of this operation on this database, in seconds."),
        new(LastSize, "gauge", "Bytes of the last successful run: backup file size (backup, verify), bytes restored (restore)."),
        new(LastVerificationPassed, "gauge", "1 if the last verification (Test-DbBackup) of this database's backup passed, else 0."),
    ];

    /// <summary>The operation label of an audited operation.</summary>
    public static string OperationLabel(AuditOperation operation) => operation switch
    {
        AuditOperation.New => "backup",
        AuditOperation.Test => "verify",
        _ => operation.ToString().ToLowerInvariant(),
    };

    /// <summary>Records <paramref name="entry"/> in <paramref name="path"/>; a failure is a warning, never an error.</summary>
    public static void TryRecord(string path, AuditEntry entry, OperationContext? context)
    {
        try
        {
            Record(path, entry);
        }
        catch (Exception ex)
        {
            context?.Warning($"The metrics file '{path}' could not be written ({SecretScrubber.Scrub(ex.Message)}); the {entry.Operation} itself is not affected.");
        }
    }

    public static void Record(string path, AuditEntry entry) => PrometheusTextFile.Update(path, samples => Render(samples, entry));

    /// <summary>The file's new text: <paramref name="samples"/> with this database+operation's series replaced by <paramref name="entry"/>.</summary>
    public static string Render(List<PrometheusSample> samples, AuditEntry entry)
    {
        var database = SecretScrubber.Scrub(entry.Database) ?? "";
        var operation = OperationLabel(entry.Operation);
        var succeeded = entry.Result is AuditResult.Succeeded;
        // A verification that ran (pass or fail) has no error id; one that could not run says nothing about the backup.
        var verified = entry.Operation == AuditOperation.Test && entry.ErrorId is null && (entry.Result is AuditResult.Succeeded or AuditResult.Failed);

        bool Ours(PrometheusSample s) =>
            s.Label("database") == database && (s.Name == LastVerificationPassed ? verified : s.Label("operation") == operation)
            && (s.Name != LastSuccess || succeeded) && (s.Name != LastSize || succeeded);
        var kept = samples.Where(s => !Ours(s)).ToList();

        List<KeyValuePair<string, string>> labels = [new("database", database), new("operation", operation)];
        var time = entry.Time.ToUnixTimeMilliseconds() / 1000.0;
        kept.Add(new(LastRun, labels, time));
        kept.Add(new(LastRunSuccess, labels, succeeded ? 1 : 0));
        kept.Add(new(LastDuration, labels, entry.DurationMs / 1000.0));
        if (succeeded) kept.Add(new(LastSuccess, labels, time));
        if (succeeded && entry.Bytes is { } bytes) kept.Add(new(LastSize, labels, bytes));
        if (verified) kept.Add(new(LastVerificationPassed, [new("database", database)], succeeded ? 1 : 0));
        return PrometheusTextFile.Render(Families, kept);
    }
}
