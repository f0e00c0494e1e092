namespace BackupPS.Engine;

/// <summary>Backups hold whole databases: files are created 0600 and folders 0700 on Unix.</summary>
internal static class FileSystemSecurity
{
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static FileStream CreatePrivateFile(string path, int bufferSize = 1 << 16)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = bufferSize,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        return new FileStream(path, options);
    }

    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, PrivateDirectory);
    }

    public static int ModeOf(string path, bool isDirectory)
    {
        if (OperatingSystem.IsWindows()) return isDirectory ? 0x1ED : 0x1A4; // 0755 / 0644
        return (int)File.GetUnixFileMode(path);
    }

    public static void SetMode(string path, int mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)(mode & 0xFFF)); // with setuid, setgid and sticky: restored as backed up
    }

    public static void DeleteQuietly(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Deletes a SQLite database file and the journal, WAL and shared-memory files beside it.</summary>
    public static void DeleteDatabaseFiles(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) DeleteQuietly(path + suffix);
    }
}
