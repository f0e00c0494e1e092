using System.Formats.Tar;
using System.Text;
using BackupPS.Engine.Tests.Support;
using TarWriter = BackupPS.Engine.Format.TarWriter;

namespace BackupPS.Engine.Tests;

public sealed class TarWriterTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed record Item(string Name, byte[]? Content, int Mode, DateTimeOffset Modified)
    {
        public bool IsDirectory => Content is null;
    }

    private static readonly string LongName = "files/root/" + string.Join('/', Enumerable.Range(1, 12).Select(i => $"folder-number-{i:00}")) + "/deeply-nested-file.txt";
    private static readonly string LongSegmentName = "files/root/" + new string('x', 150) + ".bin";
    private const string UnicodeName = "files/root/données/ünïcödé 文件 😀.txt";

    private static readonly Item[] Items =
    [
        new("manifest.json", Encoding.UTF8.GetBytes("{\"formatVersion\":1}"), 0x180, new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero)),
        new("files/root/", null, 0x1ED, new DateTimeOffset(2023, 6, 7, 8, 9, 10, TimeSpan.Zero)),
        new("files/root/empty.txt", [], 0x1A4, new DateTimeOffset(2022, 2, 3, 4, 5, 6, TimeSpan.Zero)),
        new("files/root/exact-block.bin", Bytes.Random(512, 2), 0x1A0, new DateTimeOffset(2021, 12, 31, 23, 59, 59, TimeSpan.Zero)),
        new("files/root/odd-size.bin", Bytes.Random(100_003, 3), 0x1ED, new DateTimeOffset(2020, 2, 29, 12, 0, 0, TimeSpan.Zero)),
        new("files/root/données/", null, 0x1C0, new DateTimeOffset(2019, 5, 5, 5, 5, 5, TimeSpan.Zero)),
        new(UnicodeName, Encoding.UTF8.GetBytes("non-ASCII name"), 0x180, new DateTimeOffset(2018, 7, 8, 9, 10, 11, TimeSpan.Zero)),
        new(LongName, Encoding.UTF8.GetBytes("long path"), 0x1A4, new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        new(LongSegmentName, Bytes.Random(2_000, 4), 0x124, new DateTimeOffset(2016, 3, 4, 5, 6, 7, TimeSpan.Zero)),
    ];

    private static byte[] WriteAll(IEnumerable<Item> items)
    {
        var output = new MemoryStream();
        var tar = new TarWriter(output);
        foreach (var item in items)
        {
            if (item.IsDirectory) tar.WriteDirectory(item.Name, item.Mode, item.Modified);
            else tar.WriteFile(item.Name, item.Content!, item.Mode, item.Modified);
        }
        tar.Finish();
        return output.ToArray();
    }

    [Fact]
    public void Output_is_whole_512_byte_blocks_ending_with_two_zero_blocks()
    {
        var tar = WriteAll(Items);
        Assert.Equal(0, tar.Length % 512);
        Assert.All(tar[^1024..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void WriteFile_returns_the_sha256_of_the_content()
    {
        var content = Bytes.Random(1_500_000, 9); // more than the 1 MiB copy buffer
        var tar = new TarWriter(new MemoryStream());
        Assert.Equal(Bytes.Sha256Hex(content), tar.WriteFile("database/x.db", content, 0x180, DateTimeOffset.UnixEpoch));
        Assert.Equal(Bytes.Sha256Hex([]), tar.WriteFile("database/empty.db", [], 0x180, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void System_Formats_Tar_reads_back_names_sizes_modes_times_and_content()
    {
        using var reader = new TarReader(new MemoryStream(WriteAll(Items)));
        foreach (var expected in Items)
        {
            var entry = reader.GetNextEntry();
            Assert.NotNull(entry);
            Assert.Equal(expected.Name, entry.Name);
            Assert.Equal(expected.IsDirectory ? TarEntryType.Directory : TarEntryType.RegularFile, entry.EntryType);
            Assert.Equal((UnixFileMode)expected.Mode, entry.Mode);
            Assert.Equal(expected.Modified, entry.ModificationTime);
            if (!expected.IsDirectory)
            {
                Assert.Equal(expected.Content!.Length, entry.Length);
                var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                Assert.Equal(expected.Content, data.ToArray());
            }
        }
        Assert.Null(reader.GetNextEntry());
    }

    [Fact]
    public void Long_and_non_ascii_names_use_a_pax_header_and_short_ascii_ones_do_not()
    {
        using var reader = new TarReader(new MemoryStream(WriteAll(Items)));
        var formats = new Dictionary<string, TarEntryFormat>();
        while (reader.GetNextEntry() is { } entry) formats[entry.Name] = entry.Format;
        Assert.Equal(TarEntryFormat.Pax, formats[LongName]);
        Assert.Equal(TarEntryFormat.Pax, formats[LongSegmentName]);
        Assert.Equal(TarEntryFormat.Pax, formats[UnicodeName]);
        Assert.Equal(TarEntryFormat.Pax, formats["files/root/données/"]);
        Assert.Equal(TarEntryFormat.Ustar, formats["manifest.json"]);
        Assert.Equal(TarEntryFormat.Ustar, formats["files/root/empty.txt"]);
    }

    [Fact]
    public void Mtime_is_whole_seconds_and_times_before_1970_become_zero()
    {
        var output = new MemoryStream();
        var tar = new TarWriter(output);
        tar.WriteFile("files/a", [1], 0x180, new DateTimeOffset(2024, 5, 6, 7, 8, 9, 999, TimeSpan.FromHours(2)));
        tar.WriteFile("files/b", [2], 0x180, new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero));
        tar.Finish();
        output.Position = 0;
        using var reader = new TarReader(output);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 5, 8, 9, TimeSpan.Zero), reader.GetNextEntry()!.ModificationTime);
        Assert.Equal(DateTimeOffset.UnixEpoch, reader.GetNextEntry()!.ModificationTime);
    }

    [Fact]
    public void Gnu_tar_lists_names_sizes_modes_and_times()
    {
        var path = _temp["archive.tar"];
        File.WriteAllBytes(path, WriteAll(Items));
        var lines = Tool.Ok("tar", null, "--utc", "--full-time", "-tvf", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Items.Length, lines.Length);
        for (var i = 0; i < Items.Length; i++)
        {
            var item = Items[i];
            // "-rw-r--r-- 0/0   100003 2020-02-29 12:00:00 files/root/odd-size.bin"
            var parts = lines[i].Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal((item.IsDirectory ? "d" : "-") + Permissions(item.Mode), parts[0]);
            Assert.Equal((item.Content?.Length ?? 0).ToString(), parts[2]);
            Assert.Equal(item.Modified.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"), parts[3] + " " + parts[4]);
            Assert.Equal(item.Name, parts[5]);
        }
    }

    [Fact]
    public void Gnu_tar_extracts_content_modes_and_times()
    {
        var path = _temp["archive.tar"];
        File.WriteAllBytes(path, WriteAll(Items));
        var into = _temp.CreateDirectory("extracted");
        Tool.Ok("tar", into, "-xpf", path);
        foreach (var item in Items.Where(i => !i.IsDirectory))
        {
            var file = Path.Combine(into, item.Name);
            Assert.True(File.Exists(file), $"'{item.Name}' was not extracted");
            Assert.Equal(item.Content, File.ReadAllBytes(file));
            Assert.Equal((UnixFileMode)item.Mode, File.GetUnixFileMode(file));
            Assert.Equal(item.Modified.UtcDateTime, File.GetLastWriteTimeUtc(file));
        }
        foreach (var item in Items.Where(i => i.IsDirectory))
        {
            var dir = Path.Combine(into, item.Name.TrimEnd('/'));
            Assert.True(Directory.Exists(dir), $"'{item.Name}' was not extracted as a folder");
            Assert.Equal((UnixFileMode)item.Mode, File.GetUnixFileMode(dir));
            Assert.Equal(item.Modified.UtcDateTime, Directory.GetLastWriteTimeUtc(dir)); // GNU tar sets folder times last
        }
        // Nothing but what was written (no PaxHeaders folders, no stray files).
        var expected = Items.Select(i => i.Name.TrimEnd('/'))
            .SelectMany(n => Enumerable.Range(1, n.Count(c => c == '/') + 1).Select(k => string.Join('/', n.Split('/').Take(k))))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, _temp.Listing(into));
    }

    [Fact]
    public void Gnu_tar_reads_every_entry_of_a_long_archive()
    {
        var items = Enumerable.Range(0, 200).Select(i => new Item($"files/many/f{i:000}.bin", Bytes.Random(i * 37, i), 0x180 | (i % 8), DateTimeOffset.UnixEpoch.AddDays(i * 100))).ToArray();
        var path = _temp["many.tar"];
        File.WriteAllBytes(path, WriteAll(items));
        var into = _temp.CreateDirectory("x");
        Tool.Ok("tar", into, "-xpf", path);
        Assert.Equal(200, Directory.GetFiles(Path.Combine(into, "files", "many")).Length);
        foreach (var item in items)
        {
            var file = Path.Combine(into, item.Name);
            Assert.Equal(item.Content, File.ReadAllBytes(file));
            Assert.Equal((UnixFileMode)item.Mode, File.GetUnixFileMode(file));
            Assert.Equal(item.Modified.UtcDateTime, File.GetLastWriteTimeUtc(file));
        }
    }

    [Fact]
    public void A_source_that_shrinks_while_it_is_written_is_SourceChanged()
    {
        var path = _temp.WriteFile("growing.db", Bytes.Random(3_000_000, 5));
        var declared = new FileInfo(path).Length;
        using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using (var other = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) other.SetLength(1_234_567); // another process rewrites it

        var tar = new TarWriter(new MemoryStream());
        var ex = Assert.Throws<BackupException>(() => tar.WriteFile("database/growing.db", declared, 0x180, DateTimeOffset.UtcNow, source));
        Assert.Equal("SourceChanged", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidData, ex.Kind);
        Assert.Contains("1234567 of 3000000", ex.Message);
    }

    [Fact]
    public void A_source_that_grows_is_written_with_its_declared_size_and_the_archive_stays_valid()
    {
        var path = _temp.WriteFile("growing.log", Bytes.Text(10_000, 6));
        using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Bytes.Append(path, Bytes.Text(5_000, 7));

        var output = new MemoryStream();
        var tar = new TarWriter(output);
        var sha = tar.WriteFile("files/growing.log", 10_000, 0x180, DateTimeOffset.UnixEpoch, source);
        tar.WriteFile("files/next", [42], 0x180, DateTimeOffset.UnixEpoch);
        tar.Finish();

        Assert.Equal(Bytes.Sha256Hex(Bytes.Text(10_000, 6)), sha);
        output.Position = 0;
        using var reader = new TarReader(output);
        Assert.Equal(10_000, reader.GetNextEntry()!.Length);
        Assert.Equal("files/next", reader.GetNextEntry()!.Name);
    }

    private static string Permissions(int mode)
    {
        var sb = new StringBuilder();
        for (var shift = 6; shift >= 0; shift -= 3)
        {
            var bits = (mode >> shift) & 7;
            sb.Append((bits & 4) != 0 ? 'r' : '-').Append((bits & 2) != 0 ? 'w' : '-').Append((bits & 1) != 0 ? 'x' : '-');
        }
        return sb.ToString();
    }
}
