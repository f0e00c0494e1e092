using System.Runtime.InteropServices;

namespace BackupPS.Engine.Native;

/// <summary>
/// Open-file-description byte-range locks (Linux F_OFD_SETLK). They conflict with the POSIX record locks SQLite's unix
/// VFS takes, in other processes and in this one alike, and closing some other descriptor of the file does not drop
/// them (as it would a process-owned POSIX lock).
/// </summary>
internal static partial class PosixLocks
{
    private const int OfdSetLock = 37; // F_OFD_SETLK
    private const short WriteLock = 1, Unlock = 2; // F_WRLCK, F_UNLCK

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
        public int Padding;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, ref Flock flock);

    /// <summary>Whether exclusive byte-range locks can be taken here (64-bit Linux); elsewhere callers must assume others may hold the file.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>Takes an exclusive lock on [start, start+length) without waiting; false when someone else holds any of it.</summary>
    public static bool TryLockExclusive(FileStream file, long start, long length) => Set(file, WriteLock, start, length);

    public static void Release(FileStream file, long start, long length) => Set(file, Unlock, start, length);

    private static bool Set(FileStream file, short type, long start, long length)
    {
        if (!Supported) return false;
        var flock = new Flock { Type = type, Whence = 0, Start = start, Length = length };
        try
        {
            return Fcntl((int)file.SafeFileHandle.DangerousGetHandle(), OfdSetLock, ref flock) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }
}
