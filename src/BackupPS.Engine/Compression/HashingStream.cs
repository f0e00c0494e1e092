using System.Security.Cryptography;

namespace BackupPS.Engine.Compression;

/// <summary>
/// Passes bytes through to (writing) or from (reading) an inner stream while computing their SHA-256 and count,
/// so a file is hashed in the same pass that writes or reads it.
/// </summary>
internal sealed class HashingStream(Stream inner, bool leaveOpen = false) : ForwardOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesProcessed { get; private set; }

    /// <summary>Lowercase hex SHA-256 of everything that passed; call once, at the end.</summary>
    public string GetHashHex() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        BytesProcessed += n;
        return n;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesProcessed += buffer.Length;
        inner.Write(buffer);
    }

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen) inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
}
