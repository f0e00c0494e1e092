using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>Opens a backup's bytes: through its record's destination when it has one (S3: ranged GETs), else the local file.</summary>
internal static class BackupFiles
{
    public static Stream OpenRead(string path, BackupRecord? record, int bufferSize = 1 << 20) =>
        record is not null && record.Path == path ? record.Destination.OpenRead(record) : LocalFolderDestination.OpenFile(path, bufferSize);
}
