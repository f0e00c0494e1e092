using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>Finds the record of a backup given by path: its sidecar if one lies beside it, else null (the archive speaks for itself).</summary>
public static class BackupLocator
{
    public static BackupRecord? FromPath(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new BackupException("BackupPathIsFolder", BackupErrorKind.InvalidArgument,
                $"'{full}' is a folder. Give a backup file, or list the folder's backups with Get-DbBackup '{full}'.", path);
        if (full.EndsWith(Sidecar.Suffix, StringComparison.OrdinalIgnoreCase) && File.Exists(full[..^Sidecar.Suffix.Length]))
            full = full[..^Sidecar.Suffix.Length];
        if (!File.Exists(full))
            throw new BackupException("BackupNotFound", BackupErrorKind.NotFound, $"The backup file '{full}' does not exist.", path);
        var sidecarPath = BackupNaming.SidecarPath(full);
        return File.Exists(sidecarPath) ? new BackupRecord(full, LocalFolderDestination.ReadSidecar(sidecarPath)) : null;
    }
}
