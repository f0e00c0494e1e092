using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

public sealed class StaleTemporaryFilesTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Make(string name, TimeSpan age, bool folder = false)
    {
        var path = _temp[name];
        if (folder) Directory.CreateDirectory(path); else File.WriteAllText(path, "x");
        var time = DateTime.UtcNow - age;
        if (folder) Directory.SetLastWriteTimeUtc(path, time); else File.SetLastWriteTimeUtc(path, time);
        return path;
    }

    [Fact]
    public void Removes_old_leftovers_of_BackupPS_and_keeps_recent_ones_and_other_files()
    {
        var oldArchive = Make("app_20260101T000000Z_abcdef12.tar.zst.partial", TimeSpan.FromDays(2));
        var oldSidecar = Make("app_20260101T000000Z_abcdef12.tar.zst.json.partial", TimeSpan.FromDays(2));
        var oldSnapshot = Make(".app_20260101T000000Z_abcdef12.tar.zst.snapshot.partial", TimeSpan.FromDays(2));
        var oldScratch = Make(".backupps-restore-0123", TimeSpan.FromDays(2), folder: true);
        var oldProbe = Make(".backupps-probe-00c0ffee", TimeSpan.FromDays(2));
        var liveArchive = Make("app_20260102T000000Z_12345678.tar.zst.partial", TimeSpan.FromMinutes(1));
        var liveScratch = Make(".backupps-restore-4567", TimeSpan.FromMinutes(1), folder: true);
        var usersDownload = Make("movie.mkv.partial", TimeSpan.FromDays(30));
        var backup = Make("app_20260101T000000Z_abcdef12.tar.zst", TimeSpan.FromDays(2));

        StaleTemporaryFiles.Clean(_temp.Path, OperationContext.None);

        Assert.False(File.Exists(oldArchive));
        Assert.False(File.Exists(oldSidecar));
        Assert.False(File.Exists(oldSnapshot));
        Assert.False(Directory.Exists(oldScratch));
        Assert.False(File.Exists(oldProbe));
        Assert.True(File.Exists(liveArchive));
        Assert.True(Directory.Exists(liveScratch));
        Assert.True(File.Exists(usersDownload));
        Assert.True(File.Exists(backup));
    }

    [Fact]
    public void The_temp_folder_loses_only_day_old_scratch_folders_of_BackupPS()
    {
        var temp = Path.GetTempPath();
        var old = Path.Combine(temp, $".backupps-snapshot-test-{Guid.NewGuid():N}");
        var recent = Path.Combine(temp, $".backupps-snapshot-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(old);
        Directory.CreateDirectory(recent);
        try
        {
            Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow - TimeSpan.FromDays(2));
            Directory.SetLastWriteTimeUtc(recent, DateTime.UtcNow - TimeSpan.FromHours(12));

            StaleTemporaryFiles.CleanTempFolder(OperationContext.None);

            Assert.False(Directory.Exists(old));
            Assert.True(Directory.Exists(recent));
        }
        finally
        {
            if (Directory.Exists(old)) Directory.Delete(old, true);
            if (Directory.Exists(recent)) Directory.Delete(recent, true);
        }
    }
}
