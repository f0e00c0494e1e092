using BackupPS.Engine.Format;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Writes the database entry to a file in a scratch folder and, when asked, the files/ entries into a staging folder
/// with their modes and times; otherwise only hashes them.
/// </summary>
internal sealed class ExtractingSink(string databasePath, string? filesStagingRoot) : Format.IArchiveSink
{
    private readonly List<(string Path, DateTimeOffset Modified)> _directoryTimes = [];

    public string DatabasePath => databasePath;

    public Stream? OpenEntry(ManifestEntry entry)
    {
        if (entry.Kind == EntryKind.Database) return FileSystemSecurity.CreatePrivateFile(databasePath, 1 << 20);
        if (filesStagingRoot is null) return null;
        var path = StagedPath(entry);
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        return FileSystemSecurity.CreatePrivateFile(path, 1 << 16);
    }

    public void CloseEntry(ManifestEntry entry, Stream stream)
    {
        stream.Dispose();
        if (entry.Kind != EntryKind.File || filesStagingRoot is null) return;
        var path = StagedPath(entry);
        FileSystemSecurity.SetMode(path, Convert.ToInt32(entry.Mode, 8));
        File.SetLastWriteTimeUtc(path, entry.ModifiedUtc.UtcDateTime);
    }

    public void Directory(ManifestEntry entry)
    {
        if (filesStagingRoot is null) return;
        var path = StagedPath(entry);
        FileSystemSecurity.CreatePrivateDirectory(path);
        FileSystemSecurity.SetMode(path, Convert.ToInt32(entry.Mode, 8) | 0x1C0); // keep u+rwx while restoring into it
        _directoryTimes.Add((path, entry.ModifiedUtc));
    }

    /// <summary>Folder times are set last: writing files into a folder changes its time.</summary>
    public void FinishDirectories()
    {
        foreach (var (path, modified) in _directoryTimes) System.IO.Directory.SetLastWriteTimeUtc(path, modified.UtcDateTime);
    }

    public string StagedPath(ManifestEntry entry) =>
        System.IO.Path.Combine(filesStagingRoot!, entry.Path.TrimEnd('/').Replace('/', System.IO.Path.DirectorySeparatorChar));
}
