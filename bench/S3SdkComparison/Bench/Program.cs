// One measurement of bench/Invoke-S3SdkComparison.ps1: upload N MiB of incompressible data (a deterministic stream
// that looks like a zstd frame: magic number, then pseudo-random bytes) to an S3-compatible store as a multipart
// upload of a stream of unknown length, download it back with sequential ranged GETs, compare SHA-256, delete it.
// Usage: S3SdkComparison aws|minio --endpoint http://127.0.0.1:PORT --bucket B --size-mib N [--key K] [--seed S]
//        [--access-key A --secret-key S --region R]
// Prints one JSON line on stdout: {sdk, sizeBytes, uploadSeconds, downloadSeconds, seconds, sha256Match,
// peakWorkingSetBytes, cpuSeconds, allocatedBytes, gen2Collections, parts}.
//
//   aws    AWSSDK.S3 4.1.0 exactly as src/BackupPS.Engine/Destinations does it: the client configured like
//          S3Destination.Open; a write stream that fills 16 MiB part buffers and uploads each with the low-level
//          UploadPartAsync, at most 4 in flight (S3BackupWriter.UploadStream, minus its retries and error mapping);
//          reads are GetObjectAsync with a ByteRange of 8 MiB each (S3ReadStream).
//   minio  Minio 7.0.0: PutObjectAsync with the stream and ObjectSize -1 (size unknown), which does its own multipart
//          upload: 16 MiB parts, one at a time (its multipart calls are private; there is no parallel-parts option);
//          reads are GetObjectAsync with WithOffsetAndLength of 8 MiB each, the body copied in WithCallbackStream.
//          Minio 7.0.0 throws PartialContentException on every ranged read (its HEAD and GET accept only 200, and S3
//          answers a Range with 206: minio-dotnet issue #1342, fixed after 7.0.0 by PR #1343, unreleased on the
//          package mirror), so its HttpClient gets a handler that turns 206 into 200 (what the fix amounts to);
//          --minio-206-workaround off leaves it out, to show the failure.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Minio;

const int ReadChunk = 8 << 20; // S3Settings.ReadChunkBytes

var options = new Dictionary<string, string>(StringComparer.Ordinal);
if (args.Length < 1 || args[0] is not ("aws" or "minio"))
{
    Console.Error.WriteLine("usage: S3SdkComparison aws|minio --endpoint URL --bucket B --size-mib N [--key K] [--seed S]");
    return 2;
}
var sdk = args[0];
for (var i = 1; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
string Opt(string name, string fallback = null) =>
    options.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

var endpoint = Opt("endpoint");
var bucket = Opt("bucket");
var sizeBytes = long.Parse(Opt("size-mib"), CultureInfo.InvariantCulture) << 20;
var key = Opt("key", $"sdk-bench/{sdk}-{Guid.NewGuid():N}.tar.zst");
var seed = ulong.Parse(Opt("seed", "20240901"), CultureInfo.InvariantCulture);
var accessKey = Opt("access-key", "S3RVER");
var secretKey = Opt("secret-key", "S3RVER");
var region = Opt("region", "us-east-1");

var minioWorkaround = Opt("minio-206-workaround", "on") != "off";
IStore store = sdk == "aws" ? new AwsStore(endpoint, region, accessKey, secretKey, bucket) : new MinioStore(endpoint, region, accessKey, secretKey, bucket, minioWorkaround);

var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var total = Stopwatch.StartNew();

var result = new Dictionary<string, object> { ["sdk"] = sdk, ["sizeBytes"] = sizeBytes };
var ok = false;
try
{
    using var source = new FakeZstdStream(sizeBytes, seed);
    var upload = Stopwatch.StartNew();
    var parts = await store.UploadAsync(key, source);
    upload.Stop();
    var uploadedHash = source.Hash();
    result["parts"] = parts;
    result["maxPartsInFlight"] = Bench.MaxPartsInFlight;
    result["uploadSeconds"] = upload.Elapsed.TotalSeconds;

    var download = Stopwatch.StartNew();
    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    var length = await store.LengthAsync(key);
    for (long offset = 0; offset < length; offset += ReadChunk)
        await store.ReadRangeAsync(key, offset, (int)Math.Min(ReadChunk, length - offset), sha);
    var downloadedHash = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    download.Stop();
    total.Stop();
    ok = uploadedHash == downloadedHash && length == sizeBytes;
    result["storedBytes"] = length;
    result["downloadSeconds"] = download.Elapsed.TotalSeconds;
    result["seconds"] = total.Elapsed.TotalSeconds;
    result["sha256"] = uploadedHash;
    result["sha256Match"] = ok;
}
catch (Exception ex)
{
    result["error"] = $"{ex.GetType().FullName}: {ex.Message}";
}
try { await store.DeleteAsync(key); } catch (Exception) { } // the server's folder is removed by the driver anyway
process.Refresh();
result["peakWorkingSetBytes"] = process.PeakWorkingSet64;
result["cpuSeconds"] = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
result["allocatedBytes"] = GC.GetTotalAllocatedBytes();
result["gen2Collections"] = GC.CollectionCount(2);
Console.WriteLine(JsonSerializer.Serialize(result));
return ok ? 0 : 1;

interface IStore
{
    /// <summary>Uploads the stream (length unknown to the SDK) as one object; returns the number of parts.</summary>
    Task<int> UploadAsync(string key, Stream data);
    Task<long> LengthAsync(string key);
    Task ReadRangeAsync(string key, long offset, int count, IncrementalHash sink);
    Task DeleteAsync(string key);
}

/// <summary>
/// A forward-only, non-seekable stream of <c>length</c> bytes: a zstd frame magic number, then xoshiro256** output
/// (incompressible, like a compressed backup). Deterministic for a seed; hashes what it hands out.
/// </summary>
sealed class FakeZstdStream(long length, ulong seed) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong _s0 = SplitMix(ref seed), _s1 = SplitMix(ref seed), _s2 = SplitMix(ref seed), _s3 = SplitMix(ref seed);
    private readonly byte[] _block = new byte[64 << 10];
    private int _blockPos = 64 << 10;
    private long _position;
    private bool _first = true;

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private void Refill()
    {
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(_block.AsSpan());
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = ulong.RotateLeft(_s1 * 5, 7) * 9;
            var t = _s1 << 17;
            _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t; _s3 = ulong.RotateLeft(_s3, 45);
        }
        if (_first)
        {
            _block[0] = 0x28; _block[1] = 0xB5; _block[2] = 0x2F; _block[3] = 0xFD; // zstd frame magic
            _first = false;
        }
        _blockPos = 0;
    }

    public string Hash() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && _position < length)
        {
            if (_blockPos == _block.Length) Refill();
            var n = (int)Math.Min(Math.Min(buffer.Length, _block.Length - _blockPos), length - _position);
            _block.AsSpan(_blockPos, n).CopyTo(buffer);
            _hash.AppendData(buffer[..n]);
            _blockPos += n;
            _position += n;
            total += n;
            buffer = buffer[n..];
        }
        return total;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

