namespace BackupPS.Engine.Destinations;

/// <summary>
/// How to reach an S3-compatible store. Credentials stay in this object, in memory only: they are never printed,
/// never part of a message, a sidecar, the audit log or a schedule. Without AccessKey, the standard AWS chain is used
/// (environment variables, the shared credentials/config files and their Profile, container and instance roles).
/// </summary>
public sealed class S3Settings
{
    /// <summary>Service URL of a non-AWS store (MinIO, Ceph RGW, Backblaze B2, ...): https://host:port.</summary>
    public string? Endpoint { get; init; }
    public string? Region { get; init; }
    public string? Profile { get; init; }
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    /// <summary>Path-style addressing (https://host/bucket/key); default: on when an Endpoint is given.</summary>
    public bool? ForcePathStyle { get; init; }
    /// <summary>None, AES256 or aws:kms.</summary>
    public string? ServerSideEncryption { get; init; }
    /// <summary>Size of each multipart upload part (min 5 MiB, the S3 minimum).</summary>
    public int PartSizeBytes { get; init; } = 16 << 20;
    /// <summary>Parts uploaded at once: memory is bounded by PartSizeBytes × (ParallelParts + 1).</summary>
    public int ParallelParts { get; init; } = 4;
    /// <summary>Size of each ranged GET when reading a backup.</summary>
    public int ReadChunkBytes { get; init; } = 8 << 20;

    /// <summary>What may be shown: everything except the secret (and only the access key's first characters).</summary>
    public override string ToString() =>
        $"Endpoint={Endpoint ?? "(AWS)"}, Region={Region ?? "(default)"}, Profile={Profile ?? "(default)"}, AccessKey={(AccessKey is null ? "(chain)" : AccessKey[..Math.Min(4, AccessKey.Length)] + "…")}";
}
