using BackupPS.Engine.Model;
using BackupPS.Engine.Retention;

namespace BackupPS.Engine.Tests;

/// <summary>The retention rule engine on synthetic calendars (pure: no files, explicit now).</summary>
public sealed class RetentionEngineTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso + "Z", System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    private static RetentionBackup B(string utcIso, string db = "shop", BackupType type = BackupType.Database, bool verified = false) =>
        B(Utc(utcIso), db, type, verified);

    private static RetentionBackup B(DateTimeOffset created, string db = "shop", BackupType type = BackupType.Database, bool verified = false) =>
        new($"/b/{db}_{created.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}_{type}.tar.zst", Guid.NewGuid(), db, type, created, verified, 1000);

    private static IReadOnlyList<RetentionDecision> Run(RetentionPolicy policy, params RetentionBackup[] backups) => RetentionEngine.Evaluate(backups, policy, Now);

    private static string[] Kept(IEnumerable<RetentionDecision> decisions) =>
        decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Backup.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss")).OrderBy(s => s, StringComparer.Ordinal).ToArray();

    private static string[] Removed(IEnumerable<RetentionDecision> decisions) =>
        decisions.Where(d => d.Action == RetentionAction.Remove).Select(d => d.Backup.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss")).OrderBy(s => s, StringComparer.Ordinal).ToArray();

    private static RetentionDecision At(IEnumerable<RetentionDecision> decisions, string utcIso) => decisions.Single(d => d.Backup.CreatedUtc == Utc(utcIso));

    private static string[] Rules(RetentionDecision d) => d.Reasons.Select(r => r.Rule).ToArray();

    [Fact]
    public void KeepLast_keeps_the_newest_N_and_says_so()
    {
        var d = Run(new RetentionPolicy { KeepLast = 3, TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T01:00:00"), B("2026-11-21T01:00:00"), B("2026-11-22T01:00:00"), B("2026-11-23T01:00:00"), B("2026-11-24T01:00:00"));
        Assert.Equal(["2026-11-22T01:00:00", "2026-11-23T01:00:00", "2026-11-24T01:00:00"], Kept(d));
        Assert.Equal(new RetentionReason(RetentionRules.KeepLast, "1 of 3"), At(d, "2026-11-24T01:00:00").Reasons.Single());
        Assert.Equal(new RetentionReason(RetentionRules.NotKept, "no rule keeps it"), At(d, "2026-11-20T01:00:00").Reasons.Single());
        Assert.Equal(d.Select(x => x.Backup.CreatedUtc).OrderByDescending(t => t), d.Select(x => x.Backup.CreatedUtc)); // newest first
    }

    [Fact]
    public void Many_backups_in_one_day_keep_only_the_newest_of_that_day()
    {
        var backups = Enumerable.Range(0, 24).Select(h => B(new DateTimeOffset(2026, 3, 10, h, 0, 0, TimeSpan.Zero))).Append(B("2026-03-09T05:00:00")).Append(B("2026-03-09T06:00:00")).ToArray();
        var d = Run(new RetentionPolicy { KeepDaily = 2, TimeZone = TimeZoneInfo.Utc }, backups);
        Assert.Equal(["2026-03-09T06:00:00", "2026-03-10T23:00:00"], Kept(d));
        Assert.Equal(24, Removed(d).Length);
        Assert.Equal(new RetentionReason(RetentionRules.KeepDaily, "2026-03-10"), At(d, "2026-03-10T23:00:00").Reasons.Single());
    }

    [Fact]
    public void Buckets_count_periods_that_have_a_backup_not_calendar_periods()
    {
        var d = Run(new RetentionPolicy { KeepDaily = 2, TimeZone = TimeZoneInfo.Utc },
            B("2026-01-01T10:00:00"), B("2026-01-05T10:00:00"), B("2026-01-20T10:00:00"));
        Assert.Equal(["2026-01-05T10:00:00", "2026-01-20T10:00:00"], Kept(d));
    }

    [Fact]
    public void Month_ends_in_UTC_and_in_Berlin_fall_in_different_months()
    {
        RetentionBackup[] backups = [B("2024-01-31T23:30:00"), B("2024-02-01T00:30:00"), B("2024-02-29T12:00:00"), B("2024-03-01T00:00:00"), B("2024-03-31T23:59:59")];
        var utc = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepMonthly = 3, TimeZone = TimeZoneInfo.Utc }, Now);
        Assert.Equal(["2024-01-31T23:30:00", "2024-02-29T12:00:00", "2024-03-31T23:59:59"], Kept(utc));
        Assert.Equal("2024-02", At(utc, "2024-02-29T12:00:00").Reasons.Single().Detail);

        // Berlin: 31 Jan 23:30Z is 1 Feb 00:30 CET; 31 Mar 23:59:59Z is 1 Apr 01:59:59 CEST (DST began that night).
        var berlin = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepMonthly = 3, TimeZone = Berlin }, Now);
        Assert.Equal(["2024-02-29T12:00:00", "2024-03-01T00:00:00", "2024-03-31T23:59:59"], Kept(berlin));
        Assert.Equal("2024-04", At(berlin, "2024-03-31T23:59:59").Reasons.Single().Detail);
        Assert.Equal("2024-03", At(berlin, "2024-03-01T00:00:00").Reasons.Single().Detail);
    }

    [Fact]
    public void Leap_day_is_a_day_of_its_own_and_years_turn_at_midnight()
    {
        var daily = Run(new RetentionPolicy { KeepDaily = 3, TimeZone = TimeZoneInfo.Utc },
            B("2024-02-28T22:00:00"), B("2024-02-29T01:00:00"), B("2024-02-29T23:00:00"), B("2024-03-01T00:00:00"));
        Assert.Equal(["2024-02-28T22:00:00", "2024-02-29T23:00:00", "2024-03-01T00:00:00"], Kept(daily));
        Assert.Equal("2024-02-29", At(daily, "2024-02-29T23:00:00").Reasons.Single().Detail);

        var yearly = Run(new RetentionPolicy { KeepYearly = 2, TimeZone = TimeZoneInfo.Utc },
            B("2023-12-31T23:00:00"), B("2024-02-29T10:00:00"), B("2024-12-31T10:00:00"), B("2025-01-01T00:00:00"));
        Assert.Equal(["2024-12-31T10:00:00", "2025-01-01T00:00:00"], Kept(yearly));
    }

    [Theory]
    [InlineData("2024-12-31T12:00:00", "2025-W01")] // Tuesday of week 1 of 2025
    [InlineData("2025-12-29T12:00:00", "2026-W01")]
    [InlineData("2026-12-31T12:00:00", "2026-W53")]
    [InlineData("2027-01-03T12:00:00", "2026-W53")] // Sunday: still the last week of 2026
    [InlineData("2027-01-04T12:00:00", "2027-W01")]
    [InlineData("2021-01-03T12:00:00", "2020-W53")]
    public void Weeks_are_ISO_8601_weeks_of_the_week_year(string utc, string week) =>
        Assert.Equal(week, RetentionEngine.WeekOf(Utc(utc), TimeZoneInfo.Utc));

    [Fact]
    public void KeepWeekly_across_the_year_boundary()
    {
        var d = Run(new RetentionPolicy { KeepWeekly = 2, TimeZone = TimeZoneInfo.Utc },
            B("2026-12-28T10:00:00"), B("2027-01-03T10:00:00"), B("2027-01-04T10:00:00"));
        Assert.Equal(["2027-01-03T10:00:00", "2027-01-04T10:00:00"], Kept(d));
        Assert.Equal("2026-W53", At(d, "2027-01-03T10:00:00").Reasons.Single().Detail);
        Assert.Equal("2027-W01", At(d, "2027-01-04T10:00:00").Reasons.Single().Detail);
    }

    [Fact]
    public void Berlin_spring_forward_day_has_23_hours_and_local_midnight_decides_the_day()
    {
        // 29 Mar 2026: 02:00 CET -> 03:00 CEST at 01:00Z. 28 Mar 23:30Z = 29 Mar 00:30 CET; 29 Mar 21:59Z = 23:59 CEST;
        // 29 Mar 22:00Z = 30 Mar 00:00 CEST.
        RetentionBackup[] backups = [B("2026-03-28T23:30:00"), B("2026-03-29T21:59:00"), B("2026-03-29T22:00:00")];
        var berlin = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepDaily = 2, TimeZone = Berlin }, Now);
        Assert.Equal(["2026-03-29T21:59:00", "2026-03-29T22:00:00"], Kept(berlin));
        Assert.Equal("2026-03-29", At(berlin, "2026-03-29T21:59:00").Reasons.Single().Detail);
        Assert.Equal("2026-03-30", At(berlin, "2026-03-29T22:00:00").Reasons.Single().Detail);

        var utc = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepDaily = 2, TimeZone = TimeZoneInfo.Utc }, Now);
        Assert.Equal(["2026-03-28T23:30:00", "2026-03-29T22:00:00"], Kept(utc));

        // The skipped hour: 00:30Z is 01:30 CET, 01:30Z is 03:30 CEST; two hours, nothing in between.
        var hourly = RetentionEngine.Evaluate([B("2026-03-29T00:30:00"), B("2026-03-29T01:30:00")], new RetentionPolicy { KeepHourly = 2, TimeZone = Berlin }, Now);
        Assert.Equal(["2026-03-29 01:00 +01:00", "2026-03-29 03:00 +02:00"], hourly.Select(x => x.Reasons.Single().Detail).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void New_York_fall_back_repeats_an_hour_that_counts_as_two_hours()
    {
        // 1 Nov 2026: 02:00 EDT -> 01:00 EST at 06:00Z. 05:30Z = 01:30 EDT, 05:45Z = 01:45 EDT, 06:30Z = 01:30 EST.
        RetentionBackup[] backups = [B("2026-11-01T05:30:00"), B("2026-11-01T05:45:00"), B("2026-11-01T06:30:00")];
        var d = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepHourly = 2, TimeZone = NewYork }, Now);
        Assert.Equal(["2026-11-01T05:45:00", "2026-11-01T06:30:00"], Kept(d));
        Assert.Equal("2026-11-01 01:00 -04:00", At(d, "2026-11-01T05:45:00").Reasons.Single().Detail);
        Assert.Equal("2026-11-01 01:00 -05:00", At(d, "2026-11-01T06:30:00").Reasons.Single().Detail);

        // The 25-hour day is one day: 04:00Z (00:00 EDT) to 04:59Z next day (23:59 EST).
        var daily = RetentionEngine.Evaluate([B("2026-11-01T04:00:00"), B("2026-11-02T04:59:00"), B("2026-11-02T05:00:00")], new RetentionPolicy { KeepDaily = 2, TimeZone = NewYork }, Now);
        Assert.Equal(["2026-11-02T04:59:00", "2026-11-02T05:00:00"], Kept(daily));
        Assert.Equal("2026-11-01", At(daily, "2026-11-02T04:59:00").Reasons.Single().Detail);
    }

    [Fact]
    public void A_backup_kept_by_several_rules_names_every_rule()
    {
        var d = Run(new RetentionPolicy { KeepLast = 1, KeepDaily = 2, KeepMonthly = 2, TimeZone = TimeZoneInfo.Utc },
            B("2026-10-31T02:00:00"), B("2026-11-24T02:00:00"), B("2026-11-25T02:00:00"));
        Assert.Equal([RetentionRules.KeepLast, RetentionRules.KeepDaily, RetentionRules.KeepMonthly], Rules(At(d, "2026-11-25T02:00:00")));
        Assert.Equal([RetentionRules.KeepDaily], Rules(At(d, "2026-11-24T02:00:00")));
        Assert.Equal([RetentionRules.KeepMonthly], Rules(At(d, "2026-10-31T02:00:00")));
        Assert.Equal("KeepLast (1 of 1), KeepDaily (2026-11-25), KeepMonthly (2026-11)", At(d, "2026-11-25T02:00:00").Reason);
    }

    /// <summary>The worked example of the help (Remove-DbBackup.psd1): a backup every night at 02:00 UTC from 1 Aug to 25 Nov 2026.</summary>
    [Fact]
    public void Worked_example_of_the_help_KeepDaily_7_KeepWeekly_4_KeepMonthly_12()
    {
        var nightly = new List<RetentionBackup>();
        for (var day = new DateTimeOffset(2026, 8, 1, 2, 0, 0, TimeSpan.Zero); day <= Now; day = day.AddDays(1)) nightly.Add(B(day));
        Assert.Equal(117, nightly.Count);
        var d = RetentionEngine.Evaluate(nightly, new RetentionPolicy { KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12, TimeZone = TimeZoneInfo.Utc }, Now);
        Assert.Equal(
            ["2026-08-01", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-08", "2026-11-15", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"],
            Kept(d).Select(s => s[..10]));
        Assert.Equal(104, Removed(d).Length);
        Assert.Equal("KeepDaily (2026-11-25), KeepWeekly (2026-W48), KeepMonthly (2026-11)", At(d, "2026-11-25T02:00:00").Reason);
        Assert.Equal("KeepDaily (2026-11-22), KeepWeekly (2026-W47)", At(d, "2026-11-22T02:00:00").Reason);
        Assert.Equal("KeepWeekly (2026-W45)", At(d, "2026-11-08T02:00:00").Reason);
        Assert.Equal("KeepMonthly (2026-08)", At(d, "2026-08-31T02:00:00").Reason);
        // KeepMonthly 12 still has count left after August: the oldest backup stays too (restic >= 0.16).
        Assert.Equal("KeepMonthly (oldest backup, 2026-08)", At(d, "2026-08-01T02:00:00").Reason);
    }

    [Fact]
    public void Databases_are_scoped_separately_case_insensitively_and_filtered_by_wildcards()
    {
        RetentionBackup[] backups =
        [
            B("2026-11-20T01:00:00", "shop"), B("2026-11-21T01:00:00", "SHOP"), B("2026-11-22T01:00:00", "shop"),
            B("2026-11-20T01:00:00", "crm"), B("2026-11-23T01:00:00", "crm"),
        ];
        var d = Run(new RetentionPolicy { KeepLast = 1 }, backups);
        Assert.Equal(["2026-11-22T01:00:00", "2026-11-23T01:00:00"], Kept(d));
        Assert.Equal(3, d.Count(x => x.Action == RetentionAction.Remove));
        Assert.Equal(["crm", "crm", "shop", "SHOP", "shop"], d.Select(x => x.Backup.DatabaseName)); // grouped by database, newest first

        var onlyShop = Run(new RetentionPolicy { KeepLast = 1, DatabaseNames = ["SH*"] }, backups);
        Assert.Equal(3, onlyShop.Count);
        Assert.All(onlyShop, x => Assert.Equal("shop", x.Backup.DatabaseName, ignoreCase: true));
    }

    [Fact]
    public void KeepWithin_is_measured_from_the_newest_backup_not_from_now()
    {
        var d = Run(new RetentionPolicy { KeepWithin = TimeSpan.FromDays(2) },
            B(Now.AddDays(-10)), B(Now.AddDays(-11)), B(Now.AddDays(-12)), B(Now.AddDays(-12.5)), B(Now.AddDays(-20)));
        Assert.Equal(2, d.Count(x => x.Action == RetentionAction.Keep)); // -10, -11 (exactly 2 days: not after the cutoff, goes, as restic)
        Assert.Equal([Now.AddDays(-12), Now.AddDays(-12.5), Now.AddDays(-20)], d.Where(x => x.Action == RetentionAction.Remove).Select(x => x.Backup.CreatedUtc));
        Assert.All(d.Where(x => x.Action == RetentionAction.Keep), x => Assert.Equal(RetentionRules.KeepWithin, x.Reasons.Single().Rule));
    }

    [Fact]
    public void OlderThan_alone_removes_backups_older_than_the_span()
    {
        var d = Run(new RetentionPolicy { OlderThan = TimeSpan.FromDays(30) },
            B(Now.AddDays(-1)), B(Now.AddDays(-29)), B(Now.AddDays(-30)), B(Now.AddDays(-31)), B(Now.AddDays(-60)));
        Assert.Equal([Now.AddDays(-1), Now.AddDays(-29), Now.AddDays(-30)], d.Where(x => x.Action == RetentionAction.Keep).Select(x => x.Backup.CreatedUtc));
        Assert.All(d.Where(x => x.Action == RetentionAction.Keep), x => Assert.Equal(RetentionRules.NotOlderThan, x.Reasons.Single().Rule));
        var removed = d.Where(x => x.Action == RetentionAction.Remove).ToList();
        Assert.Equal([Now.AddDays(-31), Now.AddDays(-60)], removed.Select(x => x.Backup.CreatedUtc));
        Assert.Equal("OlderThan (31 days old, older than 30.00:00:00)", removed[0].Reason);
    }

    [Fact]
    public void OlderThan_with_Keep_rules_applies_the_rules_to_older_backups_only()
    {
        // now 25 Nov: -5d (20 Nov), -40d (16 Oct), -45d (11 Oct), -80d (6 Sep).
        RetentionBackup[] backups = [B(Now.AddDays(-5)), B(Now.AddDays(-40)), B(Now.AddDays(-45)), B(Now.AddDays(-80))];
        var d = RetentionEngine.Evaluate(backups, new RetentionPolicy { OlderThan = TimeSpan.FromDays(30), KeepMonthly = 1, TimeZone = TimeZoneInfo.Utc }, Now);
        Assert.Equal(RetentionRules.NotOlderThan, Rules(d[0]).Single());
        Assert.Equal(new RetentionReason(RetentionRules.KeepMonthly, "2026-10"), d[1].Reasons.Single()); // the November backup takes no bucket
        Assert.Equal(RetentionAction.Remove, d[2].Action);
        Assert.Equal(RetentionAction.Remove, d[3].Action);
        Assert.Equal(RetentionRules.NotKept, Rules(d[3]).Single());

        // KeepWithin instead would count from the newest backup (20 Nov) and keep only it.
        var within = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepWithin = TimeSpan.FromDays(30), TimeZone = TimeZoneInfo.Utc }, Now);
        Assert.Equal(1, within.Count(x => x.Action == RetentionAction.Keep));
    }

    [Fact]
    public void A_policy_that_would_remove_every_backup_of_a_database_stops_before_anything()
    {
        var error = Assert.Throws<BackupException>(() => Run(new RetentionPolicy { OlderThan = TimeSpan.FromDays(7) },
            B(Now.AddDays(-10), "shop"), B(Now.AddDays(-20), "shop"), B(Now.AddDays(-1), "crm"), B(Now.AddDays(-30), "crm")));
        Assert.Equal("RetentionWouldRemoveAll", error.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("'shop'", error.Message);
        Assert.DoesNotContain("'crm'", error.Message);

        // A backup of another type outside -Type is still there afterwards: not everything goes.
        var d = Run(new RetentionPolicy { OlderThan = TimeSpan.FromDays(7), Types = [BackupType.Database] },
            B(Now.AddDays(-10), "shop"), B(Now.AddDays(-20), "shop"), B(Now.AddDays(-30), "shop", BackupType.Full));
        Assert.Equal(2, d.Count);
        Assert.All(d, x => Assert.Equal(RetentionAction.Remove, x.Action));
    }

    [Fact]
    public void The_last_verified_backup_of_a_database_stays_unless_allowed()
    {
        RetentionBackup[] backups = [B(Now.AddDays(-1)), B(Now.AddDays(-2)), B(Now.AddDays(-3), verified: true), B(Now.AddDays(-4), verified: true), B(Now.AddDays(-5))];
        var d = Run(new RetentionPolicy { KeepLast = 2 }, backups);
        Assert.Equal(3, d.Count(x => x.Action == RetentionAction.Keep));
        Assert.Equal(RetentionRules.LastVerified, d[2].Reasons.Single().Rule); // the newest verified one
        Assert.Equal(RetentionAction.Remove, d[3].Action);

        var allowed = Run(new RetentionPolicy { KeepLast = 2, AllowRemoveLastVerified = true }, backups);
        Assert.Equal(2, allowed.Count(x => x.Action == RetentionAction.Keep));

        // A kept verified backup is enough: no extra keep.
        var verifiedKept = Run(new RetentionPolicy { KeepLast = 1 }, B(Now.AddDays(-1), verified: true), B(Now.AddDays(-2), verified: true));
        Assert.Equal(1, verifiedKept.Count(x => x.Action == RetentionAction.Keep));

        // A verified backup of another type outside -Type counts as left.
        var outside = Run(new RetentionPolicy { KeepLast = 1, Types = [BackupType.Database] }, B(Now.AddDays(-1)), B(Now.AddDays(-2), verified: true), B(Now.AddDays(-3), type: BackupType.Full, verified: true));
        Assert.Equal(RetentionAction.Remove, outside[1].Action);
    }

    [Fact]
    public void PreRestore_copies_are_their_own_series_and_young_ones_stay_unless_named()
    {
        RetentionBackup[] backups =
        [
            B(Now.AddHours(-5)), B(Now.AddDays(-3)),
            B(Now.AddHours(-2), type: BackupType.PreRestore), B(Now.AddHours(-3), type: BackupType.PreRestore), B(Now.AddDays(-3).AddHours(1), type: BackupType.PreRestore),
        ];
        var d = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepDaily = 1, TimeZone = TimeZoneInfo.Utc }, Now);
        // The newer safety copy does not take the day from the regular backup.
        Assert.Equal(RetentionRules.KeepDaily, d.Single(x => x.Backup.CreatedUtc == Now.AddHours(-5)).Reasons.Single().Rule);
        Assert.Equal(RetentionRules.KeepDaily, d.Single(x => x.Backup.CreatedUtc == Now.AddHours(-2)).Reasons.Single().Rule);
        Assert.Equal(RetentionRules.PreRestoreSafety, d.Single(x => x.Backup.CreatedUtc == Now.AddHours(-3)).Reasons.Single().Rule);
        Assert.Equal(RetentionAction.Remove, d.Single(x => x.Backup.CreatedUtc == Now.AddDays(-3).AddHours(1)).Action);

        var named = RetentionEngine.Evaluate(backups, new RetentionPolicy { KeepDaily = 1, TimeZone = TimeZoneInfo.Utc, Types = [BackupType.Database, BackupType.PreRestore] }, Now);
        Assert.Equal(RetentionAction.Remove, named.Single(x => x.Backup.CreatedUtc == Now.AddHours(-3)).Action);
    }

    [Fact]
    public void Unusable_policies_are_refused()
    {
        Assert.Equal("NoRetentionRule", Assert.Throws<BackupException>(() => Run(new RetentionPolicy(), B(Now))).ErrorId);
        Assert.Equal("InvalidRetentionRule", Assert.Throws<BackupException>(() => Run(new RetentionPolicy { KeepDaily = 0 }, B(Now))).ErrorId);
        Assert.Equal("InvalidRetentionRule", Assert.Throws<BackupException>(() => Run(new RetentionPolicy { KeepWithin = TimeSpan.Zero }, B(Now))).ErrorId);
        Assert.Empty(Run(new RetentionPolicy { KeepLast = 1 })); // nothing to decide
    }

    // restic >= 0.16 parity (restic's ApplyPolicy semantics, checked by reading internal/data/snapshot_policy.go).

    [Fact]
    public void A_bucket_rule_with_count_left_keeps_the_oldest_backup_too()
    {
        // Two days, two backups each; KeepDaily 5 has count left after both days, so the oldest backup stays as well.
        var d = Run(new RetentionPolicy { KeepDaily = 5, TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T10:00:00"), B("2026-11-20T08:00:00"), B("2026-11-19T10:00:00"), B("2026-11-19T08:00:00"));
        Assert.Equal(["2026-11-19T08:00:00", "2026-11-19T10:00:00", "2026-11-20T10:00:00"], Kept(d));
        // Once the count is used up, the oldest goes.
        var used = Run(new RetentionPolicy { KeepDaily = 2, TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T10:00:00"), B("2026-11-20T08:00:00"), B("2026-11-19T10:00:00"), B("2026-11-19T08:00:00"));
        Assert.Equal(["2026-11-19T10:00:00", "2026-11-20T10:00:00"], Kept(used));
    }

    [Fact]
    public void KeepWithin_keeps_only_backups_strictly_after_the_cutoff()
    {
        var d = Run(new RetentionPolicy { KeepWithin = TimeSpan.FromDays(1) },
            B("2026-11-20T10:00:00"), B("2026-11-19T10:00:01"), B("2026-11-19T10:00:00"));
        Assert.Equal(["2026-11-19T10:00:01", "2026-11-20T10:00:00"], Kept(d));
    }

    [Fact]
    public void KeepWithin_ignores_backups_in_the_future_for_its_reference_time()
    {
        // Now is 2026-11-25 12:00; the 2026-12-30 backup is in the future, so the reference is 2026-11-20 10:00.
        var d = Run(new RetentionPolicy { KeepWithin = TimeSpan.FromDays(2) },
            B("2026-12-30T00:00:00"), B("2026-11-20T10:00:00"), B("2026-11-19T10:00:00"), B("2026-11-10T10:00:00"));
        Assert.Equal(["2026-11-19T10:00:00", "2026-11-20T10:00:00", "2026-12-30T00:00:00"], Kept(d));
    }

    [Fact]
    public void A_count_of_minus_one_is_unlimited()
    {
        var d = Run(new RetentionPolicy { KeepDaily = RetentionPolicy.Unlimited, TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T10:00:00"), B("2026-11-20T08:00:00"), B("2025-01-19T10:00:00"), B("2021-03-19T10:00:00"), B("2021-03-19T08:00:00"));
        // One per day for all days, plus the oldest (the rule never runs out).
        Assert.Equal(["2021-03-19T08:00:00", "2021-03-19T10:00:00", "2025-01-19T10:00:00", "2026-11-20T10:00:00"], Kept(d));
        Assert.Equal("InvalidRetentionRule", Assert.Throws<BackupException>(() => Run(new RetentionPolicy { KeepDaily = -2 }, B(Now))).ErrorId);
    }

    [Fact]
    public void KeepWithinDaily_keeps_the_newest_backup_of_each_day_within_the_span_and_the_oldest_if_within()
    {
        // Reference 2026-11-20 10:00; span 2 days: cutoff 2026-11-18 10:00 (strictly after).
        var d = Run(new RetentionPolicy { KeepWithinDaily = TimeSpan.FromDays(2), TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T10:00:00"), B("2026-11-20T08:00:00"), B("2026-11-19T10:00:00"), B("2026-11-19T08:00:00"), B("2026-11-18T10:00:00"));
        Assert.Equal(["2026-11-19T10:00:00", "2026-11-20T10:00:00"], Kept(d));
        Assert.Equal([RetentionRules.KeepWithinDaily], Rules(At(d, "2026-11-19T10:00:00")));
        // All within: the oldest backup stays as well.
        var all = Run(new RetentionPolicy { KeepWithinDaily = TimeSpan.FromDays(3), TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T10:00:00"), B("2026-11-20T08:00:00"), B("2026-11-19T10:00:00"), B("2026-11-19T08:00:00"));
        Assert.Equal(["2026-11-19T08:00:00", "2026-11-19T10:00:00", "2026-11-20T10:00:00"], Kept(all));
        Assert.Equal("InvalidRetentionRule", Assert.Throws<BackupException>(() => Run(new RetentionPolicy { KeepWithinWeekly = TimeSpan.Zero }, B(Now))).ErrorId);
    }

    [Fact]
    public void Rules_are_listed_in_restics_order_within_first_then_counts_then_within_periods()
    {
        // restic's ApplyPolicy reports "within" before the count buckets; the oracle fixtures never combine the two.
        var d = Run(new RetentionPolicy { KeepDaily = 1, KeepWithin = TimeSpan.FromDays(1), KeepWithinDaily = TimeSpan.FromDays(1), KeepLast = 1, TimeZone = TimeZoneInfo.Utc },
            B("2026-11-20T10:00:00"), B("2026-11-19T10:00:00"));
        Assert.Equal([RetentionRules.KeepWithin, RetentionRules.KeepLast, RetentionRules.KeepDaily, RetentionRules.KeepWithinDaily], Rules(At(d, "2026-11-20T10:00:00")));
    }
}
