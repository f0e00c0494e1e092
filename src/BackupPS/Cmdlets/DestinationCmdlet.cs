using System.Management.Automation;
using BackupPS.Engine.Destinations;

namespace BackupPS.Cmdlets;

/// <summary>
/// Cmdlets that take a destination (a folder or s3://bucket/prefix): the -S3* parameters, in this one place, and the
/// opening of a destination from what the user gave. Credentials go from the PSCredential straight into the engine's
/// StoreConnections (memory only): never printed, never stored.
/// </summary>
public abstract class DestinationCmdlet : DbBackupCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Endpoint { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Region { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Profile { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? S3Credential { get; set; }

    [Parameter]
    public SwitchParameter S3ForcePathStyle { get; set; }

    [Parameter]
    [ValidateSet("None", "AES256", "aws:kms")]
    public string? S3ServerSideEncryption { get; set; }

    private StoreConnections? _stores;

    /// <summary>How to reach each kind of remote store, from the store parameters (-S3*).</summary>
    protected StoreConnections Stores => _stores ??= new StoreConnections { S3 = S3Settings() };

    private S3Settings S3Settings() => new()
    {
        Endpoint = S3Endpoint,
        Region = S3Region,
        Profile = S3Profile,
        AccessKey = S3Credential?.UserName,
        SecretKey = S3Credential?.GetNetworkCredential().Password,
        ForcePathStyle = MyInvocation.BoundParameters.ContainsKey(nameof(S3ForcePathStyle)) ? S3ForcePathStyle.IsPresent : null,
        ServerSideEncryption = S3ServerSideEncryption,
    };

    /// <summary>A store location (scheme://...) as given; a folder resolved against the current PowerShell location.</summary>
    protected string ResolveLocation(string location) => StoreRegistry.HasScheme(location) ? location : ResolvePath(location);

    /// <summary>Opens the destination a location names (a folder or scheme://container/prefix), through the store registry.</summary>
    protected IBackupDestination OpenDestination(string location) => StoreRegistry.Open(ResolveLocation(location), Stores);
}
