namespace BackupPS.Engine;

/// <summary>A step of a long operation, reported as it goes: what, and how many bytes of how many are done.</summary>
public sealed record OperationProgress(string Activity, string Status, long BytesDone, long BytesTotal)
{
    public int PercentComplete => BytesTotal <= 0 ? -1 : (int)Math.Clamp(BytesDone * 100 / BytesTotal, 0, 100);
}

/// <summary>What flows back from an operation to its caller: cancellation in, progress and step-by-step messages out.</summary>
public sealed class OperationContext(CancellationToken cancellation = default, IProgress<OperationProgress>? progress = null, Action<string>? verbose = null, Action<string>? warning = null)
{
    public static OperationContext None { get; } = new();

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Keys that open encrypted backups (Test-DbBackup, Restore-DbBackup); null when none were given.</summary>
    public Encryption.KeyRing? Keys { get; init; }

    /// <summary>-MetricsPath: the Prometheus textfile the outcome of the operation is merged into; null for none.</summary>
    public string? MetricsPath { get; init; }

    public void Report(OperationProgress value) => progress?.Report(value);

    public void Verbose(string message) => verbose?.Invoke(message);

    /// <summary>Something the user should know that is not a failure (a failure is always an exception).</summary>
    public void Warning(string message) => warning?.Invoke(message);

    public void ThrowIfCancelled()
    {
        if (Cancellation.IsCancellationRequested)
            throw new BackupException("OperationStopped", BackupErrorKind.OperationStopped, "The operation was stopped; nothing unfinished was kept.", null, new OperationCanceledException(Cancellation));
    }
}
