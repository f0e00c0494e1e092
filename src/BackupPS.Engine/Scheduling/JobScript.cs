namespace BackupPS.Engine.Scheduling;

/// <summary>
/// The PowerShell file a schedule runs: loads the optional 0600 environment file, imports the installed BackupPS by
/// name and version (ModuleNotInstalled when no such version is installed),
/// runs the user's script with $ErrorActionPreference = 'Stop', writes timestamped lines to the log and exits 1 on
/// any error, any written error record, or any result with Passed = $false (0 otherwise), so the scheduler records
/// the failure.
/// </summary>
internal static class JobScript
{
    /// <summary>A PowerShell single-quoted string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal)
        .Replace("\u2018", "\u2018\u2018", StringComparison.Ordinal).Replace("\u2019", "\u2019\u2019", StringComparison.Ordinal)
        .Replace("\u201A", "\u201A\u201A", StringComparison.Ordinal).Replace("\u201B", "\u201B\u201B", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The import by name and version; when it fails because no such version is on PSModulePath, a ModuleNotInstalled
    /// error (ObjectNotFound) that says what to do. Other import failures (a broken install) keep their own error.
    /// </summary>
    private static string ImportBlock(ScheduleDefinition schedule)
    {
        if (schedule.ModuleVersion is null) return "    " + schedule.ModuleImport;
        var version = Literal(schedule.ModuleVersion);
        var (test, wanted, fix) = schedule.FollowModuleUpdates
            ? ("$_.Version -ge [version]" + version, $"{schedule.ModuleVersion} or later", "Install-PSResource BackupPS")
            : ("$_.Version -eq [version]" + version, schedule.ModuleVersion, $"Install-PSResource BackupPS -Version {schedule.ModuleVersion}");
        var hint = schedule.FollowModuleUpdates ? "" : ", or register the schedule again (with -FollowModuleUpdates to accept later versions)";
        return $$"""
    try { {{schedule.ModuleImport}} }
    catch {
        if (@(Get-Module -ListAvailable -Name {{ScheduleDefinition.ModuleName}} | Where-Object { {{test}} }).Count -gt 0) { throw }
        throw [System.Management.Automation.ErrorRecord]::new(
            [System.Management.Automation.ItemNotFoundException]::new("The module {{ScheduleDefinition.ModuleName}} {{wanted}} that this schedule imports is not installed (PSModulePath: $env:PSModulePath). Install it ({{fix}}){{hint}}; a PSModulePath=... line in the schedule's environment file adds a folder."),
            'ModuleNotInstalled', [System.Management.Automation.ErrorCategory]::ObjectNotFound, {{Literal(ScheduleDefinition.ModuleName)}})
    }
    $BackupPSScheduleModule = Get-Module -Name {{ScheduleDefinition.ModuleName}}
    Write-BackupPSScheduleLog "imported {{ScheduleDefinition.ModuleName}} $($BackupPSScheduleModule.Version) from $($BackupPSScheduleModule.ModuleBase)"
""";
    }

    public static string Render(ScheduleDefinition schedule)
    {
        var body = schedule.Script.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
        return $$"""
# BackupPS schedule '{{schedule.Name}}', written by Register-DbBackupSchedule. Do not edit: register it again
# with -Force to change it. No secrets belong here: put them in the environment file below (mode 0600).
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$PSNativeCommandUseErrorActionPreference = $true
$BackupPSScheduleName = {{Literal(schedule.Name)}}
$BackupPSScheduleLog = {{Literal(schedule.LogPath)}}
$BackupPSScheduleEnvironment = {{Literal(schedule.EnvironmentFilePath)}}

function Write-BackupPSScheduleLog([string] $Line) {
    $stamp = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')
    if (-not [IO.File]::Exists($BackupPSScheduleLog)) {
        $folder = [IO.Path]::GetDirectoryName($BackupPSScheduleLog)
        if (-not [IO.Directory]::Exists($folder)) {
            if ($IsWindows) { $null = [IO.Directory]::CreateDirectory($folder) }
            else { $null = [IO.Directory]::CreateDirectory($folder, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute') }
        }
        $options = [IO.FileStreamOptions]@{ Mode = 'CreateNew'; Access = 'Write' }
        if (-not $IsWindows) { $options.UnixCreateMode = [IO.UnixFileMode]'UserRead, UserWrite' }
        try { [IO.FileStream]::new($BackupPSScheduleLog, $options).Dispose() } catch [IO.IOException] { }
    }
    [IO.File]::AppendAllText($BackupPSScheduleLog, "$stamp [$BackupPSScheduleName] $Line`n")
}

try {
    Write-BackupPSScheduleLog "started (pid $PID, user $([Environment]::UserName))"
    if ([IO.File]::Exists($BackupPSScheduleEnvironment)) {
        if (-not $IsWindows -and ([int][IO.File]::GetUnixFileMode($BackupPSScheduleEnvironment) -band 0x3F)) {
            throw "The environment file '$BackupPSScheduleEnvironment' is readable by other users: chmod 600 it."
        }
        foreach ($line in [IO.File]::ReadAllLines($BackupPSScheduleEnvironment)) {
            if ($line -match '^\s*(#|$)') { continue }
            if ($line -notmatch '^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$') { throw "The environment file '$BackupPSScheduleEnvironment' has a line that is not NAME=value." }
            [Environment]::SetEnvironmentVariable($Matches[1], $Matches[2])
        }
        Write-BackupPSScheduleLog "loaded the environment file"
    }
{{ImportBlock(schedule)}}
    # Never a false success. A written error fails the run even when the script lets it continue
    # (-ErrorAction Continue): the *>&1 below brings every written error record here, whereas $Error would also
    # hold errors the script caught and handled itself. A result whose Passed is $false (Test-DbBackup of a
    # damaged backup) fails it too, though it is output, not an error.
    $BackupPSScheduleFailures = [System.Collections.Generic.List[string]]::new()
    & {
{{body}}
    } *>&1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.ErrorRecord]) { $BackupPSScheduleFailures.Add("error: $($_.Exception.Message)"); "ERROR: $($_.Exception.Message) [$($_.FullyQualifiedErrorId)]" }
        elseif ($_ -is [System.Management.Automation.WarningRecord]) { "WARNING: $($_.Message)" }
        elseif ($_ -is [System.Management.Automation.VerboseRecord]) { "VERBOSE: $($_.Message)" }
        elseif ($_ -is [System.Management.Automation.InformationRecord]) { "$($_.MessageData)" }
        else {
            if ($null -ne $_ -and $_.PSObject.Properties['Passed'] -and $_.Passed -is [bool] -and -not $_.Passed) {
                $what = if ($_.PSObject.Properties['Path'] -and $_.Path) { " for '$($_.Path)'" } else { '' }
                $why = if ($_.PSObject.Properties['FailureReason'] -and $_.FailureReason) { ": $($_.FailureReason)" } else { '' }
                $BackupPSScheduleFailures.Add("a result$what has Passed = False$why")
            }
            $_
        }
    } | Out-String -Stream -Width 200 | ForEach-Object { if ($_.Trim()) { Write-BackupPSScheduleLog $_ } }
    if ($BackupPSScheduleFailures.Count -gt 0) {
        throw "$($BackupPSScheduleFailures.Count) problem(s) in the run: $($BackupPSScheduleFailures -join '; ')"
    }
    Write-BackupPSScheduleLog 'finished: success'
    exit 0
}
catch {
    $message = "FAILED: $($_.Exception.Message)"
    if ($_.FullyQualifiedErrorId) { $message += " [$($_.FullyQualifiedErrorId)]" }
    try { Write-BackupPSScheduleLog $message; Write-BackupPSScheduleLog "at $($_.InvocationInfo.PositionMessage -replace '\s*\n\s*', ' ')" } catch { }
    [Console]::Error.WriteLine("BackupPS schedule '$BackupPSScheduleName': $message")
    exit 1
}

""".Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
