using BackupPS.Engine.Format;
using BackupPS.Engine.Native;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>The files and folders named by -IncludePath, expanded into archive entries under files/&lt;root&gt;/.</summary>
internal sealed class IncludedFiles
{
    public sealed record Item(ManifestEntry Entry, string SourcePath);

    private string? _excluded;
    private HashSet<string> _database = [];

    /// <summary>SQLite's own files beside a database: raw copies of them are torn while it is in use.</summary>
    public static readonly string[] DatabaseCompanions = ["-wal", "-shm", "-journal"];

    public List<FileRoot> Roots { get; } = [];
    public List<Item> Items { get; } = [];
    /// <summary>Links, FIFOs, sockets and devices found inside included folders: not backed up.</summary>
    public List<string> Skipped { get; } = [];
    /// <summary>Other SQLite databases found inside included folders: archived as raw files, which may be torn if one is in use.</summary>
    public List<string> LiveDatabases { get; } = [];

    /// <summary>Expands <paramref name="paths"/>; anything under <paramref name="excluded"/> (the destination) is left out, or a backup would contain itself.
    /// The backed-up <paramref name="database"/> and its companions are left out too: its snapshot is its only copy in the backup.</summary>
    public static IncludedFiles Resolve(IReadOnlyList<string> paths, string? excluded = null, string? database = null)
    {
        var result = new IncludedFiles { _excluded = excluded is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(excluded)) };
        if (database is not null)
        {
            var full = Path.GetFullPath(database);
            result._database = [full, .. DatabaseCompanions.Select(c => full + c)];
        }
        var rootNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var given in paths)
        {
            var full = Path.GetFullPath(given);
            var kind = FileKind.Of(full);
            var isDirectory = kind == FileKind.Kind.Directory || (kind == FileKind.Kind.Link && Directory.Exists(full));
            if (kind == FileKind.Kind.Missing)
                throw new BackupException("IncludePathNotFound", BackupErrorKind.NotFound,
                    $"-IncludePath '{given}' does not exist ('{full}'). Fix or remove it; nothing was written.", given);
            if (kind == FileKind.Kind.Special)
                throw new BackupException("IncludePathNotRegular", BackupErrorKind.InvalidArgument,
                    $"-IncludePath '{given}' is a FIFO, socket or device, not a file or folder. Remove it; nothing was written.", given);
            if (!isDirectory && result._database.Contains(full)) continue; // the database itself: in the backup as its snapshot
            var baseName = BackupNaming.SafeName(Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)));
            var name = baseName;
            for (var n = 2; !rootNames.Add(name); n++) name = $"{baseName}-{n}";
            result.Roots.Add(new FileRoot { Name = name, OriginalPath = full, IsDirectory = isDirectory });
            var prefix = Manifest.FilesFolder + name;
            if (isDirectory) result.AddDirectory(full, prefix);
            else result.AddFile(full, prefix);
        }
        return result;
    }

    private void AddDirectory(string directory, string entryName)
    {
        Items.Add(new Item(new ManifestEntry
        {
            Path = entryName + "/",
            Kind = EntryKind.Directory,
            Mode = Octal(FileSystemSecurity.ModeOf(directory, isDirectory: true)),
            ModifiedUtc = Directory.GetLastWriteTimeUtc(directory),
        }, directory));
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var child in Directory.EnumerateFileSystemEntries(directory, "*", options).Order(StringComparer.Ordinal))
        {
            var childName = entryName + "/" + Path.GetFileName(child);
            // A restore's scratch folder (.backupps-restore-…) can sit inside an included folder while the pre-restore
            // safety backup walks it; its files come and go, and are never the user's data.
            if (Path.GetFileName(child).StartsWith(".backupps-restore-", StringComparison.Ordinal)) continue;
            RefuseUnsupportedName(child);
            if (_excluded is not null && (child == _excluded || child.StartsWith(_excluded + Path.DirectorySeparatorChar, StringComparison.Ordinal))) continue;
            switch (FileKind.Of(child))
            {
                case FileKind.Kind.Directory: AddDirectory(child, childName); break;
                case FileKind.Kind.Regular when _database.Contains(child): break;
                case FileKind.Kind.Regular: AddFile(child, childName); break;
                default: Skipped.Add(child); break; // links may point anywhere and FIFOs block: neither is followed
            }
        }
    }

    private void AddFile(string file, string entryName)
    {
        var info = new FileInfo(file);
        if (SqliteDatabase.HasHeader(file)) LiveDatabases.Add(file);
        Items.Add(new Item(new ManifestEntry
        {
            Path = entryName,
            Kind = EntryKind.File,
            Size = info.Length,
            Mode = Octal(FileSystemSecurity.ModeOf(file, isDirectory: false)),
            ModifiedUtc = info.LastWriteTimeUtc,
        }, file));
    }

    /// <summary>A name that is not valid UTF-8 fails the backup before anything is written, naming the file: it reaches
    /// .NET with its bad bytes replaced by U+FFFD, so the file could not even be opened again, and an archive entry
    /// (pax/GNU names, manifest JSON) could not carry its bytes. Refusing the whole backup, rather than leaving the file
    /// out, means no backup silently lacks it. Newline, carriage return and backslash are ordinary name characters
    /// (format 2, escaped checksum lines: docs/format.md).</summary>
    private static void RefuseUnsupportedName(string path)
    {
        var name = Path.GetFileName(path);
        if (!name.Contains('\uFFFD') || FileKind.Of(path) != FileKind.Kind.Missing) return; // a real U+FFFD in a name opens fine
        throw new BackupException("IncludePathUnsupportedName", BackupErrorKind.InvalidArgument,
            $"The name of '{EntryNames.Shown(path)}' is not valid UTF-8 (its bad bytes are shown as \\uFFFD), so a backup cannot store and restore it exactly. Rename it (for example with convmv) or move it out of the included folder; nothing was written.", path);
    }

    public static string Octal(int mode) => "0" + Convert.ToString(mode & 0xFFF, 8).PadLeft(3, '0');
}
