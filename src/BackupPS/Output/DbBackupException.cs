using System.Management.Automation;

namespace BackupPS;

/// <summary>
/// The exception inside every BackupPS error record, public in the module's own assembly so a script can write
/// <c>catch [BackupPS.DbBackupException]</c> (the engine's exception lives in a separate assembly and rides along as
/// InnerException). It carries the same stable id as the record's FullyQualifiedErrorId (before the comma), the
/// record's category, and the kind of failure.
/// </summary>
public sealed class DbBackupException : Exception
{
    public DbBackupException(string errorId, ErrorCategory category, string kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Kind = kind;
        TargetObject = target;
    }

    /// <summary>The stable error id, such as DatabaseNotFound or BackupCorrupt.</summary>
    public string ErrorId { get; }
    /// <summary>The PowerShell category of the error record (ObjectNotFound, InvalidData, ...).</summary>
    public ErrorCategory Category { get; }
    /// <summary>The kind of failure: InvalidArgument, NotFound, InvalidData, ResourceUnavailable, ResourceBusy, PermissionDenied, WriteError, OperationStopped or Security.</summary>
    public string Kind { get; }
    /// <summary>What the error concerns: a path, a backup, a name.</summary>
    public object? TargetObject { get; }
}
