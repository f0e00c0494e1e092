using BackupPS.Engine.Compression;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Codec as the engine calls it: compressor/decompressor per kind, Finish, and Detect by magic bytes.</summary>
public sealed class CodecTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] Compress(CompressionKind kind, byte[] data, int? level = null)
    {
        var output = new MemoryStream();
        var compressor = Codec.CreateCompressor(kind, output, level);
        compressor.Write(data);
        Codec.Finish(compressor);
        compressor.Dispose();
        Assert.True(output.CanWrite, $"the {kind} compressor closed the stream it writes to");
        return output.ToArray();
    }

    private static byte[] Decompress(CompressionKind kind, byte[] compressed)
    {
        var input = new MemoryStream(compressed);
        using (var decompressor = Codec.CreateDecompressor(kind, input))
        {
            var output = new MemoryStream();
            decompressor.CopyTo(output);
            Assert.True(input.CanRead, $"the {kind} decompressor closed the stream it reads from");
            return output.ToArray();
        }
    }

    [Theory]
    [InlineData(CompressionKind.Zstd)]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.None)]
    public void Round_trip(CompressionKind kind)
    {
        foreach (var data in new[] { [], Bytes.Text(250_000, 21), Bytes.Random(1_500_000, 22) })
            Assert.Equal(data, Decompress(kind, Compress(kind, data)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(9)]
    public void Gzip_output_is_read_by_the_gzip_cli(int? level)
    {
        var data = Bytes.Text(200_000, 23);
        var path = _temp.WriteFile("data.gz", Compress(CompressionKind.Gzip, data, level));
        Tool.Ok("gzip", null, "-t", path);
        Tool.Ok("gzip", null, "-d", "-k", path);
        Assert.Equal(data, File.ReadAllBytes(_temp["data"]));
    }

    [Fact]
    public void Gzip_reads_what_the_gzip_cli_writes()
    {
        var data = Bytes.Text(150_000, 24);
        var path = _temp.WriteFile("cli", data);
        Tool.Ok("gzip", null, "-9", path);
        Assert.Equal(data, Decompress(CompressionKind.Gzip, File.ReadAllBytes(path + ".gz")));
    }

    [Theory]
    [InlineData(-1)]     // ISIZE
    [InlineData(-6)]     // CRC32
    [InlineData(5000)]   // deflate data
    public void Gzip_with_a_flipped_byte_is_an_error(int at)
    {
        // (.NET's GZipStream does not report a stream cut short; the archive layer does — see VerifyOperationTests.)
        var compressed = Compress(CompressionKind.Gzip, Bytes.Random(100_000, 25));
        compressed[at >= 0 ? at : compressed.Length + at] ^= 0xFF;
        var ex = Record.Exception(() => Decompress(CompressionKind.Gzip, compressed));
        Assert.True(ex is InvalidDataException, $"gzip with byte {at} flipped gave {ex?.GetType().FullName ?? "no exception"}");
    }

    [Fact]
    public void Detect_recognises_each_kind_by_its_magic()
    {
        Assert.Equal(CompressionKind.Zstd, Codec.Detect(Compress(CompressionKind.Zstd, [1, 2, 3])));
        Assert.Equal(CompressionKind.Gzip, Codec.Detect(Compress(CompressionKind.Gzip, [1, 2, 3])));
        var tar = new MemoryStream();
        var writer = new Format.TarWriter(tar);
        writer.WriteFile("manifest.json", [1, 2, 3], 0x180, DateTimeOffset.UnixEpoch);
        writer.Finish();
        Assert.Equal(CompressionKind.None, Codec.Detect(tar.ToArray()));
    }

    [Fact]
    public void Detect_recognises_files_written_by_the_cli_tools()
    {
        var plain = _temp.WriteFile("plain", Bytes.Text(5000, 26));
        Tool.Ok("zstd", null, "-q", plain, "-o", _temp["plain.zst"]);
        Tool.Ok("gzip", null, "-k", plain);
        Tool.Ok("tar", _temp.Path, "--format=pax", "-cf", "plain.tar", "plain");
        Tool.Ok("tar", _temp.Path, "--format=gnu", "-cf", "plain-gnu.tar", "plain");
        Assert.Equal(CompressionKind.Zstd, Codec.Detect(File.ReadAllBytes(_temp["plain.zst"])));
        Assert.Equal(CompressionKind.Gzip, Codec.Detect(File.ReadAllBytes(_temp["plain.gz"])));
        Assert.Equal(CompressionKind.None, Codec.Detect(File.ReadAllBytes(_temp["plain.tar"])));
        Assert.Equal(CompressionKind.None, Codec.Detect(File.ReadAllBytes(_temp["plain-gnu.tar"]))); // "ustar  \0"
    }

    [Theory]
    [InlineData("")]
    [InlineData("28")]
    [InlineData("28B52F")]       // zstd magic cut short
    [InlineData("1F")]           // gzip magic cut short
    [InlineData("1F8C")]
    [InlineData("FD2FB528")]     // zstd magic byte-swapped
    [InlineData("504B0304")]     // zip
    [InlineData("53514C69746520666F726D6174203300")] // "SQLite format 3\0"
    public void Detect_returns_null_for_anything_else(string hex)
    {
        Assert.Null(Codec.Detect(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Detect_needs_the_whole_ustar_magic_at_offset_257()
    {
        var head = new byte[512];
        "ustar"u8.CopyTo(head.AsSpan(257));
        Assert.Equal(CompressionKind.None, Codec.Detect(head));
        Assert.Null(Codec.Detect(head.AsSpan(0, 261)));
        head[261] = (byte)'X';
        Assert.Null(Codec.Detect(head));
        Assert.Null(Codec.Detect(Bytes.Random(512, 27)));
    }

    [Theory]
    [InlineData(CompressionKind.Zstd, ".tar.zst")]
    [InlineData(CompressionKind.Gzip, ".tar.gz")]
    [InlineData(CompressionKind.None, ".tar")]
    public void File_extension_per_kind(CompressionKind kind, string extension) => Assert.Equal(extension, Codec.FileExtension(kind));
}
