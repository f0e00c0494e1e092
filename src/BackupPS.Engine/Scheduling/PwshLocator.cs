namespace BackupPS.Engine.Scheduling;

/// <summary>How a scheduled job starts the same PowerShell that registered it.</summary>
public static class PwshLocator
{
    /// <summary>
    /// The program (and leading arguments) that starts this PowerShell: pwsh itself, or - when PowerShell runs as a
    /// .NET tool ("dotnet pwsh") - the dotnet host with pwsh.dll. <paramref name="pwshPath"/> (-PwshPath) overrides:
    /// a pwsh executable or pwsh.dll.
    /// </summary>
    /// <param name="processPath">The running process's executable (Environment.ProcessPath).</param>
    /// <param name="powerShellFolder">The folder of the running PowerShell's System.Management.Automation.dll (where pwsh.dll lies).</param>
    public static IReadOnlyList<string> Command(string? pwshPath, string? processPath, string powerShellFolder)
    {
        var process = processPath ?? "";
        var processName = Path.GetFileNameWithoutExtension(process).ToLowerInvariant();
        if (pwshPath is not null)
        {
            if (!File.Exists(pwshPath))
                throw new BackupException("PwshNotFound", BackupErrorKind.InvalidArgument, $"-PwshPath '{pwshPath}' does not exist.", pwshPath);
            if (!pwshPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) return [pwshPath];
            var host = processName == "dotnet" ? process : ProcessRunner.FindOnPath("dotnet")
                ?? throw new BackupException("PwshNotFound", BackupErrorKind.InvalidArgument, $"-PwshPath '{pwshPath}' is a .dll, but no 'dotnet' host was found on PATH to run it.", pwshPath);
            return [host, pwshPath];
        }
        if (processName == "pwsh") return [process];
        if (processName == "dotnet")
        {
            var dll = Path.Combine(powerShellFolder, "pwsh.dll");
            if (File.Exists(dll)) return [process, dll];
        }
        var beside = Path.Combine(powerShellFolder, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        if (File.Exists(beside)) return [beside];
        var onPath = ProcessRunner.FindOnPath("pwsh");
        if (onPath is not null) return [Path.GetFullPath(onPath)];
        throw new BackupException("PwshNotFound", BackupErrorKind.InvalidArgument,
            $"Cannot tell which PowerShell the job should run (this session runs in '{process}'). Give -PwshPath with the path of pwsh (or of pwsh.dll).", process);
    }
}
