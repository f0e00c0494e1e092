using System.Management.Automation;

namespace BackupPS.Cmdlets;

/// <summary>The cmdlets whose outcome can go to a Prometheus textfile (New, Test, Restore, Remove): -MetricsPath, declared once.</summary>
public abstract class MeteredDbBackupCmdlet : DestinationCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetricsPath { get; set; }

    private protected override string? MetricsFile => MetricsPath is null ? null : ResolvePath(MetricsPath);
}
