using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using BackupPS.Engine;

namespace BackupPS.Cmdlets;

/// <summary>
/// What every BackupPS cmdlet shares: runs an engine operation off the pipeline thread while writing its progress,
/// verbose messages and warnings on the pipeline thread; cancels it on Ctrl+C (StopProcessing); turns engine
/// errors into ErrorRecords with their stable ids and categories.
/// </summary>
public abstract class DbBackupCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();
    private static int _nextActivityId = 1;
    private readonly int _activityId = Interlocked.Increment(ref _nextActivityId);

    protected override void StopProcessing() => _stop.Cancel();

    protected override void EndProcessing()
    {
        _stop.Dispose();
        Keys?.Dispose();
    }

    /// <summary>Keys that open encrypted backups, for the engine's context; set by the cmdlets that take -Passphrase/-Certificate.</summary>
    protected BackupPS.Engine.Encryption.KeyRing? Keys { get; set; }

    /// <summary>The Prometheus textfile the engine merges the outcome into (-MetricsPath, resolved); null for none.</summary>
    private protected virtual string? MetricsFile => null;

    /// <summary>
    /// Resolves a path the way PowerShell users expect: relative to the current PowerShell location, ~ expanded.
    /// A path of another provider (env:, function:, variable:, a registry or certificate drive) is refused with the
    /// terminating error NotAFileSystemPath, instead of silently becoming a relative folder of that provider's name.
    /// </summary>
    protected string ResolvePath(string path)
    {
        var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            var message = $"'{path}' is a path of the PowerShell {provider.Name} provider, not a file or folder. Give a file system path (for example ./backups or /srv/backups), or a folder of a FileSystem drive.";
            ThrowTerminatingError(new ErrorRecord(
                new DbBackupException("NotAFileSystemPath", ErrorCategory.InvalidArgument, nameof(BackupErrorKind.InvalidArgument), message, path),
                "NotAFileSystemPath", ErrorCategory.InvalidArgument, path) { ErrorDetails = new ErrorDetails(message) });
        }
        return resolved;
    }

    protected T RunEngine<T>(Func<OperationContext, T> operation)
    {
        using var messages = new BlockingCollection<Action>();
        var clock = Stopwatch.StartNew();
        ProgressRecord? record = null;
        var context = new OperationContext(
            _stop.Token,
            new QueueProgress(p => messages.Add(() =>
            {
                if (clock.ElapsedMilliseconds < 1000) return; // only operations over a second show progress
                record ??= new ProgressRecord(_activityId, p.Activity, "Starting");
                record.Activity = p.Activity;
                record.StatusDescription = p.Status;
                record.PercentComplete = p.PercentComplete;
                WriteProgress(record);
            })),
            message => messages.Add(() => WriteVerbose(message)),
            message => messages.Add(() => WriteWarning(message)))
        { Keys = Keys, MetricsPath = MetricsFile };
        var task = Task.Run(() =>
        {
            try { return operation(context); }
            finally { messages.CompleteAdding(); }
        });
        foreach (var write in messages.GetConsumingEnumerable()) write();
        if (record is not null)
        {
            record.RecordType = ProgressRecordType.Completed;
            WriteProgress(record);
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="action"/>; an engine failure becomes a non-terminating error (per item) or, for unusable arguments, a terminating one.</summary>
    protected void Try(Action action, object? target)
    {
        try
        {
            action();
        }
        catch (BackupException ex) when (ex.Kind == BackupErrorKind.InvalidArgument)
        {
            ThrowTerminatingError(ErrorFor(ex, target));
        }
        catch (BackupException ex)
        {
            WriteError(ErrorFor(ex, target));
        }
        // PSInvalidOperationException is PowerShell's own (e.g. ShouldProcess cannot prompt in a -NonInteractive session):
        // it stays terminating, as with built-in cmdlets. Anything else unanticipated becomes a per-item error record.
        catch (Exception ex) when (ex is not PipelineStoppedException and not ActionPreferenceStopException and not OperationCanceledException
            and not PSInvalidOperationException and not System.Management.Automation.Host.HostException)
        {
            // A failure the engine did not anticipate is still an error record (the exception and its trace ride inside), never a crash.
            WriteError(new ErrorRecord(ex, "UnexpectedError", ErrorCategory.NotSpecified, target));
        }
    }

    /// <summary>The error record of an engine failure: its id and category, and the public <see cref="DbBackupException"/> scripts catch by type.</summary>
    protected static ErrorRecord ErrorFor(BackupException ex, object? target) =>
        new(new DbBackupException(ex.ErrorId, Category(ex.Kind), ex.Kind.ToString(), ex.Message, ex.Target ?? target, ex), ex.ErrorId, Category(ex.Kind), ex.Target ?? target)
        {
            ErrorDetails = new ErrorDetails(ex.Message),
        };

    private static ErrorCategory Category(BackupErrorKind kind) => kind switch
    {
        BackupErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        BackupErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        BackupErrorKind.InvalidData => ErrorCategory.InvalidData,
        BackupErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        BackupErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        BackupErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        BackupErrorKind.WriteError => ErrorCategory.WriteError,
        BackupErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        BackupErrorKind.Security => ErrorCategory.SecurityError,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>True when -WhatIf is in force, by parameter or preference.</summary>
    protected bool IsWhatIf =>
        (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && ((SwitchParameter)w).IsPresent)
        || (GetVariableValue("WhatIfPreference") is bool b && b)
        || (GetVariableValue("WhatIfPreference") is SwitchParameter s && s.IsPresent);

    private sealed class QueueProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
