using Amazon.S3.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// Reads an S3 object as a seekable stream of ranged GETs (ReadChunkBytes each). A GET that fails or ends early is
/// retried from the byte where it stopped, with backoff; end-to-end integrity is the reader's SHA-256 against the sidecar.
/// </summary>
internal sealed class S3ReadStream(S3Destination destination, string key, long length, int chunkBytes) : Stream
{
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _position;
    private long _rangeEnd; // exclusive end of the current GET

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (value == _position) return;
            CloseBody();
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0 || _position >= length) return 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (_body is null) OpenRange();
                var wanted = (int)Math.Min(buffer.Length, _rangeEnd - _position);
                var n = _body!.Read(buffer[..wanted]);
                if (n == 0) throw new IOException($"The GET of s3://{destination.Bucket}/{key} ended at byte {_position}, before {_rangeEnd}.");
                _position += n;
                if (_position >= _rangeEnd) CloseBody();
                return n;
            }
            catch (Exception ex) when (ex is not BackupException && attempt < S3Errors.BodyReadAttempts && S3Errors.IsTransient(ex))
            {
                CloseBody();
                Thread.Sleep(S3Errors.Backoff(attempt));
            }
            catch (Exception ex) when (ex is not BackupException)
            {
                CloseBody();
                throw S3Errors.Map(ex, destination.Bucket, key, default);
            }
        }
    }

    private void OpenRange()
    {
        var end = Math.Min(length, _position + chunkBytes);
        var request = new GetObjectRequest { BucketName = destination.Bucket, Key = key, ByteRange = new ByteRange(_position, end - 1) };
        _response = destination.Call(ct => destination.Client.GetObjectAsync(request, ct), key);
        _body = _response.ResponseStream;
        _rangeEnd = end;
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseBody();
        base.Dispose(disposing);
    }
}
