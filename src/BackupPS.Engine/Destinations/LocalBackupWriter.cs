using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Native;

namespace BackupPS.Engine.Destinations;

/// <summary>A backup file written into a local folder: &lt;name&gt;.partial (0600), fsync, rename, fsync of the folder, sidecar last.</summary>
internal sealed class LocalBackupWriter : IBackupWriter
{
    private readonly LocalFolderDestination _destination;
    private readonly string _partialPath;
    private FileStream? _file;
    private bool _completed;
    private bool _moved; // the file at Path is ours only once our rename put it there

    public LocalBackupWriter(LocalFolderDestination destination, string finalPath)
    {
        _destination = destination;
        Path = finalPath;
        _partialPath = finalPath + BackupNaming.PartialSuffix;
        // zstd hands out many small blocks: a 1 MiB buffer turns ~30k small writes per GiB into a few hundred.
        _file = FileSystemSecurity.CreatePrivateFile(_partialPath, bufferSize: 1 << 20);
    }

    public string Path { get; }

    public Stream Stream => _file ?? throw new ObjectDisposedException(nameof(LocalBackupWriter));

    public BackupRecord Complete(Sidecar sidecar)
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(LocalBackupWriter));
        file.Flush(flushToDisk: true);
        file.Dispose();
        _file = null;
        File.Move(_partialPath, Path);
        _moved = true;
        PosixFs.SyncDirectory(_destination.Root);
        var record = new BackupRecord(Path, sidecar, _destination);
        _destination.WriteSidecar(record, sidecar);
        _completed = true;
        return record;
    }

    public void Dispose()
    {
        // Aborting: bytes still buffered may not fit (disk full) — they are discarded with the file anyway.
        try { _file?.Dispose(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        _file = null;
        if (_completed) return;
        FileSystemSecurity.DeleteQuietly(_partialPath);
        // Only a file this writer renamed into place: a file of the same name that another run wrote stays.
        if (_moved && !File.Exists(BackupNaming.SidecarPath(Path))) FileSystemSecurity.DeleteQuietly(Path);
    }
}
