namespace BackupPS.Engine.Compression;

/// <summary>
/// Base of the pipeline's streams: forward-only, no length or position. A subclass overrides Read (and CanRead) or
/// Write (and CanWrite); everything else is not supported.
/// </summary>
internal abstract class ForwardOnlyStream : Stream
{
    public override bool CanRead => false;
    public override bool CanWrite => false;
    public override bool CanSeek => false;
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer) => throw new NotSupportedException();
    public override void Write(ReadOnlySpan<byte> buffer) => throw new NotSupportedException();
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
