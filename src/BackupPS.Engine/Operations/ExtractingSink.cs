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

    /// <summary>Keeps this much free beyond what the archive declares, so extracting never fills a disk to the last byte.</summary>
    private const long Headroom = 64L << 20;

    public void Prepare(Manifest manifest)
    {
        var needed = manifest.Entries.Where(e => e.Kind == EntryKind.Database || (e.Kind == EntryKind.File && filesStagingRoot is not null)).Sum(e => e.Size);
        var folder = System.IO.Path.GetDirectoryName(databasePath)!;
        long free;
        try { free = new DriveInfo(folder).AvailableFreeSpace; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) { return; } // unknown: the write itself reports a full disk
        if (needed + Headroom > free)
            throw new BackupException("InsufficientSpace", BackupErrorKind.ResourceUnavailable,
                $"The backup declares {needed} bytes to extract, but '{folder}' has {free} bytes free. Nothing was written. Free space there, or restore to another disk; a backup declaring far more than its size suggests is a decompression bomb.", folder);
    }

    /// <summary>Where the entries of a PostgreSQL directory-format dump (database/&lt;db&gt;.pgdir/*) are written.</summary>
    public string DumpDirectory => databasePath + ".d";

    /// <summary>Where a PostgreSQL backup's database/globals.sql is written.</summary>
    public string GlobalsPath => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(databasePath)!, "globals.sql");

    /// <summary>True once an entry of a directory-format dump was written.</summary>
    public bool WroteDumpDirectory { get; private set; }

    public bool WroteGlobals { get; private set; }

    /// <summary>The database file, or the dump directory for a directory-format PostgreSQL dump.</summary>
    public string DumpPath => WroteDumpDirectory ? DumpDirectory : databasePath;

    public Stream? OpenEntry(ManifestEntry entry)
    {
        if (entry.Kind == EntryKind.Database)
        {
            if (entry.Path == PostgresBackupOperation.GlobalsEntry)
            {
                WroteGlobals = true;
                return FileSystemSecurity.CreatePrivateFile(GlobalsPath, 1 << 16);
            }
            var inDir = entry.Path.IndexOf(PostgresBackupOperation.DirectoryExtension + "/", StringComparison.Ordinal);
            if (inDir > 0)
            {
                if (!WroteDumpDirectory) FileSystemSecurity.CreatePrivateDirectory(DumpDirectory);
                WroteDumpDirectory = true;
                var name = entry.Path[(inDir + PostgresBackupOperation.DirectoryExtension.Length + 1)..];
                if (name.Contains('/')) throw ArchiveReader.Corrupt(entry.Path, "a dump directory entry has a sub-folder.");
                return FileSystemSecurity.CreatePrivateFile(System.IO.Path.Combine(DumpDirectory, name), 1 << 20);
            }
            return FileSystemSecurity.CreatePrivateFile(databasePath, 1 << 20);
        }
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
