using System.Runtime.InteropServices;

namespace BackupPS.Engine.Native;

/// <summary>Durability helpers the BCL lacks: fsync of a directory so a rename survives a power cut.</summary>
internal static partial class PosixFs
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux; macOS ignores the flag safely

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Flushes a directory's entries (renames, creations) to disk; best effort, a no-op on Windows.</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            var fd = Open(directory, OperatingSystem.IsLinux() ? ReadOnlyDirectory : 0);
            if (fd < 0) return;
            Fsync(fd);
            Close(fd);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
