namespace BackupPS.Engine.Destinations;

/// <summary>
/// How to reach each kind of remote store, one settings object per kind, carried by every request in this one object
/// (so a request names no store). Secrets stay in memory: never printed, never in a message, sidecar, audit or schedule.
/// </summary>
public sealed class StoreConnections
{
    public static readonly StoreConnections None = new();

    /// <summary>For s3:// locations.</summary>
    public S3Settings S3 { get; init; } = new();

    public override string ToString() => $"S3({S3})";
}
