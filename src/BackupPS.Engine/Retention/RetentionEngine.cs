using System.Globalization;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Retention;

/// <summary>
/// The retention rule engine: pure (no files, no clock). For each database (names compared case-insensitively) it
/// decides, for every backup in scope, Keep or Remove and why.
/// <list type="number">
/// <item>Scope: databases matching <see cref="RetentionPolicy.DatabaseNames"/>; backups of the <see cref="RetentionPolicy.Types"/>
/// (all types when null). Backups of other types of a matching database get no decision but still count as
/// "what is left" for the two safety rules below.</item>
/// <item>Series: PreRestore safety copies form their own series, so a restore's safety copy never takes the
/// daily/weekly/... slot of a regular backup and vice versa.</item>
/// <item>Candidates: with <see cref="RetentionPolicy.OlderThan"/>, only backups older than it (relative to now) are
/// candidates; younger ones are kept (NotOlderThan) and take no bucket. Without it every backup is a candidate.</item>
/// <item>Rules (restic forget): candidates newest first; KeepLast keeps the N newest; KeepHourly/Daily/Weekly/Monthly/
/// Yearly keep the newest backup of each of the last N hours/days/ISO weeks/months/years that have a backup (buckets in
/// the policy's time zone; an hour is a wall-clock hour with its UTC offset, so the repeated hour of a DST fall-back is
/// two buckets); KeepWithin keeps every candidate strictly after (newest candidate not in the future - span). While a bucket rule has
/// count left (or is unlimited, -1) after all candidates, it also keeps the oldest candidate (restic >= 0.16). Kept by any rule = kept.
/// With no Keep* rule (OlderThan alone), every candidate goes (OlderThan). Otherwise a candidate no rule keeps goes (NotKept).</item>
/// <item>RetentionWouldRemoveAll: when the rules would leave a database that has backups with none at all (counting its
/// out-of-scope backups), nothing is removed: the run stops with this InvalidArgument error.</item>
/// <item>PreRestoreSafety: PreRestore copies younger than a day are kept unless PreRestore is named in Types.</item>
/// <item>LastVerified: if a database has a verified backup but none would be left, its newest verified backup is kept,
/// unless <see cref="RetentionPolicy.AllowRemoveLastVerified"/>.</item>
/// </list>
/// </summary>
public static class RetentionEngine
{
    /// <summary>One decision per backup in scope, grouped by database (ordinal, case-insensitive) and newest first within each.</summary>
    public static IReadOnlyList<RetentionDecision> Evaluate(IEnumerable<RetentionBackup> backups, RetentionPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var databases = backups
            .Where(b => policy.DatabaseNames is null || policy.DatabaseNames.Any(p => BackupQuery.WildcardMatch(p, b.DatabaseName)))
            .GroupBy(b => b.DatabaseName, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase);

        var decisions = new List<RetentionDecision>();
        var wouldEmpty = new List<string>();
        foreach (var database in databases)
        {
            var inScope = Newest(database.Where(b => policy.Types is null || policy.Types.Contains(b.Type)));
            var outOfScope = database.Where(b => !(policy.Types is null || policy.Types.Contains(b.Type))).ToList();
            var reasons = new Dictionary<RetentionBackup, List<RetentionReason>>(ReferenceEqualityComparer.Instance);
            foreach (var b in inScope) reasons[b] = [];

            foreach (var series in new[] { inScope.Where(b => b.Type != BackupType.PreRestore).ToList(), inScope.Where(b => b.Type == BackupType.PreRestore).ToList() })
                ApplyRules(series, policy, now, reasons);

            bool Kept(RetentionBackup b) => reasons[b].Count > 0;
            if (inScope.Count > 0 && outOfScope.Count == 0 && !inScope.Any(Kept))
                wouldEmpty.Add(database.Key);

            // Safety: young PreRestore copies stay unless named.
            foreach (var b in inScope.Where(b => b.Type == BackupType.PreRestore && !Kept(b) && !policy.NamesPreRestore && now - b.CreatedUtc < RetentionPolicy.PreRestoreGrace))
                reasons[b].Add(new RetentionReason(RetentionRules.PreRestoreSafety, "safety copy younger than a day; name -Type PreRestore to let it go"));

            // Safety: never leave a database without a verified backup when it has one.
            if (!policy.AllowRemoveLastVerified && !outOfScope.Any(b => b.Verified) && !inScope.Any(b => b.Verified && Kept(b))
                && inScope.FirstOrDefault(b => b.Verified) is { } lastVerified)
                reasons[lastVerified].Add(new RetentionReason(RetentionRules.LastVerified, "the only verified backup of the database that would be left; -Force lets it go"));

            foreach (var b in inScope)
            {
                var kept = reasons[b];
                decisions.Add(kept.Count > 0
                    ? new RetentionDecision(b, RetentionAction.Keep, kept)
                    : new RetentionDecision(b, RetentionAction.Remove, [RemovalReason(b, policy, now)]));
            }
        }

        if (wouldEmpty.Count > 0)
            throw new BackupException("RetentionWouldRemoveAll", BackupErrorKind.InvalidArgument,
                $"The retention policy ({policy}) would remove every backup of {Names(wouldEmpty)}, so nothing was removed. " +
                "Add a rule that keeps something (for example -KeepLast 1), or remove those backups by name: Get-DbBackup <destination> -DatabaseName <name> | Remove-DbBackup.",
                string.Join(", ", wouldEmpty));
        return decisions;
    }

