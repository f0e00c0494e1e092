namespace BackupPS.Engine.Scheduling;

/// <summary>
/// A systemd timer + oneshot service: backupps-&lt;name&gt;.timer / .service. root: system units in /etc/systemd/system;
/// other users: user units in ~/.config/systemd/user (they run while the user has a session, or always after
/// "loginctl enable-linger"). Installing runs daemon-reload and enable --now of the timer.
/// </summary>
public sealed class SystemdScheduler : IScheduler
{
    private readonly string _unitFolder;
    private readonly bool _user;

    public SystemdScheduler(string? unitFolder = null, bool? user = null)
    {
        _user = user ?? !IsRoot();
        _unitFolder = unitFolder ?? (_user
            ? Path.Combine(ScheduleStore.ConfigHome(), "systemd", "user")
            : "/etc/systemd/system");
    }

    public SchedulerKind Kind => SchedulerKind.Systemd;

    public static string UnitBaseName(string name) => "backupps-" + name;

    /// <summary>OnCalendar= value: "*-*-* 02:00:00" or "Mon,Fri *-*-* 02:00:00" (machine local time).</summary>
    public static string OnCalendar(ScheduleDefinition schedule)
    {
        var time = $"*-*-* {schedule.At.Hour:00}:{schedule.At.Minute:00}:00";
        return schedule.DaysOfWeek.Count == 0 ? time
            : string.Join(',', schedule.DaysOfWeek.Select(d => d.ToString()[..3])) + " " + time;
    }

    public static string ServiceText(ScheduleDefinition schedule)
    {
        CommandQuoting.RefuseUnusable(schedule.JobArguments, "systemd");
        return $"""
# Written by BackupPS Register-DbBackupSchedule; remove with Unregister-DbBackupSchedule.
[Unit]
Description=BackupPS schedule {schedule.Name}

[Service]
Type=oneshot
ExecStart={string.Join(' ', schedule.JobArguments.Select(CommandQuoting.Systemd))}

""".Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    public static string TimerText(ScheduleDefinition schedule) => $"""
# Written by BackupPS Register-DbBackupSchedule; remove with Unregister-DbBackupSchedule.
[Unit]
Description=Timer of BackupPS schedule {schedule.Name}

[Timer]
OnCalendar={OnCalendar(schedule)}
Persistent=true
Unit={UnitBaseName(schedule.Name)}.service

[Install]
WantedBy=timers.target

""".Replace("\r\n", "\n", StringComparison.Ordinal);

    private string ServicePath(string name) => Path.Combine(_unitFolder, UnitBaseName(name) + ".service");
    private string TimerPath(string name) => Path.Combine(_unitFolder, UnitBaseName(name) + ".timer");

    public IReadOnlyList<ScheduleArtifact> Render(ScheduleDefinition schedule) =>
    [
        new(ServicePath(schedule.Name), ServiceText(schedule)),
        new(TimerPath(schedule.Name), TimerText(schedule)),
    ];

    public void Install(ScheduleDefinition schedule)
    {
        Directory.CreateDirectory(_unitFolder);
        var artifacts = Render(schedule);
        var fresh = artifacts.Where(a => !File.Exists(a.Location)).Select(a => a.Location).ToArray();
        foreach (var artifact in artifacts) File.WriteAllText(artifact.Location, artifact.Text);
        try
        {
            Systemctl("daemon-reload");
            Systemctl("enable", "--now", UnitBaseName(schedule.Name) + ".timer");
        }
        catch (BackupException)
        {
            // Units systemd would not take are not left behind (replaced ones stay, with the new text).
            foreach (var path in fresh) FileSystemSecurity.DeleteQuietly(path);
            throw;
        }
    }

    public bool IsInstalled(string name) => File.Exists(TimerPath(name));

    public bool Uninstall(string name)
    {
        if (!File.Exists(TimerPath(name)) && !File.Exists(ServicePath(name))) return false;
        if (File.Exists(TimerPath(name)))
        {
            // A timer that is not loaded (e.g. files copied by hand) cannot be disabled, so its exit code is not checked; the files still go.
            ProcessRunner.Run(SystemctlPath(), Arguments("disable", "--now", UnitBaseName(name) + ".timer"));
        }
        File.Delete(TimerPath(name));
        File.Delete(ServicePath(name));
        Systemctl("daemon-reload");
        return true;
    }

    private static string SystemctlPath() => ProcessRunner.FindOnPath("systemctl") ?? "systemctl";

    private string[] Arguments(params string[] arguments) => _user ? ["--user", .. arguments] : arguments;

    private void Systemctl(params string[] arguments) => ProcessRunner.RunChecked(SystemctlPath(), Arguments(arguments));

    private static bool IsRoot() => !OperatingSystem.IsWindows() && Environment.UserName == "root";
}
