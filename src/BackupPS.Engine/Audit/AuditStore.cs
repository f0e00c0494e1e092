using System.Text;

namespace BackupPS.Engine.Audit;

/// <summary>
/// The only place that touches audit.jsonl: append one line, read all lines, for a local folder. (The coming
/// IBackupDestination offers AppendAuditLine/ReadAuditLines; this class is what a local destination does for them.)
/// </summary>
/// <remarks>
/// Appends are whole lines in a single write under an exclusive lock of the file (FileShare.None, which .NET maps to
/// flock on Unix and to a share lock on Windows; a busy file is retried for up to 10 s), so concurrent writers, in this
/// process or others, never interleave. .NET's FileMode.Append does not open with O_APPEND on Unix, hence the lock.
/// A line torn by a crash (no final newline) is closed with a newline before the next line, so only it is lost.
/// </remarks>
public sealed class LocalAuditStore(string folder)
{
    public const string FileName = "audit.jsonl";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    // Threads of this process queue here instead of polling the file lock (which is for other processes).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> ProcessLocks = new(StringComparer.Ordinal);

    public string Folder { get; } = System.IO.Path.GetFullPath(folder);
    public string FilePath => System.IO.Path.Combine(Folder, FileName);
    public bool FolderExists => Directory.Exists(Folder);

    public void AppendAuditLine(string jsonLine)
    {
        if (jsonLine.Contains('\n') || jsonLine.Contains('\r')) throw new ArgumentException("An audit line cannot contain a line break.", nameof(jsonLine));
        var bytes = Encoding.UTF8.GetBytes(jsonLine + "\n");
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileSystemSecurity.PrivateFile;
        lock (ProcessLocks.GetOrAdd(FilePath, _ => new object())) Append(bytes, options);
    }

    private void Append(byte[] bytes, FileStreamOptions options)
    {
        using var stream = WithRetry(() => new FileStream(FilePath, options));
        var length = stream.Length;
        if (length > 0)
        {
            stream.Position = length - 1;
            if (stream.ReadByte() != '\n') bytes = [(byte)'\n', .. bytes]; // a torn last line stays alone
        }
        stream.Position = length;
        stream.Write(bytes);
        stream.Flush();
    }

    /// <summary>Every line of the log (none when it does not exist yet).</summary>
    public IReadOnlyList<string> ReadAuditLines()
    {
        if (!File.Exists(FilePath)) return [];
        byte[] content;
        lock (ProcessLocks.GetOrAdd(FilePath, _ => new object()))
        using (var stream = WithRetry(() => new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            content = copy.ToArray();
        }
        var text = Encoding.UTF8.GetString(content);
        var lines = text.Split('\n');
        // The text after the last newline is a torn line only if non-empty; a complete log ends with "\n".
        return lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    private static FileStream WithRetry(Func<FileStream> open)
    {
        var deadline = DateTime.UtcNow + LockWait;
        var delay = 5;
        while (true)
        {
            try
            {
                return open();
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException && !IoErrors.IsDiskFull(ex) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(delay, delay * 2));
                delay = Math.Min(delay * 2, 50);
            }
        }
    }
}
