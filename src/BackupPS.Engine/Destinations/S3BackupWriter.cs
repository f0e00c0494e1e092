using System.Collections.Concurrent;
using Amazon.S3.Model;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// A backup streamed to S3 while it is produced: bytes fill a part buffer; each full part is uploaded in the background
/// (at most ParallelParts at once, so memory stays within PartSize × (ParallelParts + 1)); Complete uploads the last
/// part, completes the multipart upload and only then writes the sidecar. A backup smaller than one part is one
/// PutObject. Dispose without Complete aborts the multipart upload: nothing is left, nothing is listed.
/// </summary>
internal sealed class S3BackupWriter : IBackupWriter
{
    private readonly S3Destination _destination;
    private readonly string _key;
    private readonly UploadStream _stream;
    private bool _completed;

    public S3BackupWriter(S3Destination destination, string key, string path, OperationContext context)
    {
        _destination = destination;
        _key = key;
        Path = path;
        _stream = new UploadStream(destination, key, context.Cancellation);
    }

    public string Path { get; }

    private bool _disposed;

    public Stream Stream => _stream;

    public BackupRecord Complete(Sidecar sidecar)
    {
        _stream.Finish();
        var record = new BackupRecord(Path, sidecar, _destination);
        try
        {
            _destination.WriteSidecar(record, sidecar);
        }
        catch
        {
            try { _destination.Client.DeleteObjectAsync(_destination.Bucket, _key).GetAwaiter().GetResult(); } catch (Exception) { }
            throw;
        }
        _completed = true;
        return record;
    }

    /// <summary>Aborts an unfinished upload. Safe to call again (error paths and finally blocks may both dispose).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_completed) _stream.Abort();
        _stream.Dispose();
    }

    private sealed class UploadStream : Compression.ForwardOnlyStream
    {
        private const int MaxParts = 10_000; // S3's limit per multipart upload
        private readonly S3Destination _destination;
        private readonly string _key;
        private readonly int _partSize;
        private readonly CancellationTokenSource _cancel;
        private readonly SemaphoreSlim _slots;
        private readonly ConcurrentBag<byte[]> _free = [];
        private readonly List<Task<PartETag>> _parts = [];
        private byte[] _buffer;
        private int _filled;
        private string? _uploadId;
        private bool _finished;
        private long _written;

        public UploadStream(S3Destination destination, string key, CancellationToken cancellation)
        {
            _destination = destination;
            _key = key;
            _partSize = destination.Settings.PartSizeBytes;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            _slots = new SemaphoreSlim(destination.Settings.ParallelParts);
            _buffer = new byte[_partSize];
        }

        public override bool CanWrite => true;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (_finished) throw new ObjectDisposedException(nameof(UploadStream));
            while (data.Length > 0)
            {
                var n = Math.Min(data.Length, _partSize - _filled);
                data[..n].CopyTo(_buffer.AsSpan(_filled));
                _filled += n;
                _written += n;
                data = data[n..];
                if (_filled == _partSize) SubmitPart();
            }
        }

        public override void Flush() { }

        private void SubmitPart()
        {
            ThrowIfAPartFailed();
            if (_parts.Count >= MaxParts)
                throw new BackupException("S3BackupTooLarge", BackupErrorKind.WriteError,
                    $"s3://{_destination.Bucket}/{_key} would need more than {MaxParts} parts of {_partSize >> 20} MiB, the S3 limit; nothing was kept.", $"s3://{_destination.Bucket}/{_key}");
            if (_uploadId is null)
            {
                var request = new InitiateMultipartUploadRequest { BucketName = _destination.Bucket, Key = _key, ContentType = "application/octet-stream" };
                if (_destination.EncryptionMethod is { } method) request.ServerSideEncryptionMethod = method;
                _uploadId = _destination.Call(ct => _destination.Client.InitiateMultipartUploadAsync(request, ct), _key, _cancel.Token).UploadId;
            }
            _slots.Wait(_cancel.Token); // bounded: at most ParallelParts parts in flight
            var buffer = _buffer;
            var length = _filled;
            var number = _parts.Count + 1;
            var uploadId = _uploadId;
            _parts.Add(Task.Run(async () =>
            {
                try { return await UploadPart(uploadId, number, buffer, length).ConfigureAwait(false); }
                finally
                {
                    _free.Add(buffer);
                    _slots.Release();
                }
            }));
            _buffer = _free.TryTake(out var reused) ? reused : new byte[_partSize];
            _filled = 0;
        }

        private async Task<PartETag> UploadPart(string uploadId, int number, byte[] buffer, int length)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var response = await _destination.Client.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = _destination.Bucket, Key = _key, UploadId = uploadId, PartNumber = number, UseChunkEncoding = false,
                        InputStream = new MemoryStream(buffer, 0, length, writable: false), PartSize = length,
                    }, _cancel.Token).ConfigureAwait(false);
                    return new PartETag(number, response.ETag);
                }
                // The SDK has retried already; a few more tries, with backoff, for a store that hiccups longer.
                catch (Exception ex) when (attempt < 3 && S3Errors.IsTransient(ex) && !_cancel.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(attempt * 2), _cancel.Token).ConfigureAwait(false);
                }
            }
        }

        private void ThrowIfAPartFailed()
        {
            var failed = _parts.FirstOrDefault(t => t.IsFaulted || t.IsCanceled);
            if (failed is not null) throw S3Errors.Map(failed.Exception?.InnerException ?? new OperationCanceledException(), _destination.Bucket, _key, _cancel.Token);
        }

        /// <summary>Uploads what remains and makes the object whole (visible). Its sidecar is the writer's to write, after this.</summary>
        public void Finish()
        {
            if (_finished) throw new ObjectDisposedException(nameof(UploadStream));
            if (_uploadId is null)
            {
                var request = _destination.WithEncryption(new PutObjectRequest
                {
                    UseChunkEncoding = false, // whole buffers: no aws-chunked framing, which some S3-compatible stores mishandle
                    BucketName = _destination.Bucket, Key = _key, InputStream = new MemoryStream(_buffer, 0, _filled, writable: false), ContentType = "application/octet-stream",
                });
                _destination.Call(ct => _destination.Client.PutObjectAsync(request, ct), _key, _cancel.Token);
                _finished = true;
                return;
            }
            if (_filled > 0) SubmitPart();
            PartETag[] etags;
            try { etags = Task.WhenAll(_parts).GetAwaiter().GetResult(); }
            catch (Exception ex) { throw S3Errors.Map(ex, _destination.Bucket, _key, _cancel.Token); }
            var complete = new CompleteMultipartUploadRequest { BucketName = _destination.Bucket, Key = _key, UploadId = _uploadId, PartETags = [.. etags.OrderBy(e => e.PartNumber)] };
            _destination.Call(ct => _destination.Client.CompleteMultipartUploadAsync(complete, ct), _key, _cancel.Token);
            _finished = true;
        }

        /// <summary>Stops the parts in flight and aborts the multipart upload, so the store keeps nothing of it.</summary>
        public void Abort()
        {
            if (_finished && _uploadId is null) return;
            _cancel.Cancel();
            try { Task.WhenAll(_parts).Wait(TimeSpan.FromSeconds(30)); } catch (Exception) { }
            if (_uploadId is null) return;
            try
            {
                _destination.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _destination.Bucket, Key = _key, UploadId = _uploadId })
                    .WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
            }
            catch (Exception) { } // a leftover upload is aborted by the next run's CleanStale (after 6 h)
            _finished = true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _cancel.Dispose();
                _slots.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
