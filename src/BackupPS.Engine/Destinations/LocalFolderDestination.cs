using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Native;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// A folder of backups: each backup file with its sidecar beside it. A backup is listed only when its sidecar is,
/// and the sidecar is written last (temp name, fsync, rename), so an interrupted backup is never listed.
/// </summary>
public sealed class LocalFolderDestination : IBackupDestination
{
    public LocalFolderDestination(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new BackupException("DestinationMissing", BackupErrorKind.InvalidArgument, "The destination is empty. Give the folder that holds (or will hold) the backups.", path);
        Root = System.IO.Path.GetFullPath(path);
    }

    public string Root { get; }

    public string Location => Root;

    public string? LocalFolder => Root;

    public bool Exists => Directory.Exists(Root);

    public (long Free, long Total)? Space
    {
        get
        {
            try
            {
                var drive = new DriveInfo(Root); // statvfs of the file system holding the folder
                return (drive.AvailableFreeSpace, drive.TotalSize);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
        }
    }

    /// <summary>Creates the folder (0700) if needed and proves it is writable, before anything is written.</summary>
    public void EnsureWritable()
    {
        if (File.Exists(Root))
            throw new BackupException("DestinationIsFile", BackupErrorKind.InvalidArgument,
                $"The destination '{Root}' is a file, not a folder. Give a folder for the backups.", Root);
        var probe = System.IO.Path.Combine(Root, $"{BackupNaming.WriteProbePrefix}{Guid.NewGuid():N}");
        try
        {
            FileSystemSecurity.CreatePrivateDirectory(Root);
            using (FileSystemSecurity.CreatePrivateFile(probe)) { }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw IoErrors.IsDiskFull(ex) ? IoErrors.DiskFull(Root, ex) : new BackupException("DestinationNotWritable", BackupErrorKind.PermissionDenied,
                $"Cannot write to the destination '{Root}': {ex.Message} Choose a folder you can write to, or fix its permissions.", Root, ex);
        }
        finally
        {
            FileSystemSecurity.DeleteQuietly(probe);
        }
    }

    public string PathOf(string fileName) => System.IO.Path.Combine(Root, fileName);

    /// <summary>Every listed backup (a sidecar whose backup file exists); unreadable sidecars are reported to <paramref name="onProblem"/>.</summary>
    public List<BackupRecord> List(Action<BackupException>? onProblem = null)
    {
        if (!Exists)
            throw new BackupException("DestinationNotFound", BackupErrorKind.NotFound,
                $"The destination folder '{Root}' does not exist. Check the path, or make a backup there first with New-DbBackup.", Root);
        var records = new List<BackupRecord>();
        foreach (var sidecarPath in Directory.EnumerateFiles(Root, "*.tar*" + Sidecar.Suffix))
        {
            var backupPath = sidecarPath[..^Sidecar.Suffix.Length];
            if (!File.Exists(backupPath)) continue; // removal deletes the sidecar first; a lone sidecar is a removal cut short
            try
            {
                records.Add(new BackupRecord(backupPath, ReadSidecar(sidecarPath), this));
            }
            catch (BackupException ex)
            {
                onProblem?.Invoke(ex);
            }
        }
        return records;
    }

    public BackupRecord? Find(string fileName)
    {
        var path = PathOf(fileName);
        var sidecarPath = BackupNaming.SidecarPath(path);
        return File.Exists(path) && File.Exists(sidecarPath) ? new BackupRecord(path, ReadSidecar(sidecarPath), this) : null;
    }

    public static Sidecar ReadSidecar(string sidecarPath)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(sidecarPath); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SidecarFile.Unreadable(sidecarPath, ex);
        }
        return SidecarFile.Parse(bytes, sidecarPath);
    }

    public void WriteSidecar(BackupRecord record, Sidecar sidecar) => WriteSidecar(record.Path, sidecar);

    /// <summary>Writes a sidecar atomically: temp name, fsync, rename, fsync of the folder.</summary>
    public static void WriteSidecar(string backupPath, Sidecar sidecar)
    {
        var sidecarPath = BackupNaming.SidecarPath(backupPath);
        var temp = sidecarPath + BackupNaming.PartialSuffix;
        try
        {
            FileSystemSecurity.DeleteQuietly(temp);
            using (var stream = FileSystemSecurity.CreatePrivateFile(temp))
            {
                stream.Write(FormatJson.Serialize(sidecar));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, sidecarPath, overwrite: true);
            PosixFs.SyncDirectory(System.IO.Path.GetDirectoryName(sidecarPath)!);
        }
        catch (Exception ex) when (IoErrors.FromWrite(ex, sidecarPath) is { } error)
        {
            FileSystemSecurity.DeleteQuietly(temp);
            throw error;
        }
    }

    /// <summary>Removes a backup: sidecar first (so it is no longer listed), then the backup file.</summary>
    public void Delete(BackupRecord record)
    {
        try
        {
            File.Delete(record.SidecarPath);
            File.Delete(record.Path);
            PosixFs.SyncDirectory(System.IO.Path.GetDirectoryName(record.Path)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException("RemoveFailed", BackupErrorKind.PermissionDenied,
                $"Could not remove '{record.Path}': {ex.Message}", record.Path, ex);
        }
    }

    public Stream OpenRead(BackupRecord record) => OpenFile(record.Path);

    /// <summary>Opens a backup file for reading, with the errors users see for a missing or unreadable one.</summary>
    public static FileStream OpenFile(string path, int bufferSize = 1 << 20)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BackupException("BackupNotFound", BackupErrorKind.NotFound, $"The backup file '{path}' does not exist.", path, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackupException("BackupNotReadable", BackupErrorKind.PermissionDenied, $"Cannot read the backup file '{path}': permission denied.", path, ex);
        }
    }

    public IBackupWriter CreateBackup(string fileName, OperationContext context)
    {
        StoreGuards.RefuseExisting(this, fileName);
        return new LocalBackupWriter(this, PathOf(fileName));
    }

    public void CleanStale(OperationContext context) => Operations.StaleTemporaryFiles.Clean(Root, context);


    /// <summary>Appends one line to &lt;folder&gt;/audit.jsonl (whole line, under a file lock: see <see cref="Audit.LocalAuditStore"/>).</summary>
    public void AppendAuditLine(string jsonLine) => new Audit.LocalAuditStore(Root).AppendAuditLine(jsonLine.TrimEnd('\n', '\r'));

    public IEnumerable<string> ReadAuditLines() => new Audit.LocalAuditStore(Root).ReadAuditLines();
}
