using BackupPS.Engine.Compression;
using BackupPS.Engine.Encryption;

namespace BackupPS.Engine.Format;

/// <summary>
/// The one write pipeline of every backup file, whatever the engine: tar → compress → (encrypt) → SHA-256 → private
/// file. <see cref="Complete"/> closes the layers in order (tar end, compression epilogue, final chunk) and fsyncs.
/// </summary>
internal sealed class ArchiveFileWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly HashingStream _hashing;
    private readonly EncryptingStream? _encrypting;
    private readonly Stream _compressor;

    public ArchiveFileWriter(string partialPath, CompressionKind compression, int? compressionLevel, KeyRing? encryption)
    {
        // zstd hands out many small blocks: a 1 MiB buffer turns ~30k small writes per GiB into a few hundred.
        _file = FileSystemSecurity.CreatePrivateFile(partialPath, bufferSize: 1 << 20);
        _hashing = new HashingStream(_file, leaveOpen: true);
        _encrypting = encryption is null ? null : EncryptingStream.Create(_hashing, encryption);
        _compressor = Codec.CreateCompressor(compression, (Stream?)_encrypting ?? _hashing, compressionLevel);
        Tar = new TarWriter(_compressor);
    }

    public TarWriter Tar { get; }

    /// <summary>Ends the archive and makes it durable; returns the file's size and SHA-256.</summary>
    public (long Size, string Sha256) Complete()
    {
        Tar.Finish();
        Codec.Finish(_compressor);
        _encrypting?.Finish();
        _file.Flush(flushToDisk: true);
        return (_hashing.BytesProcessed, _hashing.GetHashHex());
    }

    public void Dispose()
    {
        _compressor.Dispose();
        _encrypting?.Dispose();
        _hashing.Dispose();
        _file.Dispose();
    }
}
