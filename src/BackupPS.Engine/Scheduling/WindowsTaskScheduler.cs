using System.Security;
using System.Text;

namespace BackupPS.Engine.Scheduling;

/// <summary>
/// Windows Task Scheduler: a task \BackupPS\&lt;name&gt; created with schtasks /Create /XML from a generated task
/// definition (a daily or weekly calendar trigger; runs as the registering user whether logged on or not, without
/// stored password (S4U), so it reaches local files but no network shares). NOT exercised by the test suite, which
/// runs on Linux: the XML is checked for shape only.
/// </summary>
public sealed class WindowsTaskScheduler : IScheduler
{
    public const string TaskFolder = @"\BackupPS\";

    public SchedulerKind Kind => SchedulerKind.TaskScheduler;

    public static string TaskName(string name) => TaskFolder + name;

    public static string TaskXml(ScheduleDefinition schedule, string userId)
    {
        CommandQuoting.RefuseUnusable(schedule.JobArguments, "Task Scheduler");
        var arguments = schedule.JobArguments.Skip(1).Select(CommandQuoting.Windows);
        var start = new DateTime(2000, 1, 1).Add(schedule.At.ToTimeSpan()).ToString("yyyy-MM-ddTHH:mm:ss");
        var calendar = schedule.DaysOfWeek.Count == 0
            ? "<ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>"
            : "<ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek>"
              + string.Concat(schedule.DaysOfWeek.Select(d => $"<{d}/>")) + "</DaysOfWeek></ScheduleByWeek>";
        return $"""
<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>BackupPS schedule {SecurityElement.Escape(schedule.Name)} (Register-DbBackupSchedule)</Description>
    <URI>{SecurityElement.Escape(TaskName(schedule.Name))}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>{start}</StartBoundary>
      <Enabled>true</Enabled>
      {calendar}
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{SecurityElement.Escape(userId)}</UserId>
      <LogonType>S4U</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT12H</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{SecurityElement.Escape(schedule.JobArguments[0])}</Command>
      <Arguments>{SecurityElement.Escape(string.Join(' ', arguments))}</Arguments>
    </Exec>
  </Actions>
</Task>

""".Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static string CurrentUser() =>
        string.IsNullOrEmpty(Environment.UserDomainName) ? Environment.UserName : Environment.UserDomainName + "\\" + Environment.UserName;

    private static string Schtasks() => ProcessRunner.FindOnPath("schtasks") ?? "schtasks.exe";

    public IReadOnlyList<ScheduleArtifact> Render(ScheduleDefinition schedule) =>
        [new($"Task Scheduler task {TaskName(schedule.Name)}", TaskXml(schedule, CurrentUser()))];

    public void Install(ScheduleDefinition schedule)
    {
        var file = Path.Combine(Path.GetTempPath(), $"backupps-task-{Guid.NewGuid():N}.xml");
        try
        {
            // schtasks reads task XML as UTF-16 (the declaration says so).
            File.WriteAllText(file, TaskXml(schedule, CurrentUser()).Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.Unicode);
            ProcessRunner.RunChecked(Schtasks(), ["/Create", "/TN", TaskName(schedule.Name), "/XML", file, "/F"]);
        }
        finally { FileSystemSecurity.DeleteQuietly(file); }
    }

    public bool IsInstalled(string name) => ProcessRunner.Run(Schtasks(), ["/Query", "/TN", TaskName(name)]).ExitCode == 0;

    public bool Uninstall(string name)
    {
        if (!IsInstalled(name)) return false;
        ProcessRunner.RunChecked(Schtasks(), ["/Delete", "/TN", TaskName(name), "/F"]);
        return true;
    }
}
