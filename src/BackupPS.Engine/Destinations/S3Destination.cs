using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using Amazon.S3.Model;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// Backups under s3://bucket/prefix of AWS S3 or an S3-compatible store (MinIO, Ceph RGW, Backblaze B2, ...): each
/// backup an object, its sidecar the object &lt;backup&gt;.json written last, so a backup is listed only once complete.
/// Uploads stream as multipart uploads while the backup is produced (memory bounded by part size × parallel parts);
/// reads are ranged GETs, retried. The credentials live only in the client, in memory.
/// </summary>
public sealed class S3Destination : IBackupDestination
{
    private readonly S3Settings _settings;
    private readonly AmazonS3Client _client;

    private S3Destination(string bucket, string prefix, S3Settings settings, AmazonS3Client client)
    {
        Bucket = bucket;
        Prefix = prefix;
        _settings = settings;
        _client = client;
    }

    public string Bucket { get; }

    /// <summary>The key prefix without a trailing slash ("" for the bucket's root).</summary>
    public string Prefix { get; }

    public string Location => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";

    public string? LocalFolder => null;

    public (long Free, long Total)? Space => null;

    internal S3Settings Settings => _settings;

    internal string KeyOf(string fileName) => Prefix.Length == 0 ? fileName : Prefix + "/" + fileName;

    public string PathOf(string fileName) => $"s3://{Bucket}/{KeyOf(fileName)}";

    private string KeyOfPath(string path) =>
        path.StartsWith($"s3://{Bucket}/", StringComparison.Ordinal) ? path[($"s3://{Bucket}/").Length..]
            : throw new ArgumentException($"'{path}' is not in {Location}.");

