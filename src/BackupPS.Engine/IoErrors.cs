namespace BackupPS.Engine;

/// <summary>Turns operating-system I/O failures into specific, actionable <see cref="BackupException"/>s.</summary>
internal static class IoErrors
{
    // ENOSPC / EDQUOT on Unix; ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.
    public static bool IsDiskFull(Exception ex) =>
        ex is IOException io && ((io.HResult & 0xFFFF) is 28 or 122 or 112 or 39
            || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || io.Message.Contains("quota", StringComparison.OrdinalIgnoreCase));

    public static BackupException DiskFull(string path, Exception inner) => new(
        "DiskFull", BackupErrorKind.ResourceUnavailable,
        $"The disk holding '{path}' is full. Nothing was kept of the unfinished write; free space there (or choose another location) and try again.",
        path, inner);

    /// <summary>Maps an exception thrown while writing to <paramref name="path"/>; returns null if it is not an I/O failure.</summary>
    public static BackupException? FromWrite(Exception ex, string path) => ex switch
    {
        BackupException => null,
        _ when IsDiskFull(ex) => DiskFull(path, ex),
        UnauthorizedAccessException => new BackupException("DestinationNotWritable", BackupErrorKind.PermissionDenied,
            $"Cannot write to '{path}': permission denied. Choose a folder you can write to or fix its permissions.", path, ex),
        IOException => new BackupException("WriteFailed", BackupErrorKind.WriteError,
            $"Writing '{path}' failed: {ex.Message}", path, ex),
        _ => null,
    };
}
