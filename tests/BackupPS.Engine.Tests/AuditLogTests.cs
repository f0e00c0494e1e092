using System.Text.Json;
using BackupPS.Engine.Audit;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>audit.jsonl: one whole JSON line per operation, concurrent writers never interleave, torn lines are skipped, no secrets.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string LogOf(string folder) => Path.Combine(folder, LocalAuditStore.FileName);

    private static List<AuditEntry> ReadAll(string folder, List<int>? malformed = null) =>
        AuditLog.Read(folder, (line, _) => malformed?.Add(line));

    [Fact]
    public void Concurrent_appends_from_many_threads_are_whole_lines()
    {
        var folder = _temp.CreateDirectory("log");
        const int threads = 8, perThread = 150;
        // Lines longer than a pipe buffer / page, so a torn or interleaved write would show.
        var padding = new string('x', 5000);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (var i = 0; i < perThread; i++)
                AuditLog.Record(folder, new AuditEntry { Operation = AuditOperation.New, Database = $"t{t}-{i}", Detail = padding });
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        var lines = File.ReadAllText(LogOf(folder)).Split('\n');
        Assert.Equal("", lines[^1]); // ends with a newline
        var databases = new HashSet<string>();
        foreach (var line in lines[..^1])
        {
            using var doc = JsonDocument.Parse(line); // every line is a complete JSON object
            Assert.Equal(padding, doc.RootElement.GetProperty("detail").GetString());
            Assert.True(databases.Add(doc.RootElement.GetProperty("database").GetString()!));
        }
        Assert.Equal(threads * perThread, databases.Count);
        Assert.Equal(threads * perThread, ReadAll(folder).Count);
    }

    [Fact]
    public void A_torn_last_line_is_skipped_and_the_next_append_starts_a_new_line()
    {
        var folder = _temp.CreateDirectory("log");
        AuditLog.Record(folder, new AuditEntry { Operation = AuditOperation.New, Database = "one" });
        AuditLog.Record(folder, new AuditEntry { Operation = AuditOperation.Test, Database = "two" });
        // A writer killed mid-write leaves half a line without its newline.
        File.AppendAllText(LogOf(folder), "{\"time\":\"2026-01-01T00:00:00Z\",\"operation\":\"Rem");

        var malformed = new List<int>();
        Assert.Equal(["one", "two"], ReadAll(folder, malformed).Select(e => e.Database));
        Assert.Equal([3], malformed);

        AuditLog.Record(folder, new AuditEntry { Operation = AuditOperation.Remove, Database = "three" });
        malformed.Clear();
        Assert.Equal(["one", "two", "three"], ReadAll(folder, malformed).Select(e => e.Database));
        Assert.Equal([3], malformed); // only the torn line is lost
    }

    [Fact]
    public void Garbage_lines_are_skipped_not_fatal()
    {
        var folder = _temp.CreateDirectory("log");
        File.WriteAllText(LogOf(folder), "not json\n[1,2]\n{}\n\n");
        AuditLog.Record(folder, new AuditEntry { Operation = AuditOperation.New, Database = "ok" });
        var malformed = new List<int>();
        Assert.Equal(["ok"], ReadAll(folder, malformed).Select(e => e.Database));
        Assert.Equal([1, 2, 3], malformed);
    }

    [Fact]
    public void The_log_is_private_to_its_owner()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = _temp.CreateDirectory("log");
        AuditLog.Record(folder, new AuditEntry { Operation = AuditOperation.New });
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LogOf(folder)));
    }

    [Fact]
    public void A_backup_writes_one_line_with_its_fields()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, _temp["backups"]);
        var entry = Assert.Single(ReadAll(_temp["backups"]));
        Assert.Equal(AuditOperation.New, entry.Operation);
        Assert.Equal(AuditResult.Succeeded, entry.Result);
        Assert.Equal(record.Id, entry.BackupId);
        Assert.Equal("app", entry.Database);
        Assert.Equal("Database", entry.Type);
        Assert.Equal(record.Path, entry.Path);
        Assert.Equal(record.SizeBytes, entry.Bytes);
        Assert.Equal(Environment.MachineName, entry.Host);
        Assert.Equal(Environment.UserName, entry.User);
        Assert.Equal(_temp["backups"], entry.Destination);
        Assert.InRange(entry.Time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(TimeSpan.Zero, entry.Time.Offset);
        Assert.Null(entry.Error);
    }

    [Fact]
    public void A_failed_backup_writes_a_failed_line_and_the_error_still_reaches_the_caller()
    {
        var destination = _temp.CreateDirectory("backups");
        var ex = Assert.Throws<BackupException>(() => Backups.Make(_temp["missing.db"], destination));
        var entry = Assert.Single(ReadAll(destination));
        Assert.Equal(AuditResult.Failed, entry.Result);
        Assert.Equal(ex.ErrorId, entry.ErrorId);
        Assert.Equal(ex.Message, entry.Error);
        Assert.Equal("missing", entry.Database);
    }

    [Fact]
    public void Test_restore_and_remove_write_their_lines_in_the_backups_folder()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, _temp["backups"]);
        Assert.True(Backups.Verify(record.Path).Passed);
        Backups.Restore(new RestoreRequest { Record = record, Target = _temp["restored.db"] });
        RemoveOperation.Run(record, OperationContext.None);

        var entries = ReadAll(_temp["backups"]);
        Assert.Equal([AuditOperation.New, AuditOperation.Test, AuditOperation.Restore, AuditOperation.Remove],
            entries.Where(e => e.Type != "PreRestore").Select(e => e.Operation));
        Assert.All(entries.Where(e => e.Type != "PreRestore"), e => Assert.Equal(record.Id, e.BackupId));
        Assert.All(entries, e => Assert.Equal(AuditResult.Succeeded, e.Result));
        var restore = entries.Single(e => e.Operation == AuditOperation.Restore);
        Assert.Equal(_temp["restored.db"], restore.Target);
        Assert.True(restore.Bytes > 0);
    }

    [Fact]
    public void A_damaged_backup_gives_a_failed_test_line_with_the_reason()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, _temp["backups"]);
        Bytes.FlipByte(record.Path, new FileInfo(record.Path).Length / 2);
        var result = Backups.Verify(record.Path);
        Assert.False(result.Passed);
        var entry = ReadAll(_temp["backups"]).Single(e => e.Operation == AuditOperation.Test);
        Assert.Equal(AuditResult.Failed, entry.Result);
        Assert.Equal(result.FailureReason, entry.Error);
        Assert.Null(entry.ErrorId);
    }

    [Fact]
    public void An_audit_log_that_cannot_be_written_is_a_warning_not_a_failed_backup()
    {
        var db = Db.Create(_temp["app.db"]);
        var destination = _temp.CreateDirectory("backups");
        Directory.CreateDirectory(LogOf(destination)); // audit.jsonl is a folder: appending fails
        var warnings = new List<string>();
        var record = Backups.Make(db, destination, warnings: warnings);
        Assert.True(File.Exists(record.Path));
        Assert.Contains(warnings, w => w.Contains("audit log", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("postgres://app:S3cr3t-pw@db.internal:5432/assets", "S3cr3t-pw")]
    [InlineData("Host=db;Username=app;Password=S3cr3t-pw;Database=assets", "S3cr3t-pw")]
    [InlineData("host=db password='S3cr3t pw' dbname=assets", "S3cr3t pw")]
    [InlineData("Server=db;Pwd=S3cr3t-pw", "S3cr3t-pw")]
    [InlineData("postgresql://app:S3cr3t%40pw@db/assets?sslmode=require", "S3cr3t%40pw")]
    [InlineData("https://host/x?password=S3cr3t-pw&y=1", "S3cr3t-pw")]
    public void Secrets_never_reach_the_log(string connection, string secret)
    {
        var folder = _temp.CreateDirectory("log");
        AuditLog.Record(folder, new AuditEntry
        {
            Operation = AuditOperation.New,
            Database = connection,
            Error = $"Cannot connect to {connection}: refused",
            Path = connection,
            Target = connection,
            Detail = connection,
        });
        var text = File.ReadAllText(LogOf(folder));
        Assert.DoesNotContain(secret, text);
        Assert.Contains("***", text);
        Assert.Single(ReadAll(folder));
    }

    [Fact]
    public void A_failed_postgres_backup_logs_no_password()
    {
        var destination = _temp.CreateDirectory("backups");
        var connection = Sources.PostgresConnectionInfo.Parse("postgres://app:Pw-9f8e7d@127.0.0.1:1/assets", null, null);
        Assert.ThrowsAny<Exception>(() => PostgresBackupOperation.Run(new PostgresBackupRequest { Connection = connection, Destination = destination }, OperationContext.None));
        var text = File.ReadAllText(LogOf(destination));
        Assert.DoesNotContain("Pw-9f8e7d", text);
        var entry = Assert.Single(ReadAll(destination));
        Assert.Equal(AuditResult.Failed, entry.Result);
        Assert.Equal("assets", entry.Database);
        Assert.False(string.IsNullOrEmpty(entry.Error));
    }

    [Fact]
    public void A_retention_decision_is_one_line_with_its_result_and_reason()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, _temp["backups"]);
        AuditLog.RecordRetention(record, removed: false, "-KeepLast 7: 1st newest");
        var entry = ReadAll(_temp["backups"]).Last();
        Assert.Equal(AuditOperation.Retention, entry.Operation);
        Assert.Equal(AuditResult.Kept, entry.Result);
        Assert.Equal(record.Id, entry.BackupId);
        Assert.Equal("-KeepLast 7: 1st newest", entry.Detail);
    }

    [Fact]
    public void Query_filters_and_last()
    {
        var folder = _temp.CreateDirectory("log");
        var id = Guid.NewGuid();
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        AuditLog.Record(folder, new AuditEntry { Time = t0, Operation = AuditOperation.New, Database = "app", BackupId = id });
        AuditLog.Record(folder, new AuditEntry { Time = t0.AddHours(1), Operation = AuditOperation.Test, Database = "app", BackupId = id, Result = AuditResult.Failed });
        AuditLog.Record(folder, new AuditEntry { Time = t0.AddHours(2), Operation = AuditOperation.New, Database = "other" });
        AuditLog.Record(folder, new AuditEntry { Time = t0.AddHours(3), Operation = AuditOperation.Remove, Database = "app", BackupId = id });
        var all = ReadAll(folder);

        Assert.Equal(4, new AuditQuery().Apply(all).Count());
        Assert.Equal(["other"], new AuditQuery { DatabaseNames = ["o*"] }.Apply(all).Select(e => e.Database));
        Assert.Equal(3, new AuditQuery { Ids = [id.ToString("N")[..6]] }.Apply(all).Count());
        Assert.Empty(new AuditQuery { Ids = ["ab"] }.Apply(all)); // fewer than 4 digits match nothing
        Assert.Equal([AuditOperation.Test], new AuditQuery { Results = [AuditResult.Failed] }.Apply(all).Select(e => e.Operation));
        Assert.Equal([AuditOperation.New, AuditOperation.New], new AuditQuery { Operations = [AuditOperation.New] }.Apply(all).Select(e => e.Operation));
        Assert.Equal([AuditOperation.Test, AuditOperation.New], new AuditQuery { After = t0, Before = t0.AddHours(3) }.Apply(all).Select(e => e.Operation));
        Assert.Equal([AuditOperation.New, AuditOperation.Remove], new AuditQuery { Last = 2 }.Apply(all).Select(e => e.Operation));
    }
}
