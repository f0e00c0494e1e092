using System.Text;

namespace BackupPS.Engine.Scheduling;

/// <summary>
/// The user's crontab (crontab -l / crontab -): each schedule is a marker comment "# BackupPS schedule &lt;name&gt;"
/// followed by its entry line. Every other line of the crontab is kept exactly as it was.
/// </summary>
public sealed class CronScheduler : IScheduler
{
    public const string MarkerPrefix = "# BackupPS schedule ";
    private const string MarkerSuffix = " (managed by Register-DbBackupSchedule; remove with Unregister-DbBackupSchedule)";

    private readonly string _crontab;

    public CronScheduler(string? crontabProgram = null) =>
        _crontab = crontabProgram ?? ProcessRunner.FindOnPath("crontab") ?? "crontab";

    public SchedulerKind Kind => SchedulerKind.Cron;

    /// <summary>"minute hour * * day-of-week" for the time and days.</summary>
    public static string TimeFields(ScheduleDefinition schedule) =>
        $"{schedule.At.Minute} {schedule.At.Hour} * * {(schedule.DaysOfWeek.Count == 0 ? "*" : string.Join(',', schedule.DaysOfWeek.Select(d => (int)d)))}";

    /// <summary>The shell command part of the entry: the quoted job arguments (cron runs it with /bin/sh).</summary>
    public static string Command(ScheduleDefinition schedule)
    {
        CommandQuoting.RefuseUnusable(schedule.JobArguments, "cron", '%');
        return string.Join(' ', schedule.JobArguments.Select(CommandQuoting.Posix));
    }

    public static string Marker(string name) => MarkerPrefix + name + MarkerSuffix;

    public static string Entry(ScheduleDefinition schedule) => TimeFields(schedule) + " " + Command(schedule);

    /// <summary>
    /// <paramref name="crontab"/> without the block of <paramref name="name"/> (when given), with the new block appended
    /// (when given). Foreign lines stay byte for byte; the result ends with a newline, as crontab requires.
    /// </summary>
    public static string Merge(string crontab, string name, string? block)
    {
        var lines = SplitLines(crontab);
        var kept = new List<string>(lines.Count + 2);
        for (var i = 0; i < lines.Count; i++)
        {
            if (IsMarkerOf(lines[i], name))
            {
                // The marker, and the line after it only when it runs this schedule's job script: a user who deleted the
                // entry by hand and left the marker keeps the line that now follows it.
                if (i + 1 < lines.Count && IsEntryOf(lines[i + 1], name)) i++;
                continue;
            }
            kept.Add(lines[i]);
        }
        if (block is not null) kept.Add(block);
        if (kept.Count == 0) return "";
        return string.Join('\n', kept) + "\n";
    }

    /// <summary>Names of the BackupPS schedules in a crontab text.</summary>
    public static IReadOnlyList<string> Names(string crontab) =>
        SplitLines(crontab).Where(l => l.StartsWith(MarkerPrefix, StringComparison.Ordinal))
            .Select(l => l[MarkerPrefix.Length..].Split(' ', 2)[0]).Where(n => n.Length > 0).Distinct().ToArray();

    /// <summary>The entry line under the marker of <paramref name="name"/>, or null.</summary>
    public static string? EntryOf(string crontab, string name)
    {
        var lines = SplitLines(crontab);
        for (var i = 0; i + 1 < lines.Count; i++)
            if (IsMarkerOf(lines[i], name) && IsEntryOf(lines[i + 1], name)) return lines[i + 1];
        return null;
    }

    /// <summary>An active cron line that runs the job script &lt;name&gt;.ps1 (see ScheduleStore.ScriptPath).</summary>
    private static bool IsEntryOf(string line, string name) =>
        !line.TrimStart().StartsWith('#') && line.Contains("/" + name + ".ps1", StringComparison.Ordinal);

    private static bool IsMarkerOf(string line, string name) =>
        line == MarkerPrefix + name || line.StartsWith(MarkerPrefix + name + " ", StringComparison.Ordinal);

    private static List<string> SplitLines(string text)
    {
        if (text.Length == 0) return [];
        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1); // the final newline
        return lines;
    }

    public IReadOnlyList<ScheduleArtifact> Render(ScheduleDefinition schedule) =>
        [new($"crontab of {Environment.UserName}", Marker(schedule.Name) + "\n" + Entry(schedule) + "\n")];

    public void Install(ScheduleDefinition schedule)
    {
        var block = Marker(schedule.Name) + "\n" + Entry(schedule);
        Write(Merge(Read(), schedule.Name, block));
    }

    public bool IsInstalled(string name) => EntryOf(Read(), name) is not null;

    public bool Uninstall(string name)
    {
        var current = Read();
        if (!SplitLines(current).Any(l => IsMarkerOf(l, name))) return false;
        Write(Merge(current, name, null));
        return true;
    }

    /// <summary>The current crontab; empty when the user has none.</summary>
    public string Read()
    {
        var result = ProcessRunner.Run(_crontab, ["-l"]);
        if (result.ExitCode == 0) return result.StandardOutput;
        if (result.StandardError.Contains("no crontab", StringComparison.OrdinalIgnoreCase)) return "";
        throw new BackupException("SchedulerCommandFailed", BackupErrorKind.ResourceUnavailable,
            $"'crontab -l' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}", _crontab);
    }

    private void Write(string crontab) => ProcessRunner.RunChecked(_crontab, ["-"], crontab);

    /// <summary>True when a cron daemon process (cron, crond) runs; entries are inert otherwise.</summary>
    public static bool DaemonRunning()
    {
        if (!Directory.Exists("/proc")) return true; // cannot tell (macOS): assume launchd's cron
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var comm = File.ReadAllText(Path.Combine(folder, "comm"), Encoding.UTF8).Trim();
                if (comm is "cron" or "crond" or "busybox-crond") return true;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return false;
    }
}