sealed class AwsStore : IStore
{
    private readonly Amazon.S3.AmazonS3Client _client;
    private readonly string _bucket;

    public AwsStore(string endpoint, string region, string accessKey, string secretKey, string bucket)
    {
        _bucket = bucket;
        // As S3Destination.Open configures it for an -S3Endpoint.
        var config = new Amazon.S3.AmazonS3Config
        {
            ForcePathStyle = true,
            MaxErrorRetry = 5,
            RetryMode = Amazon.Runtime.RequestRetryMode.Standard,
            Timeout = TimeSpan.FromMinutes(10),
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
            ServiceURL = endpoint,
            AuthenticationRegion = region,
        };
        _client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(accessKey, secretKey), config);
    }

    public async Task<int> UploadAsync(string key, Stream data)
    {
        // S3BackupWriter.UploadStream: the producer fills a part buffer; a full one is uploaded in the background,
        // at most ParallelParts at once (memory: PartSize × (ParallelParts + 1)); buffers are reused.
        var initiate = await _client.InitiateMultipartUploadAsync(new Amazon.S3.Model.InitiateMultipartUploadRequest
        { BucketName = _bucket, Key = key, ContentType = "application/octet-stream" });
        var uploadId = initiate.UploadId;
        using var slots = new SemaphoreSlim(Bench.ParallelParts);
        var free = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
        var parts = new List<Task<Amazon.S3.Model.PartETag>>();
        var buffer = new byte[Bench.PartSize];
        var filled = 0;
        var chunk = new byte[Bench.WriteChunk];

        void Submit()
        {
            slots.Wait();
            var b = buffer;
            var length = filled;
            var number = parts.Count + 1;
            parts.Add(Task.Run(async () =>
            {
                Bench.PartStarted();
                try
                {
                    var response = await _client.UploadPartAsync(new Amazon.S3.Model.UploadPartRequest
                    {
                        BucketName = _bucket, Key = key, UploadId = uploadId, PartNumber = number, UseChunkEncoding = false,
                        InputStream = new MemoryStream(b, 0, length, writable: false), PartSize = length,
                    }).ConfigureAwait(false);
                    return new Amazon.S3.Model.PartETag(number, response.ETag);
                }
                finally
                {
                    Bench.PartEnded();
                    free.Add(b);
                    slots.Release();
                }
            }));
            buffer = free.TryTake(out var reused) ? reused : new byte[Bench.PartSize];
            filled = 0;
        }

        // The engine's producer is the cmdlet's own thread, writing synchronously (and blocking while 4 parts fly).
        await Task.Factory.StartNew(() =>
        {
            int n;
            while ((n = data.Read(chunk, 0, chunk.Length)) > 0)
            {
                var span = chunk.AsSpan(0, n);
                while (span.Length > 0)
                {
                    var take = Math.Min(span.Length, Bench.PartSize - filled);
                    span[..take].CopyTo(buffer.AsSpan(filled));
                    filled += take;
                    span = span[take..];
                    if (filled == Bench.PartSize) Submit();
                }
            }
            if (filled > 0) Submit();
        }, TaskCreationOptions.LongRunning);
        var etags = await Task.WhenAll(parts);
        await _client.CompleteMultipartUploadAsync(new Amazon.S3.Model.CompleteMultipartUploadRequest
        { BucketName = _bucket, Key = key, UploadId = uploadId, PartETags = [.. etags.OrderBy(e => e.PartNumber)] });
        return etags.Length;
    }

    public async Task<long> LengthAsync(string key) =>
        (await _client.GetObjectMetadataAsync(new Amazon.S3.Model.GetObjectMetadataRequest { BucketName = _bucket, Key = key })).ContentLength;

    public async Task ReadRangeAsync(string key, long offset, int count, IncrementalHash sink)
    {
        using var response = await _client.GetObjectAsync(new Amazon.S3.Model.GetObjectRequest
        { BucketName = _bucket, Key = key, ByteRange = new Amazon.S3.Model.ByteRange(offset, offset + count - 1) });
        await Bench.Drain(response.ResponseStream, count, sink);
    }

    public Task DeleteAsync(string key) => _client.DeleteObjectAsync(_bucket, key);
}

