using BackupPS.Engine.Model;

namespace BackupPS.Engine.Retention;

/// <summary>
/// Which backups a retention run keeps (restic's <c>forget</c> rules), and which backups it looks at.
/// Counts are "the newest backup in each of the last N hours/days/ISO weeks/months/years that have a backup";
/// buckets are computed in <see cref="TimeZone"/>. A backup kept by any rule stays.
/// </summary>
public sealed record RetentionPolicy
{
    /// <summary>A count of -1 (as restic): no limit, e.g. KeepDaily -1 keeps the newest backup of every day.</summary>
    public const int Unlimited = -1;

    /// <summary>Keep the N newest backups.</summary>
    public int? KeepLast { get; init; }
    public int? KeepHourly { get; init; }
    public int? KeepDaily { get; init; }
    /// <summary>ISO 8601 weeks (Monday first, week-year: 31 Dec can be in week 1 of the next year).</summary>
    public int? KeepWeekly { get; init; }
    public int? KeepMonthly { get; init; }
    public int? KeepYearly { get; init; }
    /// <summary>Keep every backup created strictly after (reference - span), the reference being the newest candidate of its series that is not in the future (as restic: relative to the newest backup, not to now).</summary>
    public RetentionPeriod? KeepWithin { get; init; }
    /// <summary>Keep the newest backup of each hour/day/ISO week/month/year that lies within this span of the reference time of <see cref="KeepWithin"/> (restic --keep-within-hourly ...).</summary>
    public RetentionPeriod? KeepWithinHourly { get; init; }
    public RetentionPeriod? KeepWithinDaily { get; init; }
    public RetentionPeriod? KeepWithinWeekly { get; init; }
    public RetentionPeriod? KeepWithinMonthly { get; init; }
    public RetentionPeriod? KeepWithinYearly { get; init; }
    /// <summary>
    /// Only backups older than this (relative to now) are candidates for removal; younger ones are kept and take no
    /// bucket. Alone it removes every candidate; with Keep* rules, the rules are applied to the candidates only.
    /// </summary>
    public TimeSpan? OlderThan { get; init; }
    /// <summary>Where hours, days, weeks, months and years begin. Default: the local zone.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>Wildcard patterns (*, ?) of the databases to apply the policy to; null: every database.</summary>
    public IReadOnlyList<string>? DatabaseNames { get; init; }
    /// <summary>The types of backups to apply the policy to; null: every type. Naming PreRestore here lets young safety copies go.</summary>
    public IReadOnlyList<BackupType>? Types { get; init; }
    /// <summary>Allow removing the last verified backup of a database (off: it is kept with the reason LastVerified).</summary>
    public bool AllowRemoveLastVerified { get; init; }

    /// <summary>PreRestore safety copies younger than this are kept unless PreRestore is named in <see cref="Types"/>.</summary>
    public static TimeSpan PreRestoreGrace { get; } = TimeSpan.FromDays(1);

    public bool HasKeepRules =>
        KeepLast is not null || KeepHourly is not null || KeepDaily is not null || KeepWeekly is not null
        || KeepMonthly is not null || KeepYearly is not null || KeepWithin is not null
        || KeepWithinHourly is not null || KeepWithinDaily is not null || KeepWithinWeekly is not null || KeepWithinMonthly is not null || KeepWithinYearly is not null;

    public bool NamesPreRestore => Types is not null && Types.Contains(BackupType.PreRestore);

    /// <summary>Throws InvalidArgument when the policy cannot be applied (no rule, a count below 1, a negative span).</summary>
    public void Validate()
    {
        if (!HasKeepRules && OlderThan is null)
            throw new BackupException("NoRetentionRule", BackupErrorKind.InvalidArgument,
                "No retention rule was given. Give at least one of -KeepLast, -KeepHourly, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepYearly, -KeepWithin, -KeepWithinHourly/Daily/Weekly/Monthly/Yearly or -OlderThan.");
        foreach (var (name, value) in new[] { ("KeepLast", KeepLast), ("KeepHourly", KeepHourly), ("KeepDaily", KeepDaily), ("KeepWeekly", KeepWeekly), ("KeepMonthly", KeepMonthly), ("KeepYearly", KeepYearly) })
            if (value is < 1 and not Unlimited)
                throw new BackupException("InvalidRetentionRule", BackupErrorKind.InvalidArgument, $"-{name} must be 1 or more, or -1 for unlimited (it was {value}). Leave it out to not use that rule.", name);
        foreach (var (name, value) in new[] { ("KeepWithin", KeepWithin), ("KeepWithinHourly", KeepWithinHourly), ("KeepWithinDaily", KeepWithinDaily), ("KeepWithinWeekly", KeepWithinWeekly), ("KeepWithinMonthly", KeepWithinMonthly), ("KeepWithinYearly", KeepWithinYearly) })
            if (value is { } within && !within.IsPositive)
                throw new BackupException("InvalidRetentionRule", BackupErrorKind.InvalidArgument, $"-{name} must be a positive span (it was {within}). Give {RetentionPeriod.AcceptedForms}.", name);
        if (OlderThan is { } older && older < TimeSpan.Zero)
            throw new BackupException("InvalidRetentionRule", BackupErrorKind.InvalidArgument, $"-OlderThan must not be negative (it was {older}).", "OlderThan");
    }

    /// <summary>The rules as the user wrote them, for messages: "KeepDaily 7, KeepWeekly 4".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (KeepLast is { } l) parts.Add($"KeepLast {l}");
        if (KeepHourly is { } h) parts.Add($"KeepHourly {h}");
        if (KeepDaily is { } d) parts.Add($"KeepDaily {d}");
        if (KeepWeekly is { } w) parts.Add($"KeepWeekly {w}");
        if (KeepMonthly is { } m) parts.Add($"KeepMonthly {m}");
        if (KeepYearly is { } y) parts.Add($"KeepYearly {y}");
        if (KeepWithin is { } kw) parts.Add($"KeepWithin {kw}");
        if (KeepWithinHourly is { } kwh) parts.Add($"KeepWithinHourly {kwh}");
        if (KeepWithinDaily is { } kwd) parts.Add($"KeepWithinDaily {kwd}");
        if (KeepWithinWeekly is { } kww) parts.Add($"KeepWithinWeekly {kww}");
        if (KeepWithinMonthly is { } kwm) parts.Add($"KeepWithinMonthly {kwm}");
        if (KeepWithinYearly is { } kwy) parts.Add($"KeepWithinYearly {kwy}");
        if (OlderThan is { } o) parts.Add($"OlderThan {o}");
        parts.Add(TimeZone == TimeZoneInfo.Utc ? "UTC" : $"time zone {TimeZone.Id}");
        return string.Join(", ", parts);
    }
}
