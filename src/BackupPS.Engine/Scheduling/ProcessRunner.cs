using System.Diagnostics;
using System.Text;

namespace BackupPS.Engine.Scheduling;

/// <summary>Runs a scheduler's own tool (crontab, systemctl, schtasks) with an argument list, never through a shell.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(string program, IEnumerable<string> arguments, string? standardInput = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new BackupException("SchedulerNotAvailable", BackupErrorKind.ResourceUnavailable,
                $"'{program}' could not be started ({ex.Message}). Is the scheduler installed? Choose another with -Scheduler.", program, ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (standardInput is not null)
            {
                // UTF-8 without a byte order mark: crontab would take a BOM as part of the first line.
                var bytes = new UTF8Encoding(false).GetBytes(standardInput);
                process.StandardInput.BaseStream.Write(bytes);
            }
            process.StandardInput.Close();
            process.WaitForExit();
            return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    public static Result RunChecked(string program, IEnumerable<string> arguments, string? standardInput = null)
    {
        var list = arguments.ToArray();
        var result = Run(program, list, standardInput);
        if (result.ExitCode != 0)
            throw new BackupException("SchedulerCommandFailed", BackupErrorKind.WriteError,
                $"'{program} {string.Join(' ', list)}' failed with exit code {result.ExitCode}: {(result.StandardError + result.StandardOutput).Trim()}", program);
        return result;
    }

    /// <summary>The first executable called <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in OperatingSystem.IsWindows() ? new[] { name + ".exe", name } : [name])
            {
                var path = Path.Combine(folder, candidate);
                if (File.Exists(path)) return path;
            }
        }
        return null;
    }
}