    public static (string Bucket, string Prefix) Parse(string location)
    {
        var rest = location.StartsWith(S3StoreKind.Prefix, StringComparison.OrdinalIgnoreCase) ? location[S3StoreKind.Prefix.Length..] : "";
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].TrimEnd('/');
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')
            || prefix.Split('/').Any(s => s.Length == 0 && prefix.Length > 0) || prefix.Any(char.IsControl))
            throw new BackupException("S3InvalidLocation", BackupErrorKind.InvalidArgument,
                $"'{location}' is not a valid S3 location. Give s3://bucket or s3://bucket/prefix (bucket: 3-63 letters, digits, '-' or '.').", location);
        return (bucket, prefix);
    }

    public static S3Destination Open(string location, S3Settings settings)
    {
        var (bucket, prefix) = Parse(location);
        if (settings.PartSizeBytes < 5 << 20 || settings.ParallelParts < 1)
            throw new BackupException("S3InvalidLocation", BackupErrorKind.InvalidArgument, "The S3 part size must be at least 5 MiB and at least one part must upload at a time.", location);
        if ((settings.AccessKey is null) != (settings.SecretKey is null) || settings.AccessKey?.Length == 0 || settings.SecretKey?.Length == 0)
            throw S3Errors.CredentialsMissing(bucket, null, "-S3Credential needs both the access key (user name) and the secret key (password)");
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle ?? settings.Endpoint is not null,
            MaxErrorRetry = 5,
            RetryMode = RequestRetryMode.Standard,
            Timeout = TimeSpan.FromMinutes(10), // one 16 MiB part over a slow uplink
            // S3-compatible stores often lack the newer trailing checksums (aws-chunked): only when an API requires them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (settings.Profile is not null) config.Profile = new Profile(settings.Profile);
        if (settings.Endpoint is not null)
        {
            if (!Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new BackupException("S3InvalidLocation", BackupErrorKind.InvalidArgument, $"-S3Endpoint '{settings.Endpoint}' is not an http(s) URL such as https://minio.local:9000.", settings.Endpoint);
            config.ServiceURL = settings.Endpoint;
            config.AuthenticationRegion = settings.Region ?? "us-east-1";
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region ?? DefaultRegion(settings.Profile));
        }
        return new S3Destination(bucket, prefix, settings, new AmazonS3Client(Credentials(bucket, settings, config), config));
    }

    private static string DefaultRegion(string? profile)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        if (new CredentialProfileStoreChain().TryGetProfile(profile ?? Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default", out var p) && p.Region is not null)
            return p.Region.SystemName;
        return "us-east-1";
    }

    private static AWSCredentials Credentials(string bucket, S3Settings settings, AmazonS3Config config)
    {
        if (settings.AccessKey is not null) return new BasicAWSCredentials(settings.AccessKey, settings.SecretKey);
        if (settings.Profile is not null)
        {
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(settings.Profile, out var fromProfile)) return fromProfile;
            throw S3Errors.CredentialsMissing(bucket, null, $"the profile '{settings.Profile}' is not in the shared credentials or config file");
        }
        try
        {
            return Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials(config)
                   ?? throw S3Errors.CredentialsMissing(bucket, null);
        }
        catch (AmazonClientException ex)
        {
            throw S3Errors.CredentialsMissing(bucket, ex, "none in the environment, the shared credentials file or an instance role");
        }
    }

    /// <summary>Runs one S3 call to completion; the SDK retries transient failures with backoff, then errors are mapped.</summary>
    internal T Call<T>(Func<CancellationToken, Task<T>> call, string? key, CancellationToken cancellation = default)
    {
        try
        {
            return Task.Run(() => call(cancellation), cancellation).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            throw S3Errors.Map(ex, Bucket, key, cancellation);
        }
    }

    internal AmazonS3Client Client => _client;

    public bool Exists
    {
        get
        {
            try
            {
                Call(ct => _client.HeadBucketAsync(new HeadBucketRequest { BucketName = Bucket }, ct), null);
                return true;
            }
            catch (BackupException ex) when (ex.ErrorId == "S3BucketNotFound") { return false; }
        }
    }

    public void EnsureWritable()
    {
        // A tiny object written and removed: proves the bucket exists and these credentials may write under the prefix.
        var probe = KeyOf($"{BackupNaming.WriteProbePrefix}{Guid.NewGuid():N}");
        Call(ct => _client.PutObjectAsync(WithEncryption(new PutObjectRequest { UseChunkEncoding = false, BucketName = Bucket, Key = probe, ContentBody = "" }), ct), probe);
        Call(ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = probe }, ct), probe);
    }

    internal PutObjectRequest WithEncryption(PutObjectRequest request)
    {
        if (EncryptionMethod is { } method) request.ServerSideEncryptionMethod = method;
        return request;
    }

    internal ServerSideEncryptionMethod? EncryptionMethod => _settings.ServerSideEncryption switch
    {
        null or "" or "None" => null,
        "AES256" => ServerSideEncryptionMethod.AES256,
        "aws:kms" => ServerSideEncryptionMethod.AWSKMS,
        var other => throw new BackupException("S3InvalidLocation", BackupErrorKind.InvalidArgument, $"-S3ServerSideEncryption '{other}' is not None, AES256 or aws:kms.", other),
    };

    /// <summary>Keys directly under the prefix (not in deeper "folders"), with their sizes.</summary>
    private Dictionary<string, long> ListKeys(string under, bool recursive, CancellationToken cancellation = default)
    {
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = under, Delimiter = recursive ? null : "/" };
        while (true)
        {
            var response = Call(ct => _client.ListObjectsV2Async(request, ct), under.Length == 0 ? null : under, cancellation);
            foreach (var o in response.S3Objects ?? []) keys[o.Key] = o.Size ?? 0;
            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken)) break;
            request.ContinuationToken = response.NextContinuationToken;
        }
        return keys;
    }

    private string ListPrefix => Prefix.Length == 0 ? "" : Prefix + "/";

    public List<BackupRecord> List(Action<BackupException>? onProblem = null)
    {
        var keys = ListKeys(ListPrefix, recursive: false);
        var sidecars = keys.Keys.Where(k => k.EndsWith(Sidecar.Suffix, StringComparison.Ordinal) && k.Contains(".tar", StringComparison.Ordinal)
                                            && keys.ContainsKey(k[..^Sidecar.Suffix.Length])).ToList(); // a lone sidecar: a removal cut short
        var records = new ConcurrentBag<BackupRecord>();
        var problems = new ConcurrentQueue<BackupException>();
        try
        {
            Parallel.ForEach(sidecars, new ParallelOptions { MaxDegreeOfParallelism = 8 }, key =>
            {
                try { records.Add(new BackupRecord($"s3://{Bucket}/{key[..^Sidecar.Suffix.Length]}", ReadSidecar(key), this)); }
                catch (BackupException ex) when (ex.Kind is BackupErrorKind.InvalidData or BackupErrorKind.NotFound) { problems.Enqueue(ex); }
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.OfType<BackupException>().FirstOrDefault() is { } first)
        {
            // The store refused or could not be reached while reading sidecars: that error, not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        foreach (var problem in problems) onProblem?.Invoke(problem);
        return [.. records];
    }

    private Sidecar ReadSidecar(string key) => SidecarFile.Parse(ReadObject(key), $"s3://{Bucket}/{key}");

    /// <summary>
    /// A whole small object (a sidecar). The SDK retries the request but not a body that breaks off after the response
    /// began, so a transient failure while reading the body reads the object again, with backoff.
    /// </summary>
    private byte[] ReadObject(string key)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Call(async ct =>
                {
                    using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false);
                    using var buffer = new MemoryStream();
                    await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
                    return buffer.ToArray();
                }, key);
            }
            catch (BackupException ex) when (attempt < S3Errors.BodyReadAttempts && ex.InnerException is IOException)
            {
                Thread.Sleep(S3Errors.Backoff(attempt));
            }
        }
    }

    /// <summary>The listed backup of this name: BackupNotFound when its object or its sidecar is missing.</summary>
    public BackupRecord Locate(string fileName) =>
        Find(fileName) ?? throw new BackupException("BackupNotFound", BackupErrorKind.NotFound,
            $"'{PathOf(fileName)}' is not a listed backup (no such object, or no sidecar beside it). List the backups with Get-DbBackup {Location}.", PathOf(fileName));

    public BackupRecord? Find(string fileName)
    {
        var key = KeyOf(fileName);
        try
        {
            var record = new BackupRecord(PathOf(fileName), ReadSidecar(key + Sidecar.Suffix), this);
            Call(ct => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct), key); // and its object
            return record;
        }
        catch (BackupException ex) when (ex.ErrorId == "BackupNotFound")
        {
            return null;
        }
    }

    public IBackupWriter CreateBackup(string fileName, OperationContext context)
    {
        StoreGuards.RefuseExisting(this, fileName);
        return new S3BackupWriter(this, KeyOf(fileName), PathOf(fileName), context);
    }

    public Stream OpenRead(BackupRecord record)
    {
        var key = KeyOfPath(record.Path);
        var head = Call(ct => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct), key);
        return new S3ReadStream(this, key, head.ContentLength, _settings.ReadChunkBytes);
    }

    public void WriteSidecar(BackupRecord record, Sidecar sidecar) => PutSmallObject(KeyOfPath(record.Path) + Sidecar.Suffix, FormatJson.Serialize(sidecar));

    internal void PutSmallObject(string key, byte[] bytes, CancellationToken cancellation = default) =>
        Call(ct => _client.PutObjectAsync(WithEncryption(new PutObjectRequest
        {
            UseChunkEncoding = false, // whole buffers: no aws-chunked framing, which some S3-compatible stores mishandle
            BucketName = Bucket, Key = key, InputStream = new MemoryStream(bytes, writable: false), ContentType = "application/json", AutoCloseStream = true,
        }), ct), key, cancellation);

    public void Delete(BackupRecord record)
    {
        var key = KeyOfPath(record.Path);
        Call(ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key + Sidecar.Suffix }, ct), key + Sidecar.Suffix);
        Call(ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct), key);
    }

    private string AuditPrefix => ListPrefix + "audit/";

    /// <summary>One small object per line, named by UTC time then a GUID: listing order is time order.</summary>
    public void AppendAuditLine(string jsonLine) =>
        PutSmallObject($"{AuditPrefix}{DateTime.UtcNow:yyyyMMdd'T'HHmmssfffffff'Z'}-{Guid.NewGuid():N}.json",
            System.Text.Encoding.UTF8.GetBytes(jsonLine.TrimEnd('\n', '\r')));

    public IEnumerable<string> ReadAuditLines() =>
        ListKeys(AuditPrefix, recursive: false).Keys.Where(k => k.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(k => System.Text.Encoding.UTF8.GetString(ReadObject(k))).ToList();

    /// <summary>Aborts our own multipart uploads under the prefix older than 6 hours: the leftovers of killed runs.</summary>
    public void CleanStale(OperationContext context)
    {
        try
        {
            var cutoff = DateTime.UtcNow - Operations.StaleTemporaryFiles.MinimumAge;
            var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = ListPrefix };
            var response = Call(ct => _client.ListMultipartUploadsAsync(request, ct), ListPrefix, context.Cancellation);
            foreach (var upload in response.MultipartUploads ?? [])
            {
                var name = upload.Key[ListPrefix.Length..];
                if (name.Contains('/') || !name.Contains(".tar", StringComparison.Ordinal) || upload.Initiated is not { } started || started.ToUniversalTime() >= cutoff) continue;
                Call(ct => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = upload.Key, UploadId = upload.UploadId }, ct), upload.Key, context.Cancellation);
                context.Verbose($"Aborted the unfinished upload of 's3://{Bucket}/{upload.Key}' left by an interrupted run ({started:u}).");
            }
            // A run killed between writing and removing its write probe leaves an empty probe object. Removing one that a
            // concurrent run still holds is harmless: its own DELETE of a missing key succeeds.
            foreach (var probe in ListKeys(ListPrefix + BackupNaming.WriteProbePrefix, recursive: false, context.Cancellation).Keys)
            {
                Call(ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = probe }, ct), probe, context.Cancellation);
                context.Verbose($"Removed the write probe 's3://{Bucket}/{probe}' left by an interrupted run.");
            }
        }
        catch (BackupException ex) when (ex.Kind is not BackupErrorKind.OperationStopped)
        {
            context.Verbose($"Could not look for unfinished uploads and write probes in {Location}: {ex.Message}"); // housekeeping only
        }
    }

    public override string ToString() => Location;
}
