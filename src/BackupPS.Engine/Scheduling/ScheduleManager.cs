namespace BackupPS.Engine.Scheduling;

/// <summary>A registered schedule as Get-DbBackupSchedule reports it: the record and whether the scheduler still holds it.</summary>
public sealed record ScheduleStatus(ScheduleRecord Record, bool Installed);

/// <summary>Register / list / unregister: the store (job script + record) and one scheduler backend kept in step.</summary>
public sealed class ScheduleManager
{
    private readonly Func<SchedulerKind, IScheduler> _backend;

    public ScheduleManager(ScheduleStore? store = null, Func<SchedulerKind, IScheduler>? backend = null)
    {
        Store = store ?? new ScheduleStore();
        _backend = backend ?? Schedulers.For;
    }

    public ScheduleStore Store { get; }

    public IScheduler Backend(SchedulerKind kind) => _backend(kind);

    /// <summary>A definition with the store's paths filled in; the log defaults to &lt;destination&gt;/backupps-&lt;name&gt;.log when a local destination is known, else &lt;store&gt;/&lt;name&gt;.log.</summary>
    public ScheduleDefinition Define(string name, TimeOnly at, IEnumerable<DayOfWeek>? days, string script, string? logPath,
        string? destination, IReadOnlyList<string> pwshCommand, string moduleRoot, string moduleVersion, bool followModuleUpdates = false)
    {
        ScheduleDefinition.ValidateName(name);
        if (string.IsNullOrWhiteSpace(script))
            throw new BackupException("EmptyScheduleScript", BackupErrorKind.InvalidArgument, "The schedule has no script: give -ScriptBlock or -Command.", name);
        if (at.Second != 0 || at.Millisecond != 0)
            throw new BackupException("InvalidScheduleTime", BackupErrorKind.InvalidArgument, $"-At {at:HH:mm:ss}: schedules run at whole minutes (for example 02:00 or 23:45).", at);
        var log = logPath ?? (destination is not null ? Path.Combine(destination, $"backupps-{name}.log") : Store.DefaultLogPath(name));
        if (!Path.IsPathRooted(log))
            throw new BackupException("InvalidLogPath", BackupErrorKind.InvalidArgument, $"The log path '{log}' must be absolute.", log);
        return new ScheduleDefinition
        {
            Name = name,
            At = at,
            DaysOfWeek = ScheduleDefinition.NormalizeDays(days),
            Script = script,
            LogPath = log,
            PwshCommand = pwshCommand,
            ModuleRoot = moduleRoot,
            ModuleVersion = ScheduleDefinition.ValidateModuleVersion(moduleVersion),
            FollowModuleUpdates = followModuleUpdates,
            ScriptPath = Store.ScriptPath(name),
            EnvironmentFilePath = Store.EnvironmentFilePath(name),
        };
    }

    /// <summary>Everything registering would write: the scheduler's entries and the job script.</summary>
    public IReadOnlyList<ScheduleArtifact> Plan(ScheduleDefinition schedule, SchedulerKind kind) =>
        [.. Backend(kind).Render(schedule), new(schedule.ScriptPath, JobScript.Render(schedule))];

    public ScheduleRecord Register(ScheduleDefinition schedule, SchedulerKind kind, bool replace)
    {
        var backend = Backend(kind);
        var previous = Store.Load(schedule.Name);
        if (!replace && (previous is not null || backend.IsInstalled(schedule.Name)))
            throw new BackupException("ScheduleExists", BackupErrorKind.InvalidArgument,
                $"A schedule named '{schedule.Name}' is already registered. Give -Force to replace it, or choose another name.", schedule.Name);
        // Validates what goes into the scheduler's entry (quoting, paths) before anything is written.
        _ = backend.Render(schedule);
        var record = new ScheduleRecord(schedule, kind, DateTime.UtcNow);
        try
        {
            Store.Save(record);
            backend.Install(schedule);
        }
        catch (Exception ex)
        {
            RestorePrevious(schedule.Name, previous, kind);
            if (ex is IOException or UnauthorizedAccessException)
                throw new BackupException("SchedulerCommandFailed", BackupErrorKind.WriteError,
                    $"The schedule '{schedule.Name}' could not be written ({ex.Message}); {(previous is null ? "nothing was registered" : "the schedule registered before stays")}.", schedule.Name, ex);
            throw;
        }
        // Only once the new entry is in place: a schedule moved to another scheduler leaves the old one.
        if (previous is not null && previous.Scheduler != kind) Backend(previous.Scheduler).Uninstall(schedule.Name);
        return record;
    }

    /// <summary>After a failed registration: no trace of a new schedule; a replaced one gets its record, job script and (best effort) entry back.</summary>
    private void RestorePrevious(string name, ScheduleRecord? previous, SchedulerKind kind)
    {
        try
        {
            if (previous is null)
            {
                Store.Delete(name);
                return;
            }
            Store.Save(previous);
            if (previous.Scheduler == kind) Backend(kind).Install(previous.Definition);
        }
        catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException) { } // the first error is the one to report
    }

    public IReadOnlyList<ScheduleStatus> List() =>
        Store.Names().Select(Store.Load).OfType<ScheduleRecord>()
            .Select(r => new ScheduleStatus(r, Backend(r.Scheduler).IsInstalled(r.Definition.Name))).ToArray();

    /// <summary>Removes the scheduler entry, the job script and the record. False when nothing was registered under the name.</summary>
    public bool Unregister(string name, SchedulerKind? kind)
    {
        ScheduleDefinition.ValidateName(name);
        var record = Store.Load(name);
        var removed = Backend(record?.Scheduler ?? kind ?? Schedulers.Detect()).Uninstall(name);
        if (record is not null) Store.Delete(name);
        return removed || record is not null;
    }
}
