using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>Finds the record of a backup given by path: its sidecar if one lies beside it, else null (the archive speaks for itself).</summary>
public static class BackupLocator
{
    /// <param name="path">A backup file (or its sidecar), or a store key such as s3://bucket/prefix/&lt;backup file&gt;.</param>
    /// <param name="stores">How to reach a remote store when <paramref name="path"/> names one.</param>
    public static BackupRecord? FromPath(string path, StoreConnections? stores = null) => StoreRegistry.Locate(path, stores);

    /// <summary>
    /// The listed backup at <paramref name="path"/>, for operations that act only on listed backups (remove, copy):
    /// NotAListedBackup when no sidecar lies beside the file. <paramref name="refusal"/> says what the caller does not do
    /// with such a file and what to do instead.
    /// </summary>
    public static BackupRecord RequireListed(string path, StoreConnections? stores, string refusal) =>
        FromPath(path, stores) ?? throw new BackupException("NotAListedBackup", BackupErrorKind.NotFound,
            $"'{path}' has no sidecar, so it is not a listed BackupPS backup; {refusal}", path);
}
