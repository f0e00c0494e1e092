using System.Buffers.Binary;
using System.Security.Cryptography;
using BackupPS.Engine.Compression;

namespace BackupPS.Engine.Encryption;

/// <summary>
/// Write side of an encrypted backup: writes the header, then AES-256-GCM of fixed-size chunks (ciphertext, then its
/// 16-byte tag). Nonce = 8-byte random prefix ‖ chunk index (uint32 big-endian); AAD = header SHA-256 ‖ chunk index
/// (uint64 big-endian) ‖ final flag (1 on the last chunk, else 0). A full chunk is held back until more bytes arrive,
/// so the last chunk (0..chunk size bytes) is always the one flagged final by <see cref="Finish"/>. Memory: two chunks.
/// </summary>
internal sealed class EncryptingStream : ForwardOnlyStream
{
    private readonly Stream _output;
    private readonly AesGcm _aes;
    private readonly byte[] _headerChecksum;
    private readonly byte[] _noncePrefix;
    private readonly byte[] _plain;
    private readonly byte[] _cipher;
    private readonly byte[] _tag = new byte[EncryptedHeader.TagSize];
    private int _filled;
    private ulong _index;
    private bool _finished;

    private EncryptingStream(Stream output, EncryptedHeader header, byte[] dataKey)
    {
        _output = output;
        _aes = new AesGcm(dataKey, EncryptedHeader.TagSize);
        _headerChecksum = header.Checksum;
        _noncePrefix = header.NoncePrefix;
        _plain = new byte[header.ChunkSize];
        _cipher = new byte[header.ChunkSize];
    }

    /// <summary>Writes the header for <paramref name="keys"/> to <paramref name="output"/> and returns the stream to write the plaintext to.</summary>
    public static EncryptingStream Create(Stream output, KeyRing keys, int chunkSize = EncryptedHeader.DefaultChunkSize)
    {
        var (header, dataKey) = KeyWrap.NewHeader(keys, chunkSize);
        try
        {
            output.Write(header.ToBytes());
            return new EncryptingStream(output, header, dataKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey); // AesGcm keeps its own copy of the key schedule
        }
    }

    public override bool CanWrite => true;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_finished) throw new InvalidOperationException("The encrypted stream is finished.");
        while (buffer.Length > 0)
        {
            if (_filled == _plain.Length) EmitChunk(final: false);
            var n = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..n].CopyTo(_plain.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Encrypts what is buffered as the final chunk. Without it the file is truncated by definition: no chunk says final.</summary>
    public void Finish()
    {
        if (_finished) return;
        EmitChunk(final: true);
        _finished = true;
        _output.Flush();
    }

    internal static void Nonce(Span<byte> nonce, ReadOnlySpan<byte> prefix, ulong index)
    {
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], checked((uint)index));
    }

    internal static void Aad(Span<byte> aad, ReadOnlySpan<byte> headerChecksum, ulong index, bool final)
    {
        headerChecksum.CopyTo(aad);
        BinaryPrimitives.WriteUInt64BigEndian(aad[32..], index);
        aad[40] = final ? (byte)1 : (byte)0;
    }

    private void EmitChunk(bool final)
    {
        if (_index > uint.MaxValue) throw new IOException("The backup is too large for one encrypted stream (2^32 chunks).");
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[41];
        Nonce(nonce, _noncePrefix, _index);
        Aad(aad, _headerChecksum, _index, final);
        _aes.Encrypt(nonce, _plain.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), _tag, aad);
        _output.Write(_cipher, 0, _filled);
        _output.Write(_tag);
        _index++;
        _filled = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }
        base.Dispose(disposing);
    }
}