    private static string Names(List<string> names) =>
        (names.Count == 1 ? "the database " : "the databases ") + string.Join(", ", names.Select(n => $"'{n}'"));

    private static List<RetentionBackup> Newest(IEnumerable<RetentionBackup> backups) =>
        backups.OrderByDescending(b => b.CreatedUtc).ThenBy(b => b.Path, StringComparer.Ordinal).ToList();

    private static RetentionReason RemovalReason(RetentionBackup b, RetentionPolicy policy, DateTimeOffset now) =>
        policy.HasKeepRules
            ? new RetentionReason(RetentionRules.NotKept, "no rule keeps it")
            : new RetentionReason(RetentionRules.OlderThan, $"{Age(now - b.CreatedUtc)} old, older than {policy.OlderThan}");

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days" : $"{age.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} hours";

    /// <summary>Applies the rules to one series (newest first): adds a reason to each backup a rule keeps.</summary>
    private static void ApplyRules(List<RetentionBackup> series, RetentionPolicy policy, DateTimeOffset now, Dictionary<RetentionBackup, List<RetentionReason>> reasons)
    {
        var candidates = series;
        if (policy.OlderThan is { } olderThan)
        {
            candidates = series.Where(b => now - b.CreatedUtc > olderThan).ToList();
            foreach (var b in series.Where(b => !(now - b.CreatedUtc > olderThan)))
                reasons[b].Add(new RetentionReason(RetentionRules.NotOlderThan, $"{Age(now - b.CreatedUtc)} old, not older than {olderThan}"));
        }
        if (candidates.Count == 0 || !policy.HasKeepRules) return;

        // KeepWithin first, then the counts, then the *Within periods: the order restic lists its reasons in.
        // The reference time of the *Within rules is the newest candidate that is not in the future (restic); when all
        // are in the future there is none and every candidate is within.
        var reference = candidates.Where(b => b.CreatedUtc < now).Select(b => (DateTimeOffset?)b.CreatedUtc).FirstOrDefault();
        bool Within(RetentionBackup b, RetentionPeriod span) => reference is not { } r || span.CutoffBefore(r, policy.TimeZone) is not { } cutoff || b.CreatedUtc > cutoff; // strictly after the cutoff, as restic
        if (policy.KeepWithin is { } within)
        {
            foreach (var b in candidates.Where(b => Within(b, within)))
                reasons[b].Add(new RetentionReason(RetentionRules.KeepWithin, $"within {within} of the newest"));
        }

        var tz = policy.TimeZone;
        var buckets = new List<(string Rule, int Count, Func<DateTimeOffset, string> Bucket)>();
        if (policy.KeepLast is { } last) buckets.Add((RetentionRules.KeepLast, last, _ => ""));
        if (policy.KeepHourly is { } hourly) buckets.Add((RetentionRules.KeepHourly, hourly, t => HourOf(t, tz)));
        if (policy.KeepDaily is { } daily) buckets.Add((RetentionRules.KeepDaily, daily, t => DayOf(t, tz)));
        if (policy.KeepWeekly is { } weekly) buckets.Add((RetentionRules.KeepWeekly, weekly, t => WeekOf(t, tz)));
        if (policy.KeepMonthly is { } monthly) buckets.Add((RetentionRules.KeepMonthly, monthly, t => MonthOf(t, tz)));
        if (policy.KeepYearly is { } yearly) buckets.Add((RetentionRules.KeepYearly, yearly, t => YearOf(t, tz)));

        foreach (var (rule, count, bucketOf) in buckets)
        {
            string? previous = null;
            var left = count; // -1: unlimited, never runs out
            var index = 0;
            foreach (var b in candidates)
            {
                if (left == 0) break;
                index++;
                var bucket = rule == RetentionRules.KeepLast ? index.ToString(CultureInfo.InvariantCulture) : bucketOf(b.CreatedUtc);
                var oldest = index == candidates.Count;
                // An older backup of a bucket already kept goes, except the oldest backup of all while the rule has
                // count left (restic >= 0.16, issue #3624): it keeps the longest history the counts allow.
                if (bucket == previous && !oldest) continue;
                var detail = bucket == previous ? $"oldest backup, {bucket}" : rule == RetentionRules.KeepLast ? $"{index} of {(count < 0 ? "unlimited" : count)}" : bucket;
                previous = bucket;
                if (left > 0) left--;
                reasons[b].Add(new RetentionReason(rule, detail));
            }
        }

        // KeepWithinHourly/...: the newest backup of each period within the span, and the oldest backup of all if it is within.
        var withinBuckets = new List<(string Rule, RetentionPeriod? Span, Func<DateTimeOffset, string> Bucket)>
        {
            (RetentionRules.KeepWithinHourly, policy.KeepWithinHourly, t => HourOf(t, tz)),
            (RetentionRules.KeepWithinDaily, policy.KeepWithinDaily, t => DayOf(t, tz)),
            (RetentionRules.KeepWithinWeekly, policy.KeepWithinWeekly, t => WeekOf(t, tz)),
            (RetentionRules.KeepWithinMonthly, policy.KeepWithinMonthly, t => MonthOf(t, tz)),
            (RetentionRules.KeepWithinYearly, policy.KeepWithinYearly, t => YearOf(t, tz)),
        };
        foreach (var (rule, span, bucketOf) in withinBuckets)
        {
            if (span is not { } s) continue;
            string? previous = null;
            for (var i = 0; i < candidates.Count; i++)
            {
                var b = candidates[i];
                if (!Within(b, s)) continue;
                var bucket = bucketOf(b.CreatedUtc);
                if (bucket == previous && i < candidates.Count - 1) continue;
                reasons[b].Add(new RetentionReason(rule, bucket == previous ? $"oldest backup, {bucket}, within {s}" : $"{bucket}, within {s}"));
                previous = bucket;
            }
        }
    }

    /// <summary>The backup's time in the zone (wall clock with its offset).</summary>
    public static DateTimeOffset InZone(DateTimeOffset utc, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(utc, zone);

    /// <summary>A wall-clock hour with its UTC offset: the repeated hour of a DST fall-back is two different hours.</summary>
    public static string HourOf(DateTimeOffset utc, TimeZoneInfo zone)
    {
        var t = InZone(utc, zone);
        return t.ToString("yyyy-MM-dd HH:00 zzz", CultureInfo.InvariantCulture);
    }

    public static string DayOf(DateTimeOffset utc, TimeZoneInfo zone) => InZone(utc, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 week of the week-year: "2026-W01" (29 Dec 2025 is in it).</summary>
    public static string WeekOf(DateTimeOffset utc, TimeZoneInfo zone)
    {
        var date = InZone(utc, zone).DateTime;
        return $"{ISOWeek.GetYear(date):0000}-W{ISOWeek.GetWeekOfYear(date):00}";
    }

    public static string MonthOf(DateTimeOffset utc, TimeZoneInfo zone) => InZone(utc, zone).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static string YearOf(DateTimeOffset utc, TimeZoneInfo zone) => InZone(utc, zone).ToString("yyyy", CultureInfo.InvariantCulture);
}
