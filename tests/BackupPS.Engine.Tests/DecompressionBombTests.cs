using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>
/// A small archive that declares (and would decompress to) more than the disk holds is refused before anything is
/// written: the reader never writes more than the manifest declares, and the declaration must fit.
/// </summary>
public sealed class DecompressionBombTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Bomb(long declaredDatabaseSize)
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.Entries[0].Size = declaredDatabaseSize;
        return archive.Write(_temp["bomb.tar.zst"]);
    }

    [Fact]
    public void A_declared_size_beyond_the_free_space_is_refused_before_extracting()
    {
        var free = new DriveInfo(Path.GetTempPath()).AvailableFreeSpace;
        var path = Bomb(free + (1L << 30));
        var scratch = _temp.CreateDirectory("scratch");

        var ex = Assert.Throws<BackupException>(() => Backups.Verify(path, scratch: scratch));

        Assert.Equal("InsufficientSpace", ex.ErrorId);
        Assert.Equal(BackupErrorKind.ResourceUnavailable, ex.Kind);
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch)); // the scratch folder is gone again, nothing in it was written
    }

    [Fact]
    public void Restore_of_such_a_backup_leaves_the_target_untouched()
    {
        var free = new DriveInfo(_temp.Path).AvailableFreeSpace;
        var path = Bomb(free + (1L << 30));
        var target = Db.Create(_temp["target.db"]);
        var before = File.ReadAllBytes(target);

        var ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Path = path, Target = target, FilesTarget = _temp["files"] }));

        Assert.Equal("InsufficientSpace", ex.ErrorId);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.False(Directory.Exists(_temp["files"]));
        Assert.Empty(Directory.EnumerateDirectories(_temp.Path, ".backupps-*"));
    }

    [Fact]
    public void An_implausible_declared_size_is_damage()
    {
        var path = Bomb(1L << 55);
        var result = Backups.Verify(path);
        Assert.False(result.Passed);
        Assert.Contains("implausible size", result.FailureReason);
    }
}
