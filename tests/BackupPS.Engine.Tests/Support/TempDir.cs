namespace BackupPS.Engine.Tests.Support;

/// <summary>A fresh folder under the system temp folder, deleted with its contents on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "backupps-xunit-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="parts"/> inside this folder (nothing is created).</summary>
    public string this[params string[] parts] => System.IO.Path.Combine([Path, .. parts]);

    public string CreateDirectory(params string[] parts)
    {
        var path = this[parts];
        Directory.CreateDirectory(path);
        return path;
    }

    public string WriteFile(string relative, string content) => WriteFile(relative, System.Text.Encoding.UTF8.GetBytes(content));

    public string WriteFile(string relative, byte[] content)
    {
        var path = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>
    /// Every file and folder below this one, as '/'-separated relative paths, sorted. The audit log (audit.jsonl),
    /// which every operation appends to by design, is left out; AuditLogTests check it.
    /// </summary>
    public IReadOnlyList<string> Listing(string? under = null)
    {
        var root = under ?? Path;
        return Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(p => System.IO.Path.GetFileName(p) != Audit.LocalAuditStore.FileName)
            .Select(p => System.IO.Path.GetRelativePath(root, p).Replace(System.IO.Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
