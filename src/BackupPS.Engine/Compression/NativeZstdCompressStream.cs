using BackupPS.Engine.Native;

namespace BackupPS.Engine.Compression;

/// <summary>Write-only stream that zstd-compresses into an inner stream with the system libzstd (multithreaded, frame checksum on).</summary>
internal sealed unsafe class NativeZstdCompressStream : ForwardOnlyStream
{
    public override bool CanWrite => true;
    private const int OutputBufferSize = 1 << 20;
    private readonly Stream _inner;
    private readonly byte[] _output = GC.AllocateUninitializedArray<byte>(OutputBufferSize, pinned: true);
    private nint _cctx;

    public NativeZstdCompressStream(Stream inner, int level, int workers)
    {
        _inner = inner;
        _cctx = LibZstd.CreateCCtx();
        if (_cctx == 0) throw new OutOfMemoryException("zstd could not allocate a compression context.");
        LibZstd.Check(LibZstd.CCtxSetParameter(_cctx, LibZstd.CompressionLevelParameter, level), "set level");
        LibZstd.Check(LibZstd.CCtxSetParameter(_cctx, LibZstd.ChecksumFlagParameter, 1), "set checksum");
        if (workers > 0) LibZstd.Check(LibZstd.CCtxSetParameter(_cctx, LibZstd.WorkersParameter, workers), "set workers");
    }


    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        fixed (byte* src = buffer)
        {
            var input = new LibZstd.InBuffer { Src = src, Size = (nuint)buffer.Length };
            while (input.Pos < input.Size) Step(&input, LibZstd.EndContinue);
        }
    }

    /// <summary>Ends the frame (with its checksum) and writes what remains.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        var input = new LibZstd.InBuffer();
        while (Step(&input, LibZstd.EndFrame) != 0) { }
        _inner.Flush();
    }

    private nuint Step(LibZstd.InBuffer* input, int mode)
    {
        fixed (byte* dst = _output)
        {
            var output = new LibZstd.OutBuffer { Dst = dst, Size = OutputBufferSize };
            var remaining = LibZstd.Check(LibZstd.CompressStream2(_cctx, &output, input, mode), "compression");
            if (output.Pos > 0) _inner.Write(_output, 0, (int)output.Pos);
            return remaining;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_cctx != 0) { LibZstd.FreeCCtx(_cctx); _cctx = 0; }
        base.Dispose(disposing);
    }
}
