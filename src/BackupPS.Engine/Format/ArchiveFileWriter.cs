using BackupPS.Engine.Compression;
using BackupPS.Engine.Encryption;

namespace BackupPS.Engine.Format;

/// <summary>
/// The one write pipeline of every backup file, whatever the engine: tar → compress → (encrypt) → SHA-256 → the
/// destination's writer stream (a private local file, or an S3 multipart upload). <see cref="Complete"/> closes the
/// layers in order (tar end, compression epilogue, final chunk) and flushes; the destination's writer makes it durable.
/// </summary>
internal sealed class ArchiveFileWriter : IDisposable
{
    private readonly Stream _target;
    private readonly HashingStream _hashing;
    private readonly EncryptingStream? _encrypting;
    private readonly Stream _compressor;

    public ArchiveFileWriter(Stream target, CompressionKind compression, int? compressionLevel, KeyRing? encryption)
    {
        _target = target;
        _hashing = new HashingStream(target, leaveOpen: true);
        _encrypting = encryption is null ? null : EncryptingStream.Create(_hashing, encryption);
        _compressor = Codec.CreateCompressor(compression, (Stream?)_encrypting ?? _hashing, compressionLevel);
        Tar = new TarWriter(_compressor);
    }

    public TarWriter Tar { get; }

    /// <summary>Ends the archive and flushes it to the destination's stream; returns the file's size and SHA-256.</summary>
    public (long Size, string Sha256) Complete()
    {
        Tar.Finish();
        Codec.Finish(_compressor);
        _encrypting?.Finish();
        _target.Flush();
        return (_hashing.BytesProcessed, _hashing.GetHashHex());
    }

    public void Dispose()
    {
        _compressor.Dispose();
        _encrypting?.Dispose();
        _hashing.Dispose();
    }
}
