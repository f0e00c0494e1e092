using System.Formats.Tar;
using System.Text;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Format;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>The reader refuses archives BackupPS would never write — hostile names, links, devices, lies in the manifest — as BackupCorrupt.</summary>
public sealed class ArchiveReaderTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private ArchiveContents Read(string path)
    {
        var scratch = _temp.CreateDirectory("scratch-" + Guid.NewGuid().ToString("N")[..6]);
        var sink = new ExtractingSink(Path.Combine(scratch, "database.db"), Path.Combine(scratch, "files"));
        return ArchiveReader.Read(path, sink, OperationContext.None);
    }

    /// <summary>Reads <paramref name="archive"/> expecting BackupCorrupt whose message contains <paramref name="why"/>; nothing named "evil" may appear anywhere.</summary>
    private void AssertCorrupt(HandBuiltArchive archive, string why, CompressionKind compression = CompressionKind.Zstd, byte[]? manifestJson = null, byte[]? trailing = null)
    {
        var path = archive.Write(_temp["hostile.tar" + (compression == CompressionKind.Zstd ? ".zst" : "")], compression, manifestJson, trailing);
        var ex = Assert.Throws<BackupException>(() => Read(path));
        Assert.Equal("BackupCorrupt", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidData, ex.Kind);
        Assert.True(ex.Message.Contains(why), $"expected \"{why}\" in: {ex.Message}");
        Assert.DoesNotContain(_temp.Listing(), p => p.Contains("evil"));
        // Verification reports the same archive as failed, without throwing.
        var result = Backups.Verify(path, _temp.CreateDirectory("verify-scratch"));
        Assert.False(result.Passed);
        Backups.CheckOutcome(result, "Archive", CheckOutcome.Failed);
    }

    [Theory]
    [InlineData(CompressionKind.Zstd)]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.None)]
    public void The_hand_built_valid_archive_is_accepted(CompressionKind compression)
    {
        var archive = HandBuiltArchive.Valid();
        var path = archive.Write(_temp["valid" + Codec.FileExtension(compression)], compression);
        var contents = Read(path);
        Assert.Equal(archive.Manifest.Id, contents.Manifest.Id);
        Assert.Equal(compression, contents.Compression);
        Assert.Equal(Bytes.Sha256Hex(HandBuiltArchive.DatabaseBytes), contents.ComputedHashes["database/app.db"]);
        Assert.Equal(contents.ComputedHashes, contents.TrailerHashes);
        Assert.Equal(Bytes.Sha256HexOfFile(path), contents.FileSha256);
        Assert.Equal(new FileInfo(path).Length, contents.FileSize);
        var result = Backups.Verify(path, _temp.CreateDirectory("verify-scratch"));
        Assert.True(result.Passed, result.FailureReason);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("../../evil")]
    [InlineData("/tmp/evil")]
    [InlineData("files/r/../../../evil")]
    [InlineData("database/evil")]
    [InlineData("evil")]
    public void An_entry_the_manifest_does_not_list_is_refused(string name)
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries.Insert(2, HandBuiltArchive.File(name, "pwned"u8.ToArray()));
        AssertCorrupt(archive, "which its manifest does not list");
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("/tmp/evil")]
    [InlineData("/evil")]
    [InlineData("files/r/../../../evil")]
    [InlineData("database/../evil")]
    [InlineData("files\\..\\evil")]
    [InlineData("C:/evil")]
    [InlineData("manifest-evil.json")]
    public void A_manifest_that_lists_an_unsafe_path_is_refused_even_when_the_tar_matches(string name)
    {
        var archive = HandBuiltArchive.Valid();
        var content = "pwned"u8.ToArray();
        archive.Manifest.Entries.Add(new ManifestEntry { Path = name, Kind = EntryKind.File, Size = content.Length, Mode = "0644" });
        archive.Entries.Insert(4, HandBuiltArchive.File(name, content));
        // Off Windows a backslash is an ordinary name character, so "files\..\evil" is one name outside files/.
        var outside = name.StartsWith("manifest") || (name.Contains('\\') && !OperatingSystem.IsWindows());
        AssertCorrupt(archive, outside ? "outside the database/ and files/ folders" : "unsafe path");
    }

    [Theory]
    [InlineData("files/r/new\nline")]
    [InlineData("files/r/back\\slash")]
    [InlineData("files/r/carriage\rreturn")]
    public void An_escaped_checksum_line_is_read_back_for_a_name_with_newline_CR_or_backslash(string name)
    {
        var line = EntryNames.ChecksumLine(new string('a', 64), name);
        Assert.StartsWith("\\", line);
        Assert.Equal(1, line.Count(c => c == '\n'));
        Assert.True(EntryNames.TryParseChecksumLine(line.TrimEnd('\n'), out var sha, out var parsed));
        Assert.Equal(new string('a', 64), sha);
        Assert.Equal(name, parsed);
        Assert.False(EntryNames.TryParseChecksumLine(new string('a', 64) + "  " + name, out _, out _)); // unescaped: malformed
    }

    [Fact]
    public void A_symlink_entry_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries.Add(new ManifestEntry { Path = "files/r/evil-link", Kind = EntryKind.File, Size = 0 });
        archive.Entries.Insert(4, new PaxTarEntry(TarEntryType.SymbolicLink, "files/r/evil-link") { LinkName = "/etc/passwd" });
        AssertCorrupt(archive, "is a SymbolicLink entry");
    }

    [Fact]
    public void A_symlink_where_the_manifest_says_folder_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries.Add(new ManifestEntry { Path = "files/r/evil-dir/", Kind = EntryKind.Directory });
        archive.Entries.Insert(4, new PaxTarEntry(TarEntryType.SymbolicLink, "files/r/evil-dir/") { LinkName = "/etc" });
        AssertCorrupt(archive, "should be a folder");
    }

    [Fact]
    public void A_hardlink_entry_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries.Add(new ManifestEntry { Path = "files/r/evil-hard", Kind = EntryKind.File, Size = 0 });
        archive.Entries.Insert(4, new PaxTarEntry(TarEntryType.HardLink, "files/r/evil-hard") { LinkName = "files/r/a.txt" });
        AssertCorrupt(archive, "is a HardLink entry");
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    [InlineData(TarEntryType.Fifo)]
    public void Device_and_fifo_entries_are_refused(TarEntryType type)
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries.Add(new ManifestEntry { Path = "files/r/evil-dev", Kind = EntryKind.File, Size = 0 });
        var entry = new PaxTarEntry(type, "files/r/evil-dev");
        if (type != TarEntryType.Fifo) { entry.DeviceMajor = 1; entry.DeviceMinor = 3; }
        archive.Entries.Insert(4, entry);
        AssertCorrupt(archive, $"is a {type} entry");
    }

    [Fact]
    public void A_size_that_differs_from_the_manifest_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries.Single(e => e.Path == "files/r/a.txt").Size = HandBuiltArchive.FileBytes.Length - 1;
        AssertCorrupt(archive, $"holds {HandBuiltArchive.FileBytes.Length} bytes but the manifest says {HandBuiltArchive.FileBytes.Length - 1}");
    }

    [Fact]
    public void A_manifest_that_is_not_first_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries.RemoveAt(0);
        archive.Entries.Insert(1, null);
        AssertCorrupt(archive, "its first entry is 'database/app.db', not manifest.json");
    }

    [Fact]
    public void A_manifest_json_that_is_a_folder_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries[0] = new PaxTarEntry(TarEntryType.Directory, "manifest.json");
        AssertCorrupt(archive, "not manifest.json");
    }

    [Fact]
    public void A_missing_checksums_file_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries.RemoveAt(archive.IndexOf(Manifest.ChecksumsEntryName));
        AssertCorrupt(archive, "ends without checksums.sha256");
    }

    [Fact]
    public void An_entry_after_the_checksums_file_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        var file = archive.Entries[archive.IndexOf("files/r/a.txt")];
        archive.Entries.Remove(file);
        archive.Entries.Add(file);
        AssertCorrupt(archive, "follows checksums.sha256");
    }

    [Fact]
    public void An_entry_listed_in_the_manifest_but_absent_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries.RemoveAt(archive.IndexOf("files/r/a.txt"));
        AssertCorrupt(archive, "missing: files/r/a.txt");
    }

    [Fact]
    public void An_entry_twice_in_the_tar_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries.Insert(4, HandBuiltArchive.File("files/r/a.txt", HandBuiltArchive.FileBytes));
        AssertCorrupt(archive, "contains 'files/r/a.txt' twice");
    }

    [Fact]
    public void A_path_twice_in_the_manifest_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries.Add(new ManifestEntry { Path = "files/r/a.txt", Kind = EntryKind.File, Size = 1 });
        AssertCorrupt(archive, "lists 'files/r/a.txt' twice");
    }

    [Fact]
    public void A_malformed_checksums_line_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries[archive.IndexOf(Manifest.ChecksumsEntryName)] = HandBuiltArchive.File(Manifest.ChecksumsEntryName, "deadbeef database/app.db\n"u8.ToArray());
        AssertCorrupt(archive, "malformed line");
    }

    [Fact]
    public void A_manifest_that_is_not_json_is_refused() =>
        AssertCorrupt(HandBuiltArchive.Valid(), "damaged or not a BackupPS backup", manifestJson: "{ this is not json"u8.ToArray());

    [Fact]
    public void An_empty_archive_is_refused()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries.Clear();
        AssertCorrupt(archive, "damaged or not a BackupPS backup");                    // a zstd frame of nothing at all
        AssertCorrupt(archive, "the archive is empty", trailing: new byte[1024]);      // just the two end-of-archive blocks
    }

    [Fact]
    public void Foreign_data_after_the_end_of_the_tar_is_refused() =>
        AssertCorrupt(HandBuiltArchive.Valid(), "unexpected data after the end of the tar archive", CompressionKind.None, trailing: Bytes.Random(1024, 71));

    [Fact]
    public void Zero_padding_after_the_end_of_the_tar_is_accepted()
    {
        var path = HandBuiltArchive.Valid().Write(_temp["padded.tar"], CompressionKind.None, trailing: new byte[10240]);
        Read(path);
    }

    [Fact]
    public void A_newer_format_version_is_NewerFormat()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.FormatVersion = Manifest.CurrentFormatVersion + 1;
        var path = archive.Write(_temp["newer.tar.zst"]);
        var ex = Assert.Throws<BackupException>(() => Read(path));
        Assert.Equal("NewerFormat", ex.ErrorId);
    }

    [Fact]
    public void A_checksum_list_that_disagrees_with_the_content_fails_verification()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries[archive.IndexOf(Manifest.ChecksumsEntryName)] =
            HandBuiltArchive.Checksums(("database/app.db", HandBuiltArchive.DatabaseBytes), ("files/r/a.txt", "other content"u8.ToArray()));
        var path = archive.Write(_temp["lying.tar.zst"]);
        var result = Backups.Verify(path, _temp.CreateDirectory("verify-scratch"));
        Assert.False(result.Passed);
        Backups.CheckOutcome(result, "EntryChecksums", CheckOutcome.Failed);
        Assert.Contains("files/r/a.txt", result.FailureReason);
    }

    [Fact]
    public void A_checksum_list_without_an_entry_fails_verification()
    {
        var archive = HandBuiltArchive.Valid();
        archive.Entries[archive.IndexOf(Manifest.ChecksumsEntryName)] = HandBuiltArchive.Checksums(("database/app.db", HandBuiltArchive.DatabaseBytes));
        var path = archive.Write(_temp["incomplete.tar.zst"]);
        var result = Backups.Verify(path, _temp.CreateDirectory("verify-scratch"));
        Assert.False(result.Passed);
        Backups.CheckOutcome(result, "EntryChecksums", CheckOutcome.Failed);
        Assert.Contains("has no checksum", result.FailureReason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/etc/passwd")]
    [InlineData("//server/share")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("database/..")]
    [InlineData("database/../../x")]
    [InlineData("database/./x")]
    [InlineData("database//x")]
    [InlineData("files/a/../../b")]
    [InlineData("files/a/..")]
    [InlineData("files\\a")]
    [InlineData("database\\..\\x")]
    [InlineData("C:/x")]
    [InlineData("d:x")]
    [InlineData("files/a\0b")]
    [InlineData("manifest.json")]
    [InlineData("checksums.sha256")]
    [InlineData("database")]
    [InlineData("other/x")]
    [InlineData("Database/x")]
    public void EnsureSafeName_refuses(string name)
    {
        var ex = Assert.Throws<BackupException>(() => ArchiveReader.EnsureSafeName("archive", name));
        Assert.Equal("BackupCorrupt", ex.ErrorId);
    }

    [Theory]
    [InlineData("database/app.db")]
    [InlineData("database/")]
    [InlineData("files/r/")]
    [InlineData("files/r/a b/ü 文件.txt")]
    [InlineData("files/r/..hidden")]
    [InlineData("files/r/...")]
    [InlineData("files/r/.config/x")]
    [InlineData("files/r/a:b")]
    public void EnsureSafeName_accepts(string name) => ArchiveReader.EnsureSafeName("archive", name);
}
