namespace BackupPS.Engine;

/// <summary>What kind of failure an error is; the module maps it to a PowerShell ErrorCategory.</summary>
public enum BackupErrorKind
{
    InvalidArgument,
    NotFound,
    InvalidData,
    ResourceUnavailable,
    ResourceBusy,
    PermissionDenied,
    WriteError,
    OperationStopped,
    /// <summary>A key is missing or does not open an encrypted backup (SecurityError).</summary>
    Security,
}

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/> scripts can match, a kind, the object it concerns
/// and a message that says what was wrong and what to do.
/// </summary>
public sealed class BackupException : Exception
{
    public BackupException(string errorId, BackupErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public BackupErrorKind Kind { get; }
    public object? Target { get; }
}
