namespace BackupPS.Engine.Scheduling;

/// <summary>A file or entry a scheduler backend would write: where, and its exact text (what -WhatIf shows).</summary>
public sealed record ScheduleArtifact(string Location, string Text);

/// <summary>One platform scheduler: renders, installs, finds and removes BackupPS schedules.</summary>
public interface IScheduler
{
    SchedulerKind Kind { get; }

    /// <summary>What <see cref="Install"/> would write, exactly.</summary>
    IReadOnlyList<ScheduleArtifact> Render(ScheduleDefinition schedule);

    /// <summary>Installs (or replaces) the schedule and activates it.</summary>
    void Install(ScheduleDefinition schedule);

    /// <summary>True when the scheduler holds an active entry for the schedule name.</summary>
    bool IsInstalled(string name);

    /// <summary>Removes the schedule's entry; false when there was none.</summary>
    bool Uninstall(string name);
}

public static class Schedulers
{
    /// <summary>systemd when it runs as PID 1 (/run/systemd/system exists), Task Scheduler on Windows, else cron.</summary>
    public static SchedulerKind Detect()
    {
        if (OperatingSystem.IsWindows()) return SchedulerKind.TaskScheduler;
        if (Directory.Exists("/run/systemd/system")) return SchedulerKind.Systemd;
        return SchedulerKind.Cron;
    }

    public static IScheduler For(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Systemd => new SystemdScheduler(),
        SchedulerKind.Cron => new CronScheduler(),
        SchedulerKind.TaskScheduler => new WindowsTaskScheduler(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
