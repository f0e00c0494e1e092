using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Native;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// A folder of backups: each backup file with its sidecar beside it. A backup is listed only when its sidecar is,
/// and the sidecar is written last (temp name, fsync, rename), so an interrupted backup is never listed.
/// </summary>
public sealed class LocalFolderDestination
{
    public LocalFolderDestination(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new BackupException("DestinationMissing", BackupErrorKind.InvalidArgument, "The destination is empty. Give the folder that holds (or will hold) the backups.", path);
        Root = System.IO.Path.GetFullPath(path);
    }

    public string Root { get; }

    public bool Exists => Directory.Exists(Root);

    /// <summary>Creates the folder (0700) if needed and proves it is writable, before anything is written.</summary>
    public void EnsureWritable()
    {
        if (File.Exists(Root))
            throw new BackupException("DestinationIsFile", BackupErrorKind.InvalidArgument,
                $"The destination '{Root}' is a file, not a folder. Give a folder for the backups.", Root);
        var probe = System.IO.Path.Combine(Root, $".backupps-probe-{Guid.NewGuid():N}");
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
                records.Add(new BackupRecord(backupPath, ReadSidecar(sidecarPath)));
            }
            catch (BackupException ex)
            {
                onProblem?.Invoke(ex);
            }
        }
        return records;
    }

    public static Sidecar ReadSidecar(string sidecarPath)
    {
        try
        {
            var sidecar = FormatJson.Deserialize<Sidecar>(File.ReadAllBytes(sidecarPath));
            if (sidecar.SidecarVersion > Sidecar.CurrentSidecarVersion || sidecar.Manifest.FormatVersion > Manifest.CurrentFormatVersion)
                throw new BackupException("NewerFormat", BackupErrorKind.InvalidData,
                    $"'{sidecarPath}' was written by a newer BackupPS (format {sidecar.Manifest.FormatVersion}). Update the BackupPS module to read it.", sidecarPath);
            return sidecar;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new BackupException("SidecarUnreadable", BackupErrorKind.InvalidData,
                $"The sidecar '{sidecarPath}' cannot be read ({ex.Message}). The backup beside it is not listed; check it with Test-DbBackup -Path.", sidecarPath, ex);
        }
    }

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
    public static void Delete(BackupRecord record)
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
}
