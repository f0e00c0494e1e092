using System.Globalization;
using System.Text.Json;
using BackupPS.Engine.Model;
using BackupPS.Engine.Retention;

namespace BackupPS.Engine.Tests;

/// <summary>
/// Differential test against restic's own golden files (<c>TestApplyPolicy</c>, vendored with their licence in
/// Fixtures/restic-policy, see its README): every restic policy BackupPS can express runs through
/// <see cref="RetentionEngine"/> on restic's input list, and the kept backups (order, identity), the rules that kept
/// each ("matches") and the counters left after each must equal restic's exactly.
///
/// restic field -> our parameter: Last -> KeepLast, Hourly/Daily/Weekly/Monthly/Yearly -> KeepHourly/..., Within ->
/// KeepWithin, WithinHourly/Daily/Weekly/Monthly/Yearly -> KeepWithinHourly/..., -1 -> Unlimited. Buckets in UTC (restic
/// buckets in each snapshot's own zone; the inputs are UTC).
///
/// Not expressible, by design (asserted below so the list stays true):
/// - 0, the empty policy: restic's ApplyPolicy keeps nothing (its forget command refuses to run without a policy);
///   we refuse it up front with NoRetentionRule, and an empty result would be RetentionWouldRemoveAll anyway.
/// - 18, 19, 20, Tags: BackupPS backups have no tags. Grouping by host/paths is restic's forget command, not
///   ApplyPolicy; our series are per database and type (PreRestore apart), which these fixtures do not exercise.
/// </summary>
public sealed class ResticPolicyOracleTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "restic-policy");

    /// <summary>restic takes time.Now() as "now"; any instant after its inputs gives the same result.</summary>
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly int[] Unexpressible = [0, 18, 19, 20];

    private sealed record Snapshot(DateTimeOffset Time, string[] Tags, string[] Paths)
    {
        public string Key => $"{Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.FFFFFFF}Z tags=[{string.Join(",", Tags)}] paths=[{string.Join(",", Paths)}]";
    }

    private static readonly Lazy<Snapshot[]> Input = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "input_snapshots.json"))).RootElement.EnumerateArray()
            .Select(e => new Snapshot(
                DateTimeOffset.ParseExact(e.GetProperty("time").GetString()!, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                Strings(e, "tags"), Strings(e, "paths")))
            .ToArray());

    private static readonly Lazy<JsonElement[]> Policies = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "policies.json"))).RootElement.EnumerateArray().ToArray());

    private static string[] Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

    public static TheoryData<int> ExpressiblePolicies()
    {
        var data = new TheoryData<int>();
        foreach (var i in Enumerable.Range(0, Policies.Value.Length).Except(Unexpressible)) data.Add(i);
        return data;
    }

    [Fact]
    public void The_fixtures_are_all_there()
    {
        Assert.Equal(103, Input.Value.Length);
        Assert.Equal(40, Policies.Value.Length);
        for (var i = 0; i < Policies.Value.Length; i++) Assert.True(File.Exists(Golden(i)), Golden(i));
        Assert.True(File.Exists(Path.Combine(Folder, "LICENSE")));
    }

    [Theory]
    [MemberData(nameof(ExpressiblePolicies))]
    public void Keeps_what_restic_keeps_for_the_same_reasons(int index)
    {
        var spec = Policies.Value[index];
        var policy = Map(spec);
        // The paths sort in input order, so backups with equal times are ordered as restic's stable sort orders them.
        var backups = Input.Value.Select((s, i) => new RetentionBackup($"/restic/{i:D3}", Guid.NewGuid(), "restic", BackupType.Full, s.Time, false, 1)).ToArray();
        var decisions = RetentionEngine.Evaluate(backups, policy, Now);
        Assert.Equal(backups.Length, decisions.Count);

        var kept = decisions.Where(d => d.Action == RetentionAction.Keep).ToList();
        var actualKeep = kept.Select(d => Input.Value[int.Parse(Path.GetFileName(d.Backup.Path), CultureInfo.InvariantCulture)].Key).ToList();
        var actualReasons = new List<string>();
        var left = new Dictionary<string, int>();
        foreach (var (field, _) in Counters) if (spec.TryGetProperty(field, out var c)) left[field] = c.GetInt32();
        foreach (var d in kept)
        {
            foreach (var r in d.Reasons)
                if (CounterOf(r.Rule) is { } field && left[field] > 0) left[field]--;
            actualReasons.Add(Describe(d.Backup, d.Reasons.Select(r => Match(r, spec)), left));
        }

        var golden = JsonDocument.Parse(File.ReadAllText(Golden(index))).RootElement;
        var expectedKeep = golden.GetProperty("keep").EnumerateArray().Select(s => ToSnapshot(s).Key).ToList();
        var expectedReasons = golden.GetProperty("reasons").EnumerateArray().Select(r =>
        {
            var counters = r.GetProperty("counters");
            return Describe(ToSnapshot(r.GetProperty("snapshot")), r.GetProperty("matches").EnumerateArray().Select(m => m.GetString()!),
                Counters.Where(c => counters.TryGetProperty(c.Json, out _)).ToDictionary(c => c.Field, c => counters.GetProperty(c.Json).GetInt32()));
        }).ToList();

        Assert.Equal(expectedKeep, actualKeep);
        Assert.Equal(expectedReasons, actualReasons);
        Assert.All(decisions.Where(d => d.Action == RetentionAction.Remove), d => Assert.Equal(RetentionRules.NotKept, d.Reasons.Single().Rule));
    }

    [Fact]
    public void The_policies_we_cannot_express_are_the_empty_one_and_tags()
    {
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(File.ReadAllText(Golden(0))).RootElement.GetProperty("keep").ValueKind);
        var backups = Input.Value.Select((s, i) => new RetentionBackup($"/restic/{i:D3}", Guid.NewGuid(), "restic", BackupType.Full, s.Time, false, 1)).ToArray();
        Assert.Equal("NoRetentionRule", Assert.Throws<BackupException>(() => RetentionEngine.Evaluate(backups, Map(Policies.Value[0]), Now)).ErrorId);
        foreach (var i in Unexpressible.Skip(1))
            Assert.True(Policies.Value[i].TryGetProperty("Tags", out _), $"policy {i} is listed as not expressible but has no Tags");
    }

    private static string Golden(int index) => Path.Combine(Folder, $"policy_keep_snapshots_{index}");

    private static Snapshot ToSnapshot(JsonElement s) =>
        new(DateTimeOffset.Parse(s.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), Strings(s, "tags"), Strings(s, "paths"));

    private static Snapshot ToSnapshot(RetentionBackup b) => Input.Value[int.Parse(Path.GetFileName(b.Path), CultureInfo.InvariantCulture)];

    private static string Describe(Snapshot s, IEnumerable<string> matches, IReadOnlyDictionary<string, int> counters) =>
        $"{s.Key}: [{string.Join("; ", matches)}] counters {{{string.Join(", ", counters.Where(c => c.Value != 0).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"))}}}";

    private static string Describe(RetentionBackup b, IEnumerable<string> matches, IReadOnlyDictionary<string, int> counters) => Describe(ToSnapshot(b), matches, counters);

    private static readonly (string Field, string Json)[] Counters =
        [("Last", "last"), ("Hourly", "hourly"), ("Daily", "daily"), ("Weekly", "weekly"), ("Monthly", "monthly"), ("Yearly", "yearly")];

    private static string? CounterOf(string rule) => rule switch
    {
        RetentionRules.KeepLast => "Last",
        RetentionRules.KeepHourly => "Hourly",
        RetentionRules.KeepDaily => "Daily",
        RetentionRules.KeepWeekly => "Weekly",
        RetentionRules.KeepMonthly => "Monthly",
        RetentionRules.KeepYearly => "Yearly",
        _ => null,
    };

    /// <summary>Our reason in restic's words ("daily snapshot", "oldest hourly within 1y2m3d3h", "within 1d").</summary>
    private static string Match(RetentionReason r, JsonElement spec)
    {
        var oldest = r.Detail.StartsWith("oldest backup", StringComparison.Ordinal) ? "oldest " : "";
        return r.Rule switch
        {
            RetentionRules.KeepLast => oldest + "last snapshot",
            RetentionRules.KeepHourly => oldest + "hourly snapshot",
            RetentionRules.KeepDaily => oldest + "daily snapshot",
            RetentionRules.KeepWeekly => oldest + "weekly snapshot",
            RetentionRules.KeepMonthly => oldest + "monthly snapshot",
            RetentionRules.KeepYearly => oldest + "yearly snapshot",
            RetentionRules.KeepWithin => $"within {RetentionPeriod.Parse(spec.GetProperty("Within").GetString()!)}",
            RetentionRules.KeepWithinHourly => $"{oldest}hourly within {RetentionPeriod.Parse(spec.GetProperty("WithinHourly").GetString()!)}",
            RetentionRules.KeepWithinDaily => $"{oldest}daily within {RetentionPeriod.Parse(spec.GetProperty("WithinDaily").GetString()!)}",
            RetentionRules.KeepWithinWeekly => $"{oldest}weekly within {RetentionPeriod.Parse(spec.GetProperty("WithinWeekly").GetString()!)}",
            RetentionRules.KeepWithinMonthly => $"{oldest}monthly within {RetentionPeriod.Parse(spec.GetProperty("WithinMonthly").GetString()!)}",
            RetentionRules.KeepWithinYearly => $"{oldest}yearly within {RetentionPeriod.Parse(spec.GetProperty("WithinYearly").GetString()!)}",
            _ => $"unexpected rule {r}",
        };
    }

    /// <summary>restic's ExpirePolicy as our policy (UTC buckets).</summary>
    private static RetentionPolicy Map(JsonElement spec)
    {
        int? Count(string field) => spec.TryGetProperty(field, out var v) ? v.GetInt32() : null;
        RetentionPeriod? Span(string field) => spec.TryGetProperty(field, out var v) ? RetentionPeriod.Parse(v.GetString()!, field) : null;
        foreach (var p in spec.EnumerateObject())
            Assert.Contains(p.Name, new[] { "Last", "Hourly", "Daily", "Weekly", "Monthly", "Yearly", "Within", "WithinHourly", "WithinDaily", "WithinWeekly", "WithinMonthly", "WithinYearly", "Tags" });
        return new RetentionPolicy
        {
            KeepLast = Count("Last"),
            KeepHourly = Count("Hourly"),
            KeepDaily = Count("Daily"),
            KeepWeekly = Count("Weekly"),
            KeepMonthly = Count("Monthly"),
            KeepYearly = Count("Yearly"),
            KeepWithin = Span("Within"),
            KeepWithinHourly = Span("WithinHourly"),
            KeepWithinDaily = Span("WithinDaily"),
            KeepWithinWeekly = Span("WithinWeekly"),
            KeepWithinMonthly = Span("WithinMonthly"),
            KeepWithinYearly = Span("WithinYearly"),
            TimeZone = TimeZoneInfo.Utc,
        };
    }
}
