using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>Plain paths: a folder on the local file system.</summary>
internal sealed class LocalStoreKind : IStoreKind
{
    public string? Scheme => null;

    public IBackupDestination Open(string location, StoreConnections connections) => new LocalFolderDestination(location);

    public BackupRecord? Locate(string path, StoreConnections connections)
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
