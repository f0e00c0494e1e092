using System.Runtime.InteropServices;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Native;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>
/// zstd through both implementations the engine has: the system libzstd (P/Invoke) and the managed SharpCompress port,
/// crossed with each other and with the zstd CLI. The process picks one for Codec once (env BACKUPPS_ZSTD=managed);
/// the managed streams are reached through the same factory methods Codec uses.
/// </summary>
public sealed class CodecZstdTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    public static readonly TheoryData<string> Implementations = new() { "native", "managed" };

    public static readonly TheoryData<string, string, string> CompressorDecompressorData = Build();

    private static TheoryData<string, string, string> Build()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var c in new[] { "native", "managed" })
        foreach (var d in new[] { "native", "managed" })
        foreach (var payload in new[] { "empty", "one-byte", "text-100k", "random-3M" })
            data.Add(c, d, payload);
        return data;
    }

    private static byte[] Payload(string name) => name switch
    {
        "empty" => [],
        "one-byte" => [0x42],
        "text-100k" => Bytes.Text(100_000, 11),
        "random-3M" => Bytes.Random(3_000_000, 12),
        _ => throw new ArgumentException(name),
    };

    /// <summary>True when the implementation can be tested here; native is missing only when the run forces managed zstd.</summary>
    private static bool Usable(string implementation)
    {
        if (implementation == "managed" || LibZstd.IsAvailable) return true;
        Assert.True(Environment.GetEnvironmentVariable("BACKUPPS_ZSTD") == "managed",
            "The system libzstd (libzstd.so.1 >= 1.4, package libzstd1) is not usable although BACKUPPS_ZSTD=managed was not set.");
        return false;
    }

    private static byte[] Compress(string implementation, byte[] data, int level = Codec.DefaultZstdLevel, int chunk = 70_000)
    {
        var output = new MemoryStream();
        var compressor = implementation == "native"
            ? new NativeZstdCompressStream(output, level, workers: 2)
            : Codec.CreateManagedZstdCompressor(output, level, workers: 2);
        for (var i = 0; i < data.Length; i += chunk) compressor.Write(data, i, Math.Min(chunk, data.Length - i));
        Codec.Finish(compressor);
        compressor.Dispose();
        Assert.True(output.CanWrite, "the compressor closed the stream it writes to");
        return output.ToArray();
    }

    private static Stream Decompressor(string implementation, Stream input) =>
        implementation == "native" ? new NativeZstdDecompressStream(input) : Codec.CreateManagedZstdDecompressor(input);

    private static byte[] Decompress(string implementation, byte[] compressed)
    {
        using var input = new MemoryStream(compressed);
        using var decompressor = Decompressor(implementation, input);
        var output = new MemoryStream();
        var buffer = new byte[8191]; // odd size: reads never line up with blocks
        int n;
        while ((n = decompressor.Read(buffer, 0, buffer.Length)) > 0) output.Write(buffer, 0, n);
        return output.ToArray();
    }

    [Fact]
    public void The_system_libzstd_is_used_when_it_can_be_loaded()
    {
        if (Environment.GetEnvironmentVariable("BACKUPPS_ZSTD") == "managed")
        {
            Assert.False(LibZstd.IsAvailable);
            Assert.StartsWith("managed", Codec.ZstdImplementation);
            return;
        }
        var loadable = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libzstd.so.1", out _);
        Assert.Equal(loadable, LibZstd.IsAvailable);
        if (loadable) Assert.Matches(@"^libzstd 1\.\d+\.\d+ \(system\)$", Codec.ZstdImplementation);
    }

    [Theory]
    [MemberData(nameof(CompressorDecompressorData))]
    public void Round_trip(string compressor, string decompressor, string payload)
    {
        if (!Usable(compressor) || !Usable(decompressor)) return;
        var data = Payload(payload);
        Assert.Equal(data, Decompress(decompressor, Compress(compressor, data)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(19)]
    public void Round_trip_at_the_extreme_levels_through_Codec(int level)
    {
        var data = Bytes.Text(500_000, 13);
        var output = new MemoryStream();
        var compressor = Codec.CreateCompressor(CompressionKind.Zstd, output, level);
        compressor.Write(data);
        Codec.Finish(compressor);
        compressor.Dispose();
        Assert.True(output.Length < data.Length / 3, $"text compressed to {output.Length} bytes only");
        output.Position = 0;
        using var decompressor = Codec.CreateDecompressor(CompressionKind.Zstd, output);
        var back = new MemoryStream();
        decompressor.CopyTo(back);
        Assert.Equal(data, back.ToArray());
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Output_has_a_frame_checksum_and_the_zstd_cli_decodes_and_tests_it(string implementation)
    {
        if (!Usable(implementation)) return;
        var data = Bytes.Text(300_000, 14);
        var path = _temp.WriteFile("data.zst", Compress(implementation, data));
        var compressed = File.ReadAllBytes(path);

        Assert.Equal(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, compressed[..4]);
        Assert.True((compressed[4] & 0x04) != 0, "Content_Checksum_flag is not set in the frame header");
        Tool.Ok("zstd", null, "-q", "-t", path);
        Tool.Ok("zstd", null, "-q", "-d", path, "-o", _temp["data.out"]);
        Assert.Equal(data, File.ReadAllBytes(_temp["data.out"]));

        // The checksum is real: a changed checksum byte makes the CLI reject the file.
        Bytes.FlipByte(path, -1);
        Assert.NotEqual(0, Tool.Run("zstd", null, "-q", "-t", path).ExitCode);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Decodes_what_the_zstd_cli_writes(string implementation)
    {
        if (!Usable(implementation)) return;
        var data = Bytes.Text(400_000, 15);
        var input = _temp.WriteFile("plain", data);
        Tool.Ok("zstd", null, "-q", "-19", "--check", input, "-o", _temp["cli.zst"]);
        Assert.Equal(data, Decompress(implementation, File.ReadAllBytes(_temp["cli.zst"])));
        Tool.Ok("zstd", null, "-q", "-1", "--no-check", input, "-o", _temp["cli-nocheck.zst"]);
        Assert.Equal(data, Decompress(implementation, File.ReadAllBytes(_temp["cli-nocheck.zst"])));
    }

    public static readonly TheoryData<string, int> TruncationData = BuildTruncation();

    private static TheoryData<string, int> BuildTruncation()
    {
        var data = new TheoryData<string, int>();
        foreach (var impl in new[] { "native", "managed" })
        foreach (var cut in new[] { 6, 1000, -5000, -4, -1 }) // header only, early, mid, checksum gone, one byte short
            data.Add(impl, cut);
        return data;
    }

    [Theory]
    [MemberData(nameof(TruncationData))]
    public void A_truncated_stream_is_an_error(string implementation, int cut)
    {
        if (!Usable(implementation)) return;
        var compressed = Compress(implementation, Bytes.Text(200_000, 16));
        Assert.True(compressed.Length > 10_000);
        var truncated = compressed[..(cut > 0 ? cut : compressed.Length + cut)];
        var ex = Record.Exception(() => Decompress(implementation, truncated));
        Assert.True(ex is EndOfStreamException or InvalidDataException,
            $"expected EndOfStreamException or InvalidDataException for a stream cut to {truncated.Length} of {compressed.Length} bytes, got {ex?.GetType().FullName ?? "no exception"}: {ex?.Message}");
    }

    public static readonly TheoryData<string, string, int> FlipData = BuildFlip();

    private static TheoryData<string, string, int> BuildFlip()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var impl in new[] { "native", "managed" })
        foreach (var payload in new[] { "text", "random" })
        foreach (var at in new[] { 4, 9, 200, -20_000, -1000, -3, -1 }) // frame header, first block header, data, checksum
            data.Add(impl, payload, at);
        return data;
    }

    [Theory]
    [MemberData(nameof(FlipData))]
    public void A_single_flipped_byte_is_an_error(string implementation, string payload, int at)
    {
        if (!Usable(implementation)) return;
        var data = payload == "text" ? Bytes.Text(300_000, 17) : Bytes.Random(300_000, 17);
        var compressed = Compress(implementation, data);
        var offset = at >= 0 ? at : compressed.Length + at;
        compressed[offset] ^= 0xFF;
        var ex = Record.Exception(() => Decompress(implementation, compressed));
        Assert.True(ex is InvalidDataException or EndOfStreamException,
            $"expected InvalidDataException or EndOfStreamException for byte {offset} of {compressed.Length} flipped, got {ex?.GetType().FullName ?? "no exception"}: {ex?.Message}");
    }
}
