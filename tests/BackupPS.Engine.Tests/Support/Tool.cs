using System.Diagnostics;

namespace BackupPS.Engine.Tests.Support;

/// <summary>Runs a real system tool (tar, zstd, sha256sum, sqlite3); the machine and CI install them.</summary>
public static class Tool
{
    public sealed record Output(int ExitCode, string StdOut, string StdErr);

    public static Output Run(string tool, string? workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["LC_ALL"] = "C.UTF-8";
        info.Environment["TZ"] = "UTC";
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"The tool '{tool}' is needed by this test but could not be started ({ex.Message}). Install it (apt: tar, zstd, coreutils, sqlite3).", ex);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new Output(process.ExitCode, stdout, stderr.Result);
        }
    }

    /// <summary>Runs the tool and fails the test unless it exits 0; returns its standard output.</summary>
    public static string Ok(string tool, string? workingDirectory, params string[] arguments)
    {
        var output = Run(tool, workingDirectory, arguments);
        if (output.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"{tool} {string.Join(' ', arguments)} exited {output.ExitCode}: {output.StdErr}{output.StdOut}");
        return output.StdOut;
    }
}
