using System.IO.Compression;
using BackupPS.Engine.Native;
using ManagedZstd = SharpCompress.Compressors.ZStandard;

namespace BackupPS.Engine.Compression;

/// <summary>Creates compressing and decompressing streams, and recognises a compressed stream by its magic bytes.</summary>
public static class Codec
{
    public const int DefaultZstdLevel = 3;

    /// <summary>"libzstd 1.5.4 (system)" or "managed": which zstd implementation this process uses.</summary>
    public static string ZstdImplementation => LibZstd.IsAvailable ? $"libzstd {LibZstd.Version} (system)" : "managed (SharpCompress)";

    public static string FileExtension(CompressionKind kind) => kind switch
    {
        CompressionKind.Zstd => ".tar.zst",
        CompressionKind.Gzip => ".tar.gz",
        _ => ".tar",
    };

    /// <summary>A write-only stream compressing into <paramref name="output"/>; call <see cref="Finish"/> before disposing.</summary>
    internal static Stream CreateCompressor(CompressionKind kind, Stream output, int? level)
    {
        var workers = Environment.ProcessorCount > 1 ? Environment.ProcessorCount : 0;
        switch (kind)
        {
            case CompressionKind.Zstd when LibZstd.IsAvailable:
                return new NativeZstdCompressStream(output, level ?? DefaultZstdLevel, workers);
            case CompressionKind.Zstd:
                return CreateManagedZstdCompressor(output, level ?? DefaultZstdLevel, workers);
            case CompressionKind.Gzip:
                return new GZipStream(output, ToGzipLevel(level), leaveOpen: true);
            default:
                return new NonClosingStream(output);
        }
    }

    /// <summary>Flushes the end of the compressed stream (zstd frame end and checksum, gzip trailer).</summary>
    internal static void Finish(Stream compressor)
    {
        if (compressor is NativeZstdCompressStream native) native.Finish();
        else compressor.Dispose(); // managed zstd and gzip write their epilogue on dispose
    }

    internal static Stream CreateDecompressor(CompressionKind kind, Stream input) => kind switch
    {
        CompressionKind.Zstd when LibZstd.IsAvailable => new NativeZstdDecompressStream(input),
        CompressionKind.Zstd => CreateManagedZstdDecompressor(input),
        CompressionKind.Gzip => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true),
        _ => new NonClosingStream(input),
    };

    /// <summary>The managed (SharpCompress) zstd compressor, frame checksum on; what <see cref="CreateCompressor"/> uses without libzstd.</summary>
    internal static Stream CreateManagedZstdCompressor(Stream output, int level, int workers)
    {
        var managed = new ManagedZstd.CompressionStream(output, level, 1 << 20, leaveOpen: true);
        managed.SetParameter(ManagedZstd.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        if (workers > 0) managed.SetParameter(ManagedZstd.Unsafe.ZSTD_cParameter.ZSTD_c_nbWorkers, workers);
        return managed;
    }

    /// <summary>The managed (SharpCompress) zstd decompressor; what <see cref="CreateDecompressor"/> uses without libzstd.</summary>
    internal static Stream CreateManagedZstdDecompressor(Stream input) =>
        new ManagedZstdDecompressStream(input);

    /// <summary>Recognises zstd, gzip or a bare tar from the first bytes of a file; null if it is none of them.</summary>
    public static CompressionKind? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD) return CompressionKind.Zstd;
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B) return CompressionKind.Gzip;
        if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8)) return CompressionKind.None;
        return null;
    }

    private static CompressionLevel ToGzipLevel(int? level) => level switch
    {
        null => CompressionLevel.Optimal,
        <= 1 => CompressionLevel.Fastest,
        >= 9 => CompressionLevel.SmallestSize,
        _ => CompressionLevel.Optimal,
    };
}
