using System.Xml.Linq;
using BackupPS.Engine.Scheduling;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Schedule text generation: names, cron lines and crontab merging, systemd units (checked by systemd-analyze), task XML, the store.</summary>
public sealed class ScheduleTests
{
    private static ScheduleDefinition Definition(string name = "nightly", int hour = 2, int minute = 0, DayOfWeek[]? days = null,
        string? scriptPath = null, string[]? pwsh = null) => new()
    {
        Name = name,
        At = new TimeOnly(hour, minute),
        DaysOfWeek = ScheduleDefinition.NormalizeDays(days),
        Script = "New-DbBackup /srv/app.db -Destination /srv/backups",
        LogPath = "/srv/backups/backupps-nightly.log",
        PwshCommand = pwsh ?? ["/usr/bin/pwsh"],
        ModuleRoot = "/opt/BackupPS",
        ModuleVersion = "1.2.0",
        ScriptPath = scriptPath ?? $"/home/u/.config/backupps/schedules/{name}.ps1", // as ScheduleStore.ScriptPath names it
        EnvironmentFilePath = "/home/u/.config/backupps/schedules/nightly.env",
    };

    [Theory]
    [InlineData("nightly")]
    [InlineData("app-hourly_2")]
    [InlineData("A")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")] // 64
    public void ValidNamesAreAccepted(string name) => Assert.Equal(name, ScheduleDefinition.ValidateName(name));

    [Theory]
    [InlineData("")]
    [InlineData("my nightly")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a;rm -rf ~")]
    [InlineData("nïghtly")]
    [InlineData("a.b")]
    [InlineData("line\nbreak")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")] // 65
    public void InvalidNamesAreRefusedWithAClearError(string name)
    {
        var ex = Assert.Throws<BackupException>(() => ScheduleDefinition.ValidateName(name));
        Assert.Equal("InvalidScheduleName", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("letters, digits", ex.Message);
    }

    [Fact]
    public void DaysAreSortedAndAllSevenMeanEveryDay()
    {
        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Friday],
            ScheduleDefinition.NormalizeDays([DayOfWeek.Friday, DayOfWeek.Monday, DayOfWeek.Sunday, DayOfWeek.Friday]));
        Assert.Empty(ScheduleDefinition.NormalizeDays(Enum.GetValues<DayOfWeek>()));
        Assert.Empty(ScheduleDefinition.NormalizeDays(null));
    }

    [Fact]
    public void NextRunIsTheNextMatchingDayAndTime()
    {
        var wednesdayNoon = new DateTime(2025, 1, 1, 12, 0, 0); // a Wednesday
        Assert.Equal(new DateTime(2025, 1, 2, 2, 0, 0), Definition().NextRun(wednesdayNoon));
        Assert.Equal(new DateTime(2025, 1, 1, 13, 30, 0), Definition(hour: 13, minute: 30).NextRun(wednesdayNoon));
        Assert.Equal(new DateTime(2025, 1, 6, 2, 0, 0), Definition(days: [DayOfWeek.Monday]).NextRun(wednesdayNoon));
        // Exactly at the time: the next run is the next occurrence, not now.
        Assert.Equal(new DateTime(2025, 1, 8, 12, 0, 0), Definition(hour: 12, days: [DayOfWeek.Wednesday]).NextRun(wednesdayNoon));
    }

    [Theory]
    [InlineData(2, 0, null, "0 2 * * *")]
    [InlineData(23, 45, new[] { DayOfWeek.Friday, DayOfWeek.Monday }, "45 23 * * 1,5")]
    [InlineData(0, 5, new[] { DayOfWeek.Sunday, DayOfWeek.Saturday }, "5 0 * * 0,6")]
    public void CronTimeFieldsAreMinuteHourAndDayOfWeek(int hour, int minute, DayOfWeek[]? days, string expected) =>
        Assert.Equal(expected, CronScheduler.TimeFields(Definition(hour: hour, minute: minute, days: days)));

    [Fact]
    public void CronCommandSplitsBackIntoTheExactArgumentsInSh()
    {
        var schedule = Definition(scriptPath: "/tmp/it's a $HOME `x` \"dir\"/nightly.ps1", pwsh: ["/usr/share/dotnet/dotnet", "/opt/power shell/pwsh.dll"]);
        var command = CronScheduler.Command(schedule);
        // sh parses the command exactly as cron will hand it over; print each argument NUL-terminated.
        var output = Tool.Run("sh", null, "-c", "set -- " + command + "; for a; do printf '%s\\0' \"$a\"; done");
        Assert.Equal(0, output.ExitCode);
        Assert.Equal(schedule.JobArguments, output.StdOut.TrimEnd('\0').Split('\0'));
        Assert.StartsWith("0 2 * * * /usr/share/dotnet/dotnet '/opt/power shell/pwsh.dll' -NoProfile -NonInteractive ", CronScheduler.Entry(schedule));
    }

    [Theory]
    [InlineData("/tmp/100%/nightly.ps1")]
    [InlineData("/tmp/line\nbreak/nightly.ps1")]
    public void CronRefusesPathsItWouldMangle(string scriptPath)
    {
        var ex = Assert.Throws<BackupException>(() => CronScheduler.Entry(Definition(scriptPath: scriptPath)));
        Assert.Equal("UnschedulablePath", ex.ErrorId);
    }

    private const string Foreign = "# m h  dom mon dow   command\nMAILTO=ops@example.com\n*/5 * * * * /usr/local/bin/poll  --quiet   # spaces kept\n\n@reboot /usr/bin/true\n";

    [Fact]
    public void CrontabMergeAppendsTheBlockAndKeepsForeignLinesExactly()
    {
        var block = CronScheduler.Marker("nightly") + "\n" + CronScheduler.Entry(Definition());
        var merged = CronScheduler.Merge(Foreign, "nightly", block);
        Assert.Equal(Foreign + block + "\n", merged);
        Assert.Equal(merged, CronScheduler.Merge(merged, "nightly", block)); // idempotent
        Assert.Equal(["nightly"], CronScheduler.Names(merged));
        Assert.Equal(CronScheduler.Entry(Definition()), CronScheduler.EntryOf(merged, "nightly"));
        Assert.Equal(Foreign, CronScheduler.Merge(merged, "nightly", null)); // removal restores the original
    }

    [Fact]
    public void CrontabMergeKeepsTheUsersLineAfterAMarkerWhoseEntryWasDeletedByHand()
    {
        // The user deleted the entry line but left the marker; their own job now follows it.
        var orphaned = Foreign + CronScheduler.Marker("nightly") + "\n0 4 * * * /usr/local/bin/rotate-logs\n";
        Assert.Null(CronScheduler.EntryOf(orphaned, "nightly"));
        Assert.Equal(Foreign + "0 4 * * * /usr/local/bin/rotate-logs\n", CronScheduler.Merge(orphaned, "nightly", null));
        var block = CronScheduler.Marker("nightly") + "\n" + CronScheduler.Entry(Definition());
        Assert.Equal(Foreign + "0 4 * * * /usr/local/bin/rotate-logs\n" + block + "\n", CronScheduler.Merge(orphaned, "nightly", block));
    }

    [Fact]
    public void CrontabMergeReplacesOnlyItsOwnBlock()
    {
        var weekly = CronScheduler.Marker("weekly") + "\n" + CronScheduler.Entry(Definition("weekly", days: [DayOfWeek.Sunday]));
        var nightly = CronScheduler.Marker("nightly") + "\n" + CronScheduler.Entry(Definition());
        var nightlyLater = CronScheduler.Marker("nightly") + "\n" + CronScheduler.Entry(Definition(hour: 3));
        var text = CronScheduler.Merge(CronScheduler.Merge(Foreign, "weekly", weekly), "nightly", nightly);
        // A schedule whose name is a prefix of another ("night") must not touch "nightly".
        Assert.Equal(text, CronScheduler.Merge(text, "night", null));
        var replaced = CronScheduler.Merge(text, "nightly", nightlyLater);
        Assert.Equal(Foreign + weekly + "\n" + nightlyLater + "\n", replaced);
        Assert.Equal(["weekly", "nightly"], CronScheduler.Names(replaced));
        Assert.Equal(Foreign + nightlyLater + "\n", CronScheduler.Merge(replaced, "weekly", null));
    }

    [Fact]
    public void CrontabMergeHandlesEmptyAndUnterminatedCrontabs()
    {
        var block = CronScheduler.Marker("nightly") + "\n" + CronScheduler.Entry(Definition());
        Assert.Equal(block + "\n", CronScheduler.Merge("", "nightly", block));
        Assert.Equal("", CronScheduler.Merge(block + "\n", "nightly", null));
        Assert.Equal("0 1 * * * /bin/true\n" + block + "\n", CronScheduler.Merge("0 1 * * * /bin/true", "nightly", block));
    }

    [Theory]
    [InlineData(2, 0, null, "*-*-* 02:00:00")]
    [InlineData(23, 5, new[] { DayOfWeek.Friday, DayOfWeek.Monday }, "Mon,Fri *-*-* 23:05:00")]
    [InlineData(0, 0, new[] { DayOfWeek.Sunday }, "Sun *-*-* 00:00:00")]
    public void OnCalendarComesFromAtAndDays(int hour, int minute, DayOfWeek[]? days, string expected) =>
        Assert.Equal(expected, SystemdScheduler.OnCalendar(Definition(hour: hour, minute: minute, days: days)));

    [Fact]
    public void SystemdUnitsPassSystemdAnalyzeVerify()
    {
        const string analyze = "/usr/bin/systemd-analyze";
        if (!File.Exists(analyze)) return; // not every machine has systemd; CI's Debian has it (package systemd)
        using var dir = new TempDir();
        // A real executable (the dotnet host running these tests) and a script path with a space, '%' and '$'.
        var schedule = Definition("unit-test", 4, 30, [DayOfWeek.Tuesday, DayOfWeek.Saturday],
            scriptPath: dir["job dir 100% $HOME", "unit-test.ps1"], pwsh: [Environment.ProcessPath!, "/opt/pwsh.dll"]);
        var systemd = new SystemdScheduler(dir.Path, user: false);
        var artifacts = systemd.Render(schedule);
        Assert.Equal([dir["backupps-unit-test.service"], dir["backupps-unit-test.timer"]], artifacts.Select(a => a.Location));
        foreach (var artifact in artifacts) File.WriteAllText(artifact.Location, artifact.Text);
        var service = artifacts[0].Text;
        Assert.Contains("Type=oneshot", service);
        Assert.Contains("ExecStart=" + Environment.ProcessPath + " /opt/pwsh.dll -NoProfile -NonInteractive -ExecutionPolicy Bypass -File \""
            + dir.Path + "/job dir 100%% $$HOME/unit-test.ps1\"\n", service);
        Assert.Contains("OnCalendar=Tue,Sat *-*-* 04:30:00\n", artifacts[1].Text);
        Assert.Contains("Unit=backupps-unit-test.service\n", artifacts[1].Text);
        Assert.Contains("WantedBy=timers.target\n", artifacts[1].Text);
        var output = Tool.Run(analyze, dir.Path, "verify", artifacts[0].Location, artifacts[1].Location);
        Assert.True(output.ExitCode == 0, output.StdErr + output.StdOut);
        Assert.Equal("", output.StdErr.Trim());
    }

    [Fact]
    public void SystemdAnalyzeVerifyCatchesABrokenTimer()
    {
        // The check above can fail: the same tool refuses a bad calendar expression.
        const string analyze = "/usr/bin/systemd-analyze";
        if (!File.Exists(analyze)) return;
        using var dir = new TempDir();
        var text = SystemdScheduler.TimerText(Definition("broken")).Replace("*-*-* 02:00:00", "*-*-* 25:00:00");
        var path = dir.WriteFile("backupps-broken.timer", text);
        Assert.NotEqual(0, Tool.Run(analyze, dir.Path, "verify", path).ExitCode);
    }

    [Fact]
    public void SystemdInstallThatSystemctlRefusesLeavesNoUnitFiles()
    {
        if (Directory.Exists("/run/systemd/system")) return; // a real systemd would be asked to load units: not here
        using var dir = new TempDir();
        var systemd = new SystemdScheduler(dir.Path, user: false);
        // No systemd runs here: systemctl is missing (SchedulerNotAvailable) or cannot reach it (SchedulerCommandFailed).
        var ex = Assert.Throws<BackupException>(() => systemd.Install(Definition("refused")));
        Assert.Contains(ex.ErrorId, new[] { "SchedulerNotAvailable", "SchedulerCommandFailed" });
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        Assert.False(systemd.IsInstalled("refused"));
    }

    [Fact]
    public void TaskXmlHasTheTriggerAndTheQuotedAction()
    {
        var schedule = Definition("nightly", 2, 15, [DayOfWeek.Monday, DayOfWeek.Thursday],
            scriptPath: @"C:\Users\Ann Lee\AppData\Roaming\BackupPS\schedules\nightly.ps1", pwsh: [@"C:\Program Files\PowerShell\7\pwsh.exe"]);
        var xml = XDocument.Parse(WindowsTaskScheduler.TaskXml(schedule, @"HOST\ann"));
        XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        var trigger = xml.Descendants(ns + "CalendarTrigger").Single();
        Assert.EndsWith("T02:15:00", trigger.Element(ns + "StartBoundary")!.Value);
        Assert.Equal(["Monday", "Thursday"], trigger.Descendants(ns + "DaysOfWeek").Single().Elements().Select(e => e.Name.LocalName));
        Assert.Equal(@"\BackupPS\nightly", xml.Descendants(ns + "URI").Single().Value);
        Assert.Equal(@"C:\Program Files\PowerShell\7\pwsh.exe", xml.Descendants(ns + "Command").Single().Value);
        Assert.Equal(@"-NoProfile -NonInteractive -ExecutionPolicy Bypass -File ""C:\Users\Ann Lee\AppData\Roaming\BackupPS\schedules\nightly.ps1""",
            xml.Descendants(ns + "Arguments").Single().Value);
        Assert.Equal(@"HOST\ann", xml.Descendants(ns + "UserId").Single().Value);
        var daily = XDocument.Parse(WindowsTaskScheduler.TaskXml(Definition(), "ann"));
        Assert.Equal("1", daily.Descendants(ns + "DaysInterval").Single().Value);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("with space", "\"with space\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(@"C:\dir\", @"C:\dir\")]
    [InlineData(@"C:\my dir\", @"""C:\my dir\\""")]
    [InlineData("", "\"\"")]
    public void WindowsQuotingFollowsCommandLineToArgvW(string argument, string expected) =>
        Assert.Equal(expected, CommandQuoting.Windows(argument));

    [Fact]
    public void JobScriptQuotesPathsAsPowerShellLiteralsAndEmbedsTheScript()
    {
        // A record from before versions were recorded (no ModuleVersion) keeps importing its folder by path.
        var schedule = Definition() with { LogPath = "/srv/it's/log", ModuleRoot = "/opt/o'neil/BackupPS", ModuleVersion = null };
        var text = JobScript.Render(schedule);
        Assert.Contains("$BackupPSScheduleLog = '/srv/it''s/log'\n", text);
        Assert.Contains("Import-Module '/opt/o''neil/BackupPS' -ErrorAction Stop\n", text);
        Assert.Contains("\nNew-DbBackup /srv/app.db -Destination /srv/backups\n", text);
        Assert.Contains("$ErrorActionPreference = 'Stop'", text);
        Assert.Contains("exit 1", text);
        Assert.DoesNotContain("\r", text);
    }

    [Fact]
    public void JobScriptImportsTheInstalledModuleByNamePinnedToTheRegisteringVersion()
    {
        var pinned = Definition() with { ModuleRoot = "/work/out/BackupPS", ModuleVersion = "1.2.0" };
        var text = JobScript.Render(pinned);
        Assert.Equal("Import-Module -Name BackupPS -RequiredVersion '1.2.0' -ErrorAction Stop", pinned.ModuleImport);
        Assert.Contains("    try { Import-Module -Name BackupPS -RequiredVersion '1.2.0' -ErrorAction Stop }\n", text);
        Assert.Contains("'ModuleNotInstalled', [System.Management.Automation.ErrorCategory]::ObjectNotFound", text);
        Assert.Contains("Install-PSResource BackupPS -Version 1.2.0", text);
        Assert.DoesNotContain("/work/out/BackupPS", text); // never a path into a build folder

        var following = pinned with { FollowModuleUpdates = true };
        Assert.Equal("Import-Module -Name BackupPS -MinimumVersion '1.2.0' -ErrorAction Stop", following.ModuleImport);
        Assert.Contains("$_.Version -ge [version]'1.2.0'", JobScript.Render(following));
        Assert.DoesNotContain("-RequiredVersion", JobScript.Render(following));
    }

    [Theory]
    [InlineData("1.2.0", "1.2.0")]
    [InlineData("2.0", "2.0")]
    [InlineData("1.0'; Remove-Item -Recurse ~ #", null)]
    [InlineData("latest", null)]
    public void DefineAcceptsOnlyAVersionAsTheModuleVersion(string version, string? expected)
    {
        using var dir = new TempDir();
        var manager = new ScheduleManager(new ScheduleStore(dir["schedules"]));
        ScheduleDefinition Define() => manager.Define("nightly", new TimeOnly(2, 0), null, "Get-DbBackup /srv", "/srv/log", null, ["/usr/bin/pwsh"], "/opt/BackupPS", version, followModuleUpdates: true);
        if (expected is null)
        {
            Assert.Equal("InvalidModuleVersion", Assert.Throws<BackupException>(Define).ErrorId);
            return;
        }
        var schedule = Define();
        Assert.Equal(expected, schedule.ModuleVersion);
        Assert.True(schedule.FollowModuleUpdates);
        Assert.Equal("/opt/BackupPS", schedule.ModuleRoot);
    }

    [Fact]
    public void StoreRecordsTheModuleVersionRootAndFollowFlagAndReadsARecordFromBeforeThem()
    {
        using var dir = new TempDir();
        var store = new ScheduleStore(dir["schedules"]);
        var schedule = Definition("pinned") with { ScriptPath = store.ScriptPath("pinned"), EnvironmentFilePath = store.EnvironmentFilePath("pinned"), ModuleVersion = "0.3.1", FollowModuleUpdates = true };
        store.Save(new ScheduleRecord(schedule, SchedulerKind.Cron, DateTime.UtcNow));
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(store.RecordPath("pinned"))))
        {
            var root = json.RootElement;
            Assert.Equal("0.3.1", root.GetProperty("moduleVersion").GetString());
            Assert.Equal("/opt/BackupPS", root.GetProperty("moduleRoot").GetString());
            Assert.True(root.GetProperty("followModuleUpdates").GetBoolean());
            Assert.False(root.TryGetProperty("modulePath", out _));
        }
        var loaded = store.Load("pinned")!.Definition;
        Assert.Equal(("0.3.1", "/opt/BackupPS", true), (loaded.ModuleVersion, loaded.ModuleRoot, loaded.FollowModuleUpdates));
        Assert.Contains("-MinimumVersion '0.3.1'", File.ReadAllText(store.ScriptPath("pinned")));

        // A record written by an earlier BackupPS: modulePath, no version. It loads and keeps its import by path.
        var text = File.ReadAllText(store.RecordPath("pinned"));
        var old = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
        old.Remove("moduleVersion"); old.Remove("moduleRoot"); old.Remove("followModuleUpdates");
        old["modulePath"] = "/opt/old/BackupPS/BackupPS.psd1";
        File.WriteAllText(store.RecordPath("pinned"), old.ToJsonString());
        var legacy = store.Load("pinned")!.Definition;
        Assert.Null(legacy.ModuleVersion);
        Assert.False(legacy.FollowModuleUpdates);
        Assert.Equal("Import-Module '/opt/old/BackupPS' -ErrorAction Stop", legacy.ModuleImport);
    }

    [Fact]
    public void AFailedRegistrationKeepsTheScheduleThatWasThereAndLeavesNoNewOne()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        // A crontab program of our own (same interface as cron's: -l prints, - installs stdin) that refuses while 'refuse' exists.
        var crontab = dir["crontab.sh"];
        File.WriteAllText(crontab, $$"""
            #!/bin/sh
            table='{{dir["table"]}}'
            if [ "$1" = "-l" ]; then [ -f "$table" ] && cat "$table" && exit 0; echo "no crontab for tester" >&2; exit 1; fi
            if [ -f '{{dir["refuse"]}}' ]; then echo "crontab: installing new crontab refused" >&2; exit 1; fi
            cat > "$table"
            """);
        File.SetUnixFileMode(crontab, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var store = new ScheduleStore(dir["schedules"]);
        var manager = new ScheduleManager(store, _ => new CronScheduler(crontab));
        ScheduleDefinition At(string name, int hour) => Definition(name, hour) with { ScriptPath = store.ScriptPath(name), EnvironmentFilePath = store.EnvironmentFilePath(name) };

        manager.Register(At("nightly", 2), SchedulerKind.Cron, replace: false);
        var table = File.ReadAllText(dir["table"]);
        Assert.StartsWith("0 2 * * *", CronScheduler.EntryOf(table, "nightly"));
        var script = File.ReadAllText(store.ScriptPath("nightly"));

        File.WriteAllText(dir["refuse"], "");
        var replaced = Assert.Throws<BackupException>(() => manager.Register(At("nightly", 5), SchedulerKind.Cron, replace: true));
        Assert.Equal("SchedulerCommandFailed", replaced.ErrorId);
        Assert.Equal(new TimeOnly(2, 0), store.Load("nightly")!.Definition.At);
        Assert.Equal(script, File.ReadAllText(store.ScriptPath("nightly")));
        Assert.Equal(table, File.ReadAllText(dir["table"]));

        Assert.Throws<BackupException>(() => manager.Register(At("weekly", 3), SchedulerKind.Cron, replace: false));
        Assert.Null(store.Load("weekly"));
        Assert.False(File.Exists(store.ScriptPath("weekly")));
        Assert.Equal(["nightly"], store.Names());
    }

    [Fact]
    public void StoreKeepsPrivateFilesAndReadsBackWhatItWrote()
    {
        using var dir = new TempDir();
        var store = new ScheduleStore(dir["schedules"]);
        var schedule = Definition("kept", 6, 7, [DayOfWeek.Wednesday]) with
        {
            ScriptPath = store.ScriptPath("kept"),
            EnvironmentFilePath = store.EnvironmentFilePath("kept"),
            PwshCommand = ["/usr/share/dotnet/dotnet", "/x/pwsh.dll"],
        };
        var registered = new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        store.Save(new ScheduleRecord(schedule, SchedulerKind.Cron, registered));
        var loaded = store.Load("kept")!;
        Assert.Equal(SchedulerKind.Cron, loaded.Scheduler);
        Assert.Equal(registered, loaded.RegisteredUtc);
        Assert.Equal(schedule.Name, loaded.Definition.Name);
        Assert.Equal(schedule.At, loaded.Definition.At);
        Assert.Equal(schedule.DaysOfWeek, loaded.Definition.DaysOfWeek);
        Assert.Equal(schedule.JobArguments, loaded.Definition.JobArguments);
        Assert.Equal(schedule.Script, loaded.Definition.Script);
        Assert.Equal(["kept"], store.Names());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Folder));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.ScriptPath("kept")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.RecordPath("kept")));
        }
        store.Delete("kept");
        Assert.Empty(store.Names());
        Assert.Null(store.Load("kept"));
    }
}
