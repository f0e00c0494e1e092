using System.Text.RegularExpressions;

namespace BackupPS.Engine.Scheduling;

/// <summary>Which of the platform's schedulers holds a schedule.</summary>
public enum SchedulerKind
{
    /// <summary>A systemd timer and service unit (Linux with systemd as PID 1).</summary>
    Systemd,
    /// <summary>A marked entry in the user's crontab (Linux/macOS without systemd).</summary>
    Cron,
    /// <summary>A task in the Windows Task Scheduler, folder \BackupPS\.</summary>
    TaskScheduler,
}

/// <summary>
/// One scheduled job: a name, a local time of day and (optionally) days of the week, the PowerShell script it runs,
/// where it logs, and how to start PowerShell with the module. Secrets never live here: the job reads them from a
/// 0600 file or the environment.
/// </summary>
public sealed record ScheduleDefinition
{
    private static readonly Regex NamePattern = new("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant);

    public required string Name { get; init; }
    /// <summary>Local time of day (machine time zone), minute precision.</summary>
    public required TimeOnly At { get; init; }
    /// <summary>Days the job runs on; empty = every day. Kept sorted Sunday..Saturday without duplicates.</summary>
    public IReadOnlyList<DayOfWeek> DaysOfWeek { get; init; } = [];
    /// <summary>The user's PowerShell script text (body of the job).</summary>
    public required string Script { get; init; }
    public required string LogPath { get; init; }
    /// <summary>The program and leading arguments that start PowerShell, e.g. [/usr/bin/pwsh] or [/usr/share/dotnet/dotnet, /…/pwsh.dll].</summary>
    public required IReadOnlyList<string> PwshCommand { get; init; }
    /// <summary>The folder the module was loaded from when the schedule was registered (for the record; the job imports by name).</summary>
    public required string ModuleRoot { get; init; }
    /// <summary>
    /// The module version that registered the schedule: the job imports the INSTALLED module BackupPS by name with
    /// -RequiredVersion of it (or -MinimumVersion with <see cref="FollowModuleUpdates"/>). Null only for a record
    /// written before versions were recorded: that job imports <see cref="ModuleRoot"/> by path, as it always did.
    /// </summary>
    public string? ModuleVersion { get; init; }
    /// <summary>The job accepts this or any later installed version (Update-PSResource keeps it working).</summary>
    public bool FollowModuleUpdates { get; init; }

    /// <summary>The name the job imports the module by.</summary>
    public const string ModuleName = "BackupPS";

    /// <summary>The Import-Module line of the job script.</summary>
    public string ModuleImport => ModuleVersion is null
        ? $"Import-Module {JobScript.Literal(ModuleRoot)} -ErrorAction Stop"
        : $"Import-Module -Name {ModuleName} -{(FollowModuleUpdates ? "MinimumVersion" : "RequiredVersion")} {JobScript.Literal(ModuleVersion)} -ErrorAction Stop";
    /// <summary>Absolute path of the job script the scheduler runs (owned by the schedule, 0600).</summary>
    public required string ScriptPath { get; init; }
    /// <summary>Optional KEY=VALUE file (0600) the job loads into its environment before the script runs.</summary>
    public required string EnvironmentFilePath { get; init; }

    /// <summary>The full command line of the job as arguments: PowerShell, -NoProfile -NonInteractive -File &lt;job script&gt;.</summary>
    public IReadOnlyList<string> JobArguments =>
        [.. PwshCommand, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", ScriptPath];

    /// <summary>Throws InvalidScheduleName unless the name is 1-64 letters, digits, '-' or '_' (it becomes file and unit names).</summary>
    public static string ValidateName(string? name)
    {
        if (name is null || !NamePattern.IsMatch(name))
            throw new BackupException("InvalidScheduleName", BackupErrorKind.InvalidArgument,
                $"The schedule name '{name}' is not valid: use 1 to 64 ASCII letters, digits, '-' or '_' (it becomes a file name and a unit or task name), for example 'nightly' or 'app-hourly'.", name);
        return name;
    }

    /// <summary>Throws InvalidModuleVersion unless the text is a version (major.minor[.build[.revision]]).</summary>
    public static string ValidateModuleVersion(string version)
    {
        if (!Version.TryParse(version, out var parsed))
            throw new BackupException("InvalidModuleVersion", BackupErrorKind.InvalidArgument,
                $"The module version '{version}' is not a version such as 1.2.0; register the schedule from an installed BackupPS.", version);
        return parsed.ToString();
    }

    /// <summary>Sorted, distinct days; all seven days collapse to "every day" (empty).</summary>
    public static IReadOnlyList<DayOfWeek> NormalizeDays(IEnumerable<DayOfWeek>? days)
    {
        var list = (days ?? []).Distinct().OrderBy(d => (int)d).ToArray();
        return list.Length == 7 ? [] : list;
    }

    /// <summary>The next local time the job runs after <paramref name="fromLocal"/>.</summary>
    public DateTime NextRun(DateTime fromLocal)
    {
        var day = fromLocal.Date;
        for (var i = 0; i < 8; i++, day = day.AddDays(1))
        {
            var candidate = day.Add(At.ToTimeSpan());
            if (candidate <= fromLocal) continue;
            if (DaysOfWeek.Count == 0 || DaysOfWeek.Contains(candidate.DayOfWeek)) return candidate;
        }
        throw new InvalidOperationException("unreachable: some day of the next week matches");
    }
}