sealed class MinioStore : IStore
{
    private readonly IMinioClient _client;
    private readonly string _bucket;

    public MinioStore(string endpoint, string region, string accessKey, string secretKey, string bucket, bool workaround206)
    {
        _bucket = bucket;
        var uri = new Uri(endpoint);
        _client = new MinioClient()
            .WithHttpClient(new HttpClient(new MinioHandler(workaround206)), disposeHttpClient: true)
            .WithEndpoint(uri.Host, uri.Port)
            .WithSSL(uri.Scheme == "https")
            .WithRegion(region)
            .WithCredentials(accessKey, secretKey)
            .WithTimeout(10 * 60 * 1000)
            .Build(); // Minio addresses path-style for an IP endpoint
    }

    public async Task<int> UploadAsync(string key, Stream data)
    {
        // Size unknown (-1), like a backup being produced: Minio buffers one 16 MiB part at a time and uploads the
        // parts one after the other.
        await _client.PutObjectAsync(new Minio.DataModel.Args.PutObjectArgs()
            .WithBucket(_bucket).WithObject(key).WithStreamData(data).WithObjectSize(-1).WithContentType("application/octet-stream"));
        return Bench.Parts; // counted by MinioHandler
    }

    public async Task<long> LengthAsync(string key) =>
        (await _client.StatObjectAsync(new Minio.DataModel.Args.StatObjectArgs().WithBucket(_bucket).WithObject(key))).Size;

    public async Task ReadRangeAsync(string key, long offset, int count, IncrementalHash sink)
    {
        var read = 0L;
        await _client.GetObjectAsync(new Minio.DataModel.Args.GetObjectArgs()
            .WithBucket(_bucket).WithObject(key).WithOffsetAndLength(offset, count)
            .WithCallbackStream(async (stream, ct) => read = await Bench.Drain(stream, count, sink)));
        if (read != count) throw new IOException($"Range {offset}+{count}: got {read} bytes.");
    }

    public Task DeleteAsync(string key) => _client.RemoveObjectAsync(new Minio.DataModel.Args.RemoveObjectArgs().WithBucket(_bucket).WithObject(key));
}

/// <summary>
/// Minio's HttpClient handler: counts the UploadPart requests and the most in flight at once; with fix206, turns
/// 206 Partial Content into 200 (Minio 7.0.0 treats 206 as an error: see the header).
/// </summary>
sealed class MinioHandler(bool fix206) : DelegatingHandler(new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var isPart = request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("partNumber=", StringComparison.Ordinal);
        if (isPart) Bench.PartStarted();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (fix206 && response.StatusCode == System.Net.HttpStatusCode.PartialContent) response.StatusCode = System.Net.HttpStatusCode.OK;
            return response;
        }
        finally
        {
            if (isPart) Bench.PartEnded();
        }
    }
}

static class Bench
{
    public const int PartSize = 16 << 20;   // S3Settings.PartSizeBytes
    public const int ParallelParts = 4;     // S3Settings.ParallelParts
    public const int WriteChunk = 1 << 20;  // the producer writes in pieces of this size
    private static int _inFlight;
    public static int Parts, MaxPartsInFlight;

    public static void PartStarted()
    {
        Interlocked.Increment(ref Parts);
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref MaxPartsInFlight)) && Interlocked.CompareExchange(ref MaxPartsInFlight, now, max) != max) { }
    }

    public static void PartEnded() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Reads a body to its end into the hash; it must be exactly <c>expected</c> bytes.</summary>
    public static async Task<long> Drain(Stream body, int expected, IncrementalHash sink)
    {
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0)
        {
            sink.AppendData(buffer, 0, n);
            total += n;
        }
        if (total != expected) throw new IOException($"A ranged GET returned {total} bytes instead of {expected}.");
        return total;
    }
}
