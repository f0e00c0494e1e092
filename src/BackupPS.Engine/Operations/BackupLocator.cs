using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>Finds the record of a backup given by path: its sidecar if one lies beside it, else null (the archive speaks for itself).</summary>
public static class BackupLocator
{
    /// <param name="path">A backup file (or its sidecar), or an s3://bucket/prefix/&lt;backup file&gt; key.</param>
    /// <param name="s3">How to reach S3 when <paramref name="path"/> is an s3:// key.</param>
    public static BackupRecord? FromPath(string path, S3Settings? s3 = null)
    {
        if (Destination.IsS3(path))
        {
            var (destination, fileName) = Destination.OpenFile(path, s3);
            return ((S3Destination)destination).Locate(fileName);
        }
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

    /// <summary>
    /// The listed backup at <paramref name="path"/>, for operations that act only on listed backups (remove, copy):
    /// NotAListedBackup when no sidecar lies beside the file. <paramref name="refusal"/> says what the caller does not do
    /// with such a file and what to do instead.
    /// </summary>
    public static BackupRecord RequireListed(string path, S3Settings? s3, string refusal) =>
        FromPath(path, s3) ?? throw new BackupException("NotAListedBackup", BackupErrorKind.NotFound,
            $"'{path}' has no sidecar, so it is not a listed BackupPS backup; {refusal}", path);
}
