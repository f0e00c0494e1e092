namespace BackupPS.Engine.Operations;

/// <summary>A private (0700) temporary folder, removed with everything in it on dispose.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder(string parent, string purpose)
    {
        Path = System.IO.Path.Combine(parent, $".backupps-{purpose}-{Guid.NewGuid():N}");
        FileSystemSecurity.CreatePrivateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
