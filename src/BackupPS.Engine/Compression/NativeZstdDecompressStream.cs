using BackupPS.Engine.Native;

namespace BackupPS.Engine.Compression;

/// <summary>Read-only stream that decompresses zstd frames from an inner stream with the system libzstd; frame checksums are verified by libzstd.</summary>
internal sealed unsafe class NativeZstdDecompressStream : ForwardOnlyStream
{
    public override bool CanRead => true;
    private const int InputBufferSize = 1 << 17;
    private const int MaxWindowLog = 27; // refuses frames that would need more than 128 MiB of window (level ≤ 19 never does)
    private readonly Stream _inner;
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(InputBufferSize, pinned: true);
    private int _inputLength, _inputPos;
    private bool _innerEnded, _frameComplete = true;
    private nint _dctx;

    public NativeZstdDecompressStream(Stream inner)
    {
        _inner = inner;
        _dctx = LibZstd.CreateDCtx();
        if (_dctx == 0) throw new OutOfMemoryException("zstd could not allocate a decompression context.");
        LibZstd.Check(LibZstd.DCtxSetParameter(_dctx, LibZstd.WindowLogMaxParameter, MaxWindowLog), "set window limit");
    }


    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_dctx == 0, this);
        if (buffer.IsEmpty) return 0;
        fixed (byte* dst = buffer)
        fixed (byte* src = _input)
        {
            var output = new LibZstd.OutBuffer { Dst = dst, Size = (nuint)buffer.Length };
            while (output.Pos == 0)
            {
                if (_inputPos == _inputLength)
                {
                    if (_innerEnded) break;
                    _inputLength = _inner.Read(_input, 0, InputBufferSize);
                    _inputPos = 0;
                    if (_inputLength == 0) { _innerEnded = true; break; }
                }
                var input = new LibZstd.InBuffer { Src = src, Size = (nuint)_inputLength, Pos = (nuint)_inputPos };
                var hint = LibZstd.Check(LibZstd.DecompressStream(_dctx, &output, &input), "decompression");
                _inputPos = (int)input.Pos;
                _frameComplete = hint == 0;
            }
            if (output.Pos == 0 && _innerEnded && !_frameComplete)
                throw new EndOfStreamException("The zstd stream ends in the middle of a frame: the file is truncated.");
            return (int)output.Pos;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_dctx != 0) { LibZstd.FreeDCtx(_dctx); _dctx = 0; }
        base.Dispose(disposing);
    }
}
