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

/// <summary>The outcome of verifying one backup: passed only if no check failed.</summary>
public sealed class VerifyResult
{
    public required string Path { get; init; }
    public BackupRecord? Record { get; set; }
    public Manifest? Manifest { get; set; }
    public List<VerifyCheck> Checks { get; } = [];
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Outcome != CheckOutcome.Failed);
    public string? FailureReason => Checks.FirstOrDefault(c => c.Outcome == CheckOutcome.Failed)?.Message;
    public DateTimeOffset VerifiedUtc { get; set; }
    public TimeSpan Duration { get; set; }

    public void Pass(string name, string message) => Checks.Add(new VerifyCheck(name, CheckOutcome.Passed, message));
    public void Fail(string name, string message) => Checks.Add(new VerifyCheck(name, CheckOutcome.Failed, message));
    public void Skip(string name, string message) => Checks.Add(new VerifyCheck(name, CheckOutcome.Skipped, message));
}
