using BackupPS.Engine.Scheduling;

namespace BackupPS;

/// <summary>Which scheduler Register-DbBackupSchedule uses (mirrors the engine's kind, plus Auto).</summary>
public enum DbBackupScheduler
{
    /// <summary>systemd where it runs as PID 1, else cron on Linux/macOS, Task Scheduler on Windows.</summary>
    Auto,
    Systemd,
    Cron,
    TaskScheduler,
}

/// <summary>A registered schedule (Register-/Get-DbBackupSchedule): when it runs, what, where it logs, and whether the scheduler holds it.</summary>
public sealed class DbBackupSchedule
{
    public string Name { get; init; } = "";
    /// <summary>Systemd, Cron or TaskScheduler.</summary>
    public DbBackupScheduler Scheduler { get; init; }
    /// <summary>Local time of day of the machine the job runs on.</summary>
    public TimeSpan At { get; init; }
    /// <summary>Days it runs on; empty means every day.</summary>
    public DayOfWeek[] DaysOfWeek { get; init; } = [];
    /// <summary>The user's PowerShell script the job runs.</summary>
    public string Script { get; init; } = "";
    /// <summary>The command line the scheduler runs (PowerShell with -NoProfile -NonInteractive -File &lt;ScriptPath&gt;).</summary>
    public string Command { get; init; } = "";
    /// <summary>The job script (0600) the scheduler runs: imports the module, runs Script, logs, exits 1 on failure.</summary>
    public string ScriptPath { get; init; } = "";
    public string LogPath { get; init; } = "";
    /// <summary>Optional NAME=value file (mode 0600) the job loads into its environment: where secrets go.</summary>
    public string EnvironmentFile { get; init; } = "";
    /// <summary>The version of BackupPS the job imports by name (pinned with -RequiredVersion, or the lowest with FollowModuleUpdates).</summary>
    public string? ModuleVersion { get; init; }
    /// <summary>True when the job accepts later installed versions (-MinimumVersion).</summary>
    public bool FollowModuleUpdates { get; init; }
    /// <summary>The folder the module was loaded from when the schedule was registered.</summary>
    public string ModuleRoot { get; init; } = "";
    /// <summary>The job's Import-Module line.</summary>
    public string ModuleImport { get; init; } = "";
    /// <summary>Where the scheduler keeps it: the crontab, the unit files, or the task name.</summary>
    public string[] Entry { get; init; } = [];
    /// <summary>The next run in local time, computed from At and DaysOfWeek.</summary>
    public DateTime? NextRun { get; init; }
    /// <summary>True when the scheduler holds the schedule's entry.</summary>
    public bool Enabled { get; init; }
    public DateTime Registered { get; init; }

    public override string ToString() => Name;

    internal static DbBackupSchedule From(ScheduleRecord record, bool installed, IReadOnlyList<ScheduleArtifact> entries)
    {
        var definition = record.Definition;
        return new DbBackupSchedule
        {
            Name = definition.Name,
            Scheduler = Enum.Parse<DbBackupScheduler>(record.Scheduler.ToString()),
            At = definition.At.ToTimeSpan(),
            DaysOfWeek = [.. definition.DaysOfWeek],
            Script = definition.Script,
            Command = string.Join(' ', definition.JobArguments.Select(Quote)),
            ScriptPath = definition.ScriptPath,
            LogPath = definition.LogPath,
            EnvironmentFile = definition.EnvironmentFilePath,
            ModuleVersion = definition.ModuleVersion,
            FollowModuleUpdates = definition.FollowModuleUpdates,
            ModuleRoot = definition.ModuleRoot,
            ModuleImport = definition.ModuleImport,
            Entry = entries.Select(e => e.Location).ToArray(),
            NextRun = installed ? definition.NextRun(DateTime.Now) : null,
            Enabled = installed,
            Registered = record.RegisteredUtc.ToLocalTime(),
        };
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./:=+,@\\".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''") + "'";
}
