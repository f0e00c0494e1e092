using System.Text.RegularExpressions;
using BackupPS.Engine.Audit;
using BackupPS.Engine.Metrics;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>-MetricsPath: the text exposition format, escaping, merging with other series, atomic replacement.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    // The text exposition format, strictly: HELP/TYPE comments, or name{label="escaped",...} value.
    private static readonly Regex HelpLine = new(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$");
    private static readonly Regex TypeLine = new(@"^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$");
    private static readonly Regex SampleLine = new(
        @"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*""(,[a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*"")*\})? -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$");

    private static AuditEntry Entry(string database, AuditOperation operation, AuditResult result, DateTimeOffset time, long? bytes = 1000, string? errorId = null) => new()
    {
        Database = database,
        Operation = operation,
        Result = result,
        Time = time,
        DurationMs = 1500,
        Bytes = bytes,
        ErrorId = errorId,
    };

    private static Dictionary<string, double> Samples(string path) =>
        PrometheusTextFile.Parse(File.ReadAllText(path)).ToDictionary(s => s.Name + s.LabelText(), s => s.Value);

    private static void AssertWellFormed(string text)
    {
        Assert.EndsWith("\n", text);
        string? typed = null;
        foreach (var line in text.Split('\n')[..^1])
        {
            if (line.StartsWith("# HELP ")) { Assert.Matches(HelpLine, line); continue; }
            if (line.StartsWith("# TYPE ")) { Assert.Matches(TypeLine, line); typed = line.Split(' ')[2]; continue; }
            Assert.Matches(SampleLine, line);
            Assert.Equal(typed, line.Split('{', ' ')[0]); // every sample follows its family's TYPE line
        }
    }

    [Fact]
    public void Format_has_help_type_and_samples_per_database_and_operation()
    {
        var path = _temp["m/backupps.prom"];
        var t = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 500, TimeSpan.Zero);
        BackupMetrics.Record(path, Entry("app", AuditOperation.New, AuditResult.Succeeded, t, bytes: 12345));
        var text = File.ReadAllText(path);
        AssertWellFormed(text);
        var samples = Samples(path);
        Assert.Equal(t.ToUnixTimeMilliseconds() / 1000.0, samples["backupps_last_success_timestamp_seconds{database=\"app\",operation=\"backup\"}"]);
        Assert.Equal(1, samples["backupps_last_run_success{database=\"app\",operation=\"backup\"}"]);
        Assert.Equal(1.5, samples["backupps_last_duration_seconds{database=\"app\",operation=\"backup\"}"]);
        Assert.Equal(12345, samples["backupps_last_size_bytes{database=\"app\",operation=\"backup\"}"]);
        Assert.Contains("backupps_last_success_timestamp_seconds{database=\"app\",operation=\"backup\"} 1772366400.5\n", text);
        Assert.Equal(5, samples.Count); // no verification sample for a backup
    }

    [Fact]
    public void Label_values_are_escaped_and_parse_back()
    {
        var path = _temp["m.prom"];
        var name = "we\\ird \"db\"\nname";
        BackupMetrics.Record(path, Entry(name, AuditOperation.New, AuditResult.Succeeded, DateTimeOffset.UtcNow));
        var text = File.ReadAllText(path);
        AssertWellFormed(text);
        Assert.Contains("{database=\"we\\\\ird \\\"db\\\"\\nname\",operation=\"backup\"}", text);
        Assert.All(PrometheusTextFile.Parse(text), s => Assert.Equal(name, s.Label("database")));
    }

    [Fact]
    public void Merge_keeps_other_series_and_a_failure_keeps_the_last_success_time()
    {
        var path = _temp["m.prom"];
        var t1 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        BackupMetrics.Record(path, Entry("app", AuditOperation.New, AuditResult.Succeeded, t1, bytes: 100));
        BackupMetrics.Record(path, Entry("other", AuditOperation.New, AuditResult.Succeeded, t1.AddMinutes(1), bytes: 200));
        BackupMetrics.Record(path, Entry("app", AuditOperation.Test, AuditResult.Succeeded, t1.AddMinutes(2)));
        BackupMetrics.Record(path, Entry("app", AuditOperation.New, AuditResult.Failed, t1.AddDays(1), bytes: null, errorId: "DiskFull"));

        AssertWellFormed(File.ReadAllText(path));
        var s = Samples(path);
        const string app = "{database=\"app\",operation=\"backup\"}";
        Assert.Equal(t1.ToUnixTimeSeconds(), s["backupps_last_success_timestamp_seconds" + app]); // survives the failure
        Assert.Equal(t1.AddDays(1).ToUnixTimeSeconds(), s["backupps_last_run_timestamp_seconds" + app]);
        Assert.Equal(0, s["backupps_last_run_success" + app]);
        Assert.Equal(100, s["backupps_last_size_bytes" + app]);
        Assert.Equal(200, s["backupps_last_size_bytes{database=\"other\",operation=\"backup\"}"]);
        Assert.Equal(1, s["backupps_last_run_success{database=\"other\",operation=\"backup\"}"]);
        Assert.Equal(1, s["backupps_last_run_success{database=\"app\",operation=\"verify\"}"]);
        Assert.Equal(1, s["backupps_last_verification_passed{database=\"app\"}"]);
    }

    [Fact]
    public void A_failed_verification_sets_verification_passed_to_zero_but_a_verification_that_could_not_run_does_not()
    {
        var path = _temp["m.prom"];
        var t = DateTimeOffset.UtcNow;
        BackupMetrics.Record(path, Entry("app", AuditOperation.Test, AuditResult.Succeeded, t));
        BackupMetrics.Record(path, Entry("app", AuditOperation.Test, AuditResult.Failed, t.AddSeconds(1), errorId: "DiskFull"));
        Assert.Equal(1, Samples(path)["backupps_last_verification_passed{database=\"app\"}"]);
        BackupMetrics.Record(path, Entry("app", AuditOperation.Test, AuditResult.Failed, t.AddSeconds(2)));
        Assert.Equal(0, Samples(path)["backupps_last_verification_passed{database=\"app\"}"]);
    }

    [Fact]
    public void The_file_is_replaced_atomically_readable_by_the_collector_with_no_temp_file_left()
    {
        var folder = _temp.CreateDirectory("textfile");
        var path = Path.Combine(folder, "backupps.prom");
        var inode = new List<string>();
        BackupMetrics.Record(path, Entry("app", AuditOperation.New, AuditResult.Succeeded, DateTimeOffset.UtcNow));
        var first = File.ReadAllText(path);
        using (var held = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            BackupMetrics.Record(path, Entry("other", AuditOperation.New, AuditResult.Succeeded, DateTimeOffset.UtcNow));
            // A reader that had the old file open still reads the old, complete content: the new file was renamed over it.
            Assert.Equal(first, new StreamReader(held).ReadToEnd());
        }
        Assert.Contains("other", File.ReadAllText(path));
        Assert.Equal(["backupps.prom", "backupps.prom.lock"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Concurrent_writers_lose_no_database()
    {
        var path = _temp["m.prom"];
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 10; i++)
                BackupMetrics.Record(path, Entry($"db{t}-{i}", AuditOperation.New, AuditResult.Succeeded, DateTimeOffset.UtcNow));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        AssertWellFormed(File.ReadAllText(path));
        var databases = PrometheusTextFile.Parse(File.ReadAllText(path)).Where(s => s.Name == BackupMetrics.LastSuccess).Select(s => s.Label("database")).ToHashSet();
        Assert.Equal(80, databases.Count);
    }

    [Fact]
    public void A_damaged_file_is_started_afresh_and_malformed_samples_are_refused_by_the_parser()
    {
        var path = _temp.WriteFile("m.prom", "this is not { a metric\n");
        Assert.Throws<FormatException>(() => PrometheusTextFile.Parse(File.ReadAllText(path)));
        BackupMetrics.Record(path, Entry("app", AuditOperation.New, AuditResult.Succeeded, DateTimeOffset.UtcNow));
        AssertWellFormed(File.ReadAllText(path));
        Assert.Throws<FormatException>(() => PrometheusTextFile.Parse("m{a=\"unterminated} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusTextFile.Parse("m{a=\"x\\q\"} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusTextFile.Parse("m 1 notatimestamp\n"));
    }

    [Fact]
    public void The_engine_writes_metrics_for_the_outer_operation_only()
    {
        var db = Db.Create(_temp["app.db"]);
        var path = _temp["m.prom"];
        var context = new OperationContext { MetricsPath = path };
        var record = BackupOperation.Run(new BackupRequest { DatabasePath = db, Destination = _temp["backups"] }, context);
        var backupTime = Samples(path)["backupps_last_success_timestamp_seconds{database=\"app\",operation=\"backup\"}"];
        File.Copy(db, _temp["restored.db"]); // an existing target: the restore takes a PreRestore safety backup of it
        var request = new RestoreRequest { Record = record, Target = _temp["restored.db"] };
        RestoreOperation.Run(RestoreOperation.Plan(request), request, context);

        var s = Samples(path);
        Assert.Equal(1, s["backupps_last_run_success{database=\"app\",operation=\"restore\"}"]);
        // The PreRestore safety backup taken by the restore is not the database's last backup.
        Assert.Equal(backupTime, s["backupps_last_success_timestamp_seconds{database=\"app\",operation=\"backup\"}"]);
        Assert.Contains(AuditLog.Read(_temp["backups"]), e => e.Type == "PreRestore" && e.Operation == AuditOperation.New);
    }

    [Fact]
    public void A_metrics_file_that_cannot_be_written_is_a_warning()
    {
        var db = Db.Create(_temp["app.db"]);
        var path = _temp.CreateDirectory("m.prom"); // a folder where the file should be
        var warnings = new List<string>();
        var context = new OperationContext(warning: warnings.Add) { MetricsPath = path };
        var record = BackupOperation.Run(new BackupRequest { DatabasePath = db, Destination = _temp["backups"] }, context);
        Assert.True(File.Exists(record.Path));
        Assert.Contains(warnings, w => w.Contains("metrics file", StringComparison.Ordinal));
    }
}
