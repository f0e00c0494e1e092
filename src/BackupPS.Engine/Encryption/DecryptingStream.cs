using System.Security.Cryptography;
using BackupPS.Engine.Compression;

namespace BackupPS.Engine.Encryption;

/// <summary>
/// Read side of an encrypted backup: reads and checks the header, opens the data key, then yields plaintext chunk by
/// chunk, each authenticated before a byte of it is returned. A chunk is final exactly when nothing follows it in the
/// file, so a file cut at a chunk boundary, chunks reordered, swapped or taken from another backup all fail a tag
/// (InvalidDataException: damage). Wrong keys are a <see cref="BackupException"/> (Security) before any chunk is read.
/// </summary>
internal sealed class DecryptingStream : ForwardOnlyStream
{
    private readonly Stream _input;
    private readonly EncryptedHeader _header;
    private readonly AesGcm _aes;
    private byte[] _current;   // ciphertext+tag of the chunk being decided on
    private byte[] _next;      // read-ahead: tells whether _current is the final chunk
    private int _currentLength;
    private int _nextLength;
    private readonly byte[] _plain;
    private int _plainOffset;
    private int _plainLength;
    private ulong _index;
    private bool _done;

    public EncryptedHeader Header => _header;

    private DecryptingStream(Stream input, EncryptedHeader header, byte[] dataKey)
    {
        _input = input;
        _header = header;
        _aes = new AesGcm(dataKey, EncryptedHeader.TagSize);
        var frame = header.ChunkSize + EncryptedHeader.TagSize;
        _current = new byte[frame];
        _next = new byte[frame];
        _plain = new byte[header.ChunkSize];
        _currentLength = Fill(_current);
        DecryptNext();
    }

    /// <summary>Reads the header from <paramref name="input"/> (positioned at the file's start) and opens it with <paramref name="keys"/>.</summary>
    public static DecryptingStream Open(Stream input, KeyRing? keys, string path)
    {
        var header = EncryptedHeader.Read(input);
        var dataKey = KeyWrap.OpenDataKey(header, keys, path);
        try { return new DecryptingStream(input, header, dataKey); }
        finally { CryptographicOperations.ZeroMemory(dataKey); }
    }

    /// <summary>The first plaintext bytes not yet read (at open: the start of the compressed stream, to recognise its kind).</summary>
    public ReadOnlySpan<byte> Peek => _plain.AsSpan(_plainOffset, _plainLength - _plainOffset);

    public override bool CanRead => true;

    public override int Read(Span<byte> buffer)
    {
        while (_plainOffset == _plainLength)
        {
            if (_done || buffer.Length == 0) return 0;
            DecryptNext();
        }
        var n = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsSpan(_plainOffset, n).CopyTo(buffer);
        _plainOffset += n;
        return n;
    }

    private int Fill(byte[] frame) => _input.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false);

    private void DecryptNext()
    {
        if (_done) return;
        if (_currentLength < EncryptedHeader.TagSize)
            throw new InvalidDataException($"encrypted chunk {_index} is truncated ({_currentLength} bytes): the file was cut short.");
        var final = _currentLength < _current.Length;
        if (!final)
        {
            _nextLength = Fill(_next);
            final = _nextLength == 0;
        }
        if (_index > uint.MaxValue) throw new InvalidDataException("it has more chunks than an encrypted stream can hold.");
        var length = _currentLength - EncryptedHeader.TagSize;
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[41];
        EncryptingStream.Nonce(nonce, _header.NoncePrefix, _index);
        EncryptingStream.Aad(aad, _header.Checksum, _index, final);
        try
        {
            _aes.Decrypt(nonce, _current.AsSpan(0, length), _current.AsSpan(length, EncryptedHeader.TagSize), _plain.AsSpan(0, length), aad);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new InvalidDataException(
                $"encrypted chunk {_index} failed authentication{(final ? " as the last chunk" : "")}: the file is damaged, truncated or its chunks were reordered (the key itself opened correctly).", ex);
        }
        _plainOffset = 0;
        _plainLength = length;
        _index++;
        if (final) { _done = true; return; }
        (_current, _next) = (_next, _current);
        _currentLength = _nextLength;
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
