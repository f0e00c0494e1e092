using System.Text.Json.Serialization;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Scheduling;

/// <summary>What the store keeps of a registered schedule: its definition, which scheduler holds it, and when.</summary>
public sealed record ScheduleRecord(ScheduleDefinition Definition, SchedulerKind Scheduler, DateTime RegisteredUtc);

/// <summary>
/// The folder the schedules own (0700): &lt;name&gt;.ps1 (the job, 0600), &lt;name&gt;.json (what was registered),
/// the optional &lt;name&gt;.env the user writes (0600), and the default log &lt;name&gt;.log.
/// Unix: $XDG_CONFIG_HOME/backupps/schedules (default ~/.config/backupps/schedules); Windows: %APPDATA%\BackupPS\schedules.
/// </summary>
public sealed class ScheduleStore
{
    public ScheduleStore(string? folder = null) => Folder = folder ?? DefaultFolder();

    public string Folder { get; }

    public static string ConfigHome()
    {
        if (OperatingSystem.IsWindows()) return Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return xdg;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
    }

    public static string DefaultFolder() =>
        OperatingSystem.IsWindows() ? Path.Combine(ConfigHome(), "BackupPS", "schedules") : Path.Combine(ConfigHome(), "backupps", "schedules");

    public string ScriptPath(string name) => Path.Combine(Folder, name + ".ps1");
    public string RecordPath(string name) => Path.Combine(Folder, name + ".json");
    public string EnvironmentFilePath(string name) => Path.Combine(Folder, name + ".env");
    public string DefaultLogPath(string name) => Path.Combine(Folder, name + ".log");

    public bool Exists(string name) => File.Exists(RecordPath(name));

    public void Save(ScheduleRecord record)
    {
        FileSystemSecurity.CreatePrivateDirectory(Folder);
        WritePrivate(ScriptPath(record.Definition.Name), JobScript.Render(record.Definition));
        WritePrivate(RecordPath(record.Definition.Name), System.Text.Encoding.UTF8.GetString(FormatJson.Serialize(Stored.From(record))));
    }

    public ScheduleRecord? Load(string name)
    {
        var path = RecordPath(name);
        if (!File.Exists(path)) return null;
        try
        {
            return FormatJson.Deserialize<Stored>(File.ReadAllBytes(path)).ToRecord();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or ArgumentException)
        {
            throw new BackupException("ScheduleUnreadable", BackupErrorKind.InvalidData,
                $"The schedule record '{path}' cannot be read ({ex.Message}). Unregister the schedule and register it again.", path, ex);
        }
    }

    public IReadOnlyList<string> Names()
    {
        if (!Directory.Exists(Folder)) return [];
        return Directory.EnumerateFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Where(n => { try { ScheduleDefinition.ValidateName(n); return true; } catch (BackupException) { return false; } })
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Removes the job script and the record; the log and the environment file are the user's and stay.</summary>
    public void Delete(string name)
    {
        FileSystemSecurity.DeleteQuietly(ScriptPath(name));
        FileSystemSecurity.DeleteQuietly(RecordPath(name));
    }

    private static void WritePrivate(string path, string text)
    {
        var temporary = path + ".partial";
        FileSystemSecurity.DeleteQuietly(temporary);
        using (var stream = FileSystemSecurity.CreatePrivateFile(temporary))
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
            writer.Write(text);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The JSON shape of a record (at as "HH:mm").</summary>
    private sealed class Stored
    {
        public string Name { get; set; } = "";
        public SchedulerKind Scheduler { get; set; }
        public string At { get; set; } = "";
        public DayOfWeek[] DaysOfWeek { get; set; } = [];
        public string Script { get; set; } = "";
        public string LogPath { get; set; } = "";
        public string[] PwshCommand { get; set; } = [];
        /// <summary>Only in records written before ModuleRoot/ModuleVersion: the BackupPS.psd1 the job imported by path.</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? ModulePath { get; set; }
        public string ModuleRoot { get; set; } = "";
        public string? ModuleVersion { get; set; }
        public bool FollowModuleUpdates { get; set; }
        public string ScriptPath { get; set; } = "";
        public string EnvironmentFilePath { get; set; } = "";
        public DateTime RegisteredUtc { get; set; }

        public static Stored From(ScheduleRecord record) => new()
        {
            Name = record.Definition.Name,
            Scheduler = record.Scheduler,
            At = record.Definition.At.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            DaysOfWeek = [.. record.Definition.DaysOfWeek],
            Script = record.Definition.Script,
            LogPath = record.Definition.LogPath,
            PwshCommand = [.. record.Definition.PwshCommand],
            ModuleRoot = record.Definition.ModuleRoot,
            ModuleVersion = record.Definition.ModuleVersion,
            FollowModuleUpdates = record.Definition.FollowModuleUpdates,
            ScriptPath = record.Definition.ScriptPath,
            EnvironmentFilePath = record.Definition.EnvironmentFilePath,
            RegisteredUtc = record.RegisteredUtc,
        };

        public ScheduleRecord ToRecord() => new(new ScheduleDefinition
        {
            Name = ScheduleDefinition.ValidateName(Name),
            At = TimeOnly.ParseExact(At, "HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            DaysOfWeek = ScheduleDefinition.NormalizeDays(DaysOfWeek),
            Script = Script,
            LogPath = LogPath,
            PwshCommand = PwshCommand,
            ModuleRoot = ModuleRoot.Length > 0 ? ModuleRoot : Path.GetDirectoryName(ModulePath ?? "") ?? "",
            ModuleVersion = ModuleVersion is null ? null : ScheduleDefinition.ValidateModuleVersion(ModuleVersion),
            FollowModuleUpdates = FollowModuleUpdates,
            ScriptPath = ScriptPath,
            EnvironmentFilePath = EnvironmentFilePath,
        }, Scheduler, DateTime.SpecifyKind(RegisteredUtc, DateTimeKind.Utc));
    }
}
