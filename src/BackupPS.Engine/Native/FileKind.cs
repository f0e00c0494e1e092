using System.Runtime.InteropServices;

namespace BackupPS.Engine.Native;

/// <summary>
/// What a path is (regular file, folder, link or something special), without following links or opening it —
/// .NET reports FIFOs, sockets and devices as ordinary files, and opening a FIFO blocks forever.
/// </summary>
internal static unsafe partial class FileKind
{
    public enum Kind { Missing, Regular, Directory, Link, Special }

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxType = 0x1;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Lstat(string path, byte* buffer);

    public static Kind Of(string path)
    {
        if (OperatingSystem.IsWindows()) return Fallback(path);
        var buffer = stackalloc byte[512];
        try
        {
            int mode;
            if (OperatingSystem.IsLinux())
            {
                if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0) return Fallback(path);
                mode = *(ushort*)(buffer + 28); // struct statx.stx_mode: same offset on every Linux architecture
            }
            else if (OperatingSystem.IsMacOS())
            {
                if (Lstat(path, buffer) != 0) return Fallback(path);
                mode = *(ushort*)(buffer + 4);  // struct stat (64-bit inodes).st_mode
            }
            else return Fallback(path);
            return (mode & 0xF000) switch
            {
                0x8000 => Kind.Regular,
                0x4000 => Kind.Directory,
                0xA000 => Kind.Link,
                _ => Kind.Special,
            };
        }
        catch (EntryPointNotFoundException) { return Fallback(path); }
        catch (DllNotFoundException) { return Fallback(path); }
    }

    private static Kind Fallback(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return Kind.Link;
        if (Directory.Exists(path)) return Kind.Directory;
        return info.Exists ? Kind.Regular : Kind.Missing;
    }
}
