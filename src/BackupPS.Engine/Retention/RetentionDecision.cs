using BackupPS.Engine.Model;

namespace BackupPS.Engine.Retention;

/// <summary>What the rule engine needs to know of a backup. <see cref="Record"/> rides along for the operation (null in unit tests).</summary>
public sealed record RetentionBackup(string Path, Guid Id, string DatabaseName, BackupType Type, DateTimeOffset CreatedUtc, bool Verified, long SizeBytes)
{
    public BackupRecord? Record { get; init; }

    public static RetentionBackup From(BackupRecord record) =>
        new(record.Path, record.Id, record.DatabaseName, record.Type, record.CreatedUtc, record.LastVerificationPassed == true, record.SizeBytes) { Record = record };
}

public enum RetentionAction
{
    Keep,
    Remove,
}

/// <summary>The rule names a decision gives (stable strings scripts can match).</summary>
public static class RetentionRules
{
    public const string KeepLast = "KeepLast";
    public const string KeepHourly = "KeepHourly";
    public const string KeepDaily = "KeepDaily";
    public const string KeepWeekly = "KeepWeekly";
    public const string KeepMonthly = "KeepMonthly";
    public const string KeepYearly = "KeepYearly";
    public const string KeepWithin = "KeepWithin";
    public const string KeepWithinHourly = "KeepWithinHourly";
    public const string KeepWithinDaily = "KeepWithinDaily";
    public const string KeepWithinWeekly = "KeepWithinWeekly";
    public const string KeepWithinMonthly = "KeepWithinMonthly";
    public const string KeepWithinYearly = "KeepWithinYearly";
    /// <summary>Kept: not older than -OlderThan, so not a candidate.</summary>
    public const string NotOlderThan = "NotOlderThan";
    /// <summary>Kept: a PreRestore safety copy younger than a day, and PreRestore was not named in -Type.</summary>
    public const string PreRestoreSafety = "PreRestoreSafety";
    /// <summary>Kept: the newest verified backup of a database that would otherwise have none left.</summary>
    public const string LastVerified = "LastVerified";
    /// <summary>Removed: older than -OlderThan and no Keep* rule was given.</summary>
    public const string OlderThan = "OlderThan";
    /// <summary>Removed: no Keep* rule keeps it.</summary>
    public const string NotKept = "NotKept";
}

/// <summary>One rule that kept a backup (or the reason it goes), with the bucket or detail: KeepDaily "2026-11-20".</summary>
public sealed record RetentionReason(string Rule, string Detail)
{
    public override string ToString() => Detail.Length == 0 ? Rule : $"{Rule} ({Detail})";
}

/// <summary>Keep or remove one backup, and why: every rule that keeps it, or the reason it goes.</summary>
public sealed record RetentionDecision(RetentionBackup Backup, RetentionAction Action, IReadOnlyList<RetentionReason> Reasons)
{
    public string Reason => string.Join(", ", Reasons);
}
