using SharpCompress.Common;
using ManagedZstd = SharpCompress.Compressors.ZStandard;

namespace BackupPS.Engine.Compression;

/// <summary>
/// The managed (SharpCompress) zstd decompressor, reporting damage the way the native one does — EndOfStreamException
/// for a truncated stream, InvalidDataException for corrupt data — instead of SharpCompress's own exception types,
/// which callers (ArchiveReader) would not recognise as a damaged backup.
/// </summary>
internal sealed class ManagedZstdDecompressStream(Stream input) : ForwardOnlyStream
{
    public override bool CanRead => true;
    private readonly ManagedZstd.DecompressionStream _inner = new(input, 1 << 17, checkEndOfStream: true, leaveOpen: true);


    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (IncompleteArchiveException ex)
        {
            throw new EndOfStreamException($"The zstd stream ends in the middle of a frame: the file is truncated ({ex.Message}).", ex);
        }
        catch (SharpCompressException ex)
        {
            throw new InvalidDataException($"zstd decompression failed: {ex.Message}", ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
