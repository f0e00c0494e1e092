using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

public enum CheckOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One check of a verification, with what it found.</summary>
public sealed record VerifyCheck(string Name, CheckOutcome Outcome, string Message);

/// <summary>Passed: every check ran and none failed. Partial: none failed, but the contents were not checked (an
/// encrypted backup without its key). Failed: a check failed, or none ran.</summary>
public enum VerifyStatus
{
    Passed,
    Failed,
    Partial,
}

/// <summary>The outcome of verifying one backup: passed only if no check failed and the contents were checked.</summary>
public sealed class VerifyResult
{
    public required string Path { get; init; }
    public BackupRecord? Record { get; set; }
    public Manifest? Manifest { get; set; }
    public List<VerifyCheck> Checks { get; } = [];
    /// <summary>Why the contents were not verified though nothing failed (set by <see cref="MarkPartial"/>).</summary>
    public string? PartialReason { get; private set; }
    public VerifyStatus Status =>
        Checks.Count == 0 || Checks.Any(c => c.Outcome == CheckOutcome.Failed) ? VerifyStatus.Failed
        : PartialReason is not null ? VerifyStatus.Partial : VerifyStatus.Passed;
    public bool Passed => Status == VerifyStatus.Passed;
    public string? FailureReason => Checks.FirstOrDefault(c => c.Outcome == CheckOutcome.Failed)?.Message ?? PartialReason;
    public DateTimeOffset VerifiedUtc { get; set; }
    /// <summary>SHA-256 of the database image as extracted (computed from the bytes written), when there is one.</summary>
    public string? DatabaseSha256 { get; set; }
    /// <summary>True when the database's integrity_check and row counts ran in this verification and passed (not reused, not quick).</summary>
    public bool FullCheckPassed { get; set; }
    public TimeSpan Duration { get; set; }

    public void Pass(string name, string message) => Checks.Add(new VerifyCheck(name, CheckOutcome.Passed, message));
    public void Fail(string name, string message) => Checks.Add(new VerifyCheck(name, CheckOutcome.Failed, message));
    public void Skip(string name, string message) => Checks.Add(new VerifyCheck(name, CheckOutcome.Skipped, message));
    public void MarkPartial(string reason) => PartialReason = reason;
}
