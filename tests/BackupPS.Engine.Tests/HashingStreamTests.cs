using System.Security.Cryptography;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

public sealed class HashingStreamTests
{
    public static readonly TheoryData<int, int> Sizes = new()
    {
        { 0, 1 }, { 1, 1 }, { 511, 7 }, { 65_536, 4096 }, { 1_000_003, 65_521 }, { 3_000_000, 1 << 20 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Writing_hashes_what_passes_and_passes_it_unchanged(int size, int chunk)
    {
        var data = Bytes.Random(size, size);
        var inner = new MemoryStream();
        using var hashing = new HashingStream(inner, leaveOpen: true);
        for (var i = 0; i < size; i += chunk) hashing.Write(data, i, Math.Min(chunk, size - i));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), hashing.GetHashHex());
        Assert.Equal(size, hashing.BytesProcessed);
        Assert.Equal(data, inner.ToArray());
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Reading_hashes_what_passes_and_passes_it_unchanged(int size, int chunk)
    {
        var data = Bytes.Random(size, size + 1);
        using var hashing = new HashingStream(new MemoryStream(data));
        var read = new MemoryStream();
        var buffer = new byte[chunk];
        int n;
        while ((n = hashing.Read(buffer, 0, buffer.Length)) > 0) read.Write(buffer, 0, n);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), hashing.GetHashHex());
        Assert.Equal(size, hashing.BytesProcessed);
        Assert.Equal(data, read.ToArray());
    }

    [Fact]
    public void Span_overloads_and_CopyTo_hash_the_same()
    {
        var data = Bytes.Text(777_777, 31);
        var expected = Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

        using (var hashing = new HashingStream(new MemoryStream(data)))
        {
            hashing.CopyTo(Stream.Null);
            Assert.Equal(expected, hashing.GetHashHex());
        }
        using (var hashing = new HashingStream(Stream.Null))
        {
            hashing.Write(data.AsSpan(0, 1000));
            hashing.Write(data.AsSpan(1000));
            Assert.Equal(expected, hashing.GetHashHex());
        }
    }

    [Fact]
    public void Hash_of_a_real_file_equals_sha256sum()
    {
        var path = Path.Combine(Path.GetTempPath(), "backupps-xunit-hash-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(path, Bytes.Random(2_345_678, 32));
            using var file = File.OpenRead(path);
            using var hashing = new HashingStream(file);
            hashing.CopyTo(Stream.Null);
            Assert.Equal(Tool.Ok("sha256sum", null, path).Split(' ')[0], hashing.GetHashHex());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Dispose_closes_the_inner_stream_unless_told_to_leave_it_open()
    {
        var closed = new MemoryStream();
        new HashingStream(closed).Dispose();
        Assert.False(closed.CanRead);

        var open = new MemoryStream();
        new HashingStream(open, leaveOpen: true).Dispose();
        Assert.True(open.CanRead);
    }
}
