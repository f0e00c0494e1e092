using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BackupPS.Engine.Sources;

/// <summary>
/// The PostgreSQL client programs (pg_dump, pg_restore): found in -PgBinPath, on PATH, or in the usual install folders
/// (newest major first); run with the connection in PG* environment variables of the child only and an explicit
/// password in the child's PGPASSWORD, so nothing secret is ever on a command line.
/// </summary>
public static partial class PostgresTools
{
    /// <summary>The program and its major version; the newest found unless <paramref name="binPath"/> is given.</summary>
    public static (string Path, string Version, int Major) Find(string program, string? binPath, int? serverMajor = null)
    {
        var candidates = new List<string>();
        if (binPath is not null)
        {
            var p = Path.Combine(binPath, program);
            if (!File.Exists(p))
                throw new BackupException("PgDumpNotFound", BackupErrorKind.NotFound,
                    $"'{program}' was not found in -PgBinPath '{binPath}'. Give the folder that holds the PostgreSQL client programs (e.g. /usr/lib/postgresql/16/bin).", binPath);
            candidates.Add(p);
        }
        else
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var p = Path.Combine(dir, program);
                if (File.Exists(p)) { candidates.Add(p); break; }
            }
            foreach (var root in new[] { "/usr/lib/postgresql", "/usr/local/pgsql", "/opt/homebrew/opt" })
            {
                if (!Directory.Exists(root)) continue;
                foreach (var dir in Directory.GetDirectories(root).OrderByDescending(d => MajorOf(Path.GetFileName(d))))
                {
                    var p = Path.Combine(dir, "bin", program);
                    if (File.Exists(p)) candidates.Add(p);
                }
            }
            foreach (var dir in Directory.GetDirectories("/usr", "pgsql-*").OrderByDescending(d => MajorOf(d[10..])))
            {
                var p = Path.Combine(dir, "bin", program);
                if (File.Exists(p)) candidates.Add(p);
            }
        }
        if (candidates.Count == 0)
            throw new BackupException("PgDumpNotFound", BackupErrorKind.NotFound,
                $"'{program}' was not found on PATH nor in /usr/lib/postgresql/*/bin. Install the PostgreSQL client programs (Debian/Ubuntu: apt install postgresql-client) or give -PgBinPath.", program);
        (string Path, string Version, int Major)? best = null;
        foreach (var c in candidates.Distinct())
        {
            var version = VersionOf(c);
            var found = (c, version, MajorOf(version));
            if (best is null || (serverMajor is not null && best.Value.Major < serverMajor && found.Item3 > best.Value.Major)) best = found;
            if (serverMajor is null || best.Value.Major >= serverMajor) break;
        }
        return best!.Value;
    }

    /// <summary>"pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → "15.18".</summary>
    internal static string VersionOf(string program)
    {
        var (code, stdout, stderr) = Run(program, ["--version"], new Dictionary<string, string?>(), TimeSpan.FromSeconds(30));
        var m = VersionPattern().Match(stdout);
        if (code != 0 || !m.Success)
            throw new BackupException("PgDumpNotFound", BackupErrorKind.NotFound, $"'{program} --version' did not report a PostgreSQL version ({(stdout + stderr).Trim()}).", program);
        return m.Groups[1].Value;
    }

    public static int MajorOf(string version)
    {
        var m = Regex.Match(version, @"^(\d+)(?:\.(\d+))?");
        if (!m.Success) return 0;
        return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture); // 9.6 counts as 9: older than any supported server
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+(?:\.\d+)*)")]
    private static partial Regex VersionPattern();

    /// <summary>Starts a client program with its connection in the environment; stdout is the caller's to read.</summary>
    internal static Process Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string?> env, bool redirectStdout, bool keepStdinOpen = false)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = redirectStdout,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        try
        {
            var p = Process.Start(psi) ?? throw new InvalidOperationException("no process");
            if (!keepStdinOpen) p.StandardInput.Close(); // a password prompt must fail, not hang (callers feeding stdin pass --no-password)
            return p;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new BackupException("PgDumpNotFound", BackupErrorKind.NotFound, $"'{program}' cannot be started: {ex.Message}.", program, ex);
        }
    }

    internal static (int Code, string Stdout, string Stderr) Run(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string?> env, TimeSpan timeout, CancellationToken cancel = default)
    {
        using var p = Start(program, args, env, redirectStdout: true);
        var stdout = p.StandardOutput.ReadToEndAsync(cancel);
        var stderr = p.StandardError.ReadToEndAsync(cancel);
        WaitOrKill(p, timeout, cancel);
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    internal static void WaitOrKill(Process p, TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            if (timeout != Timeout.InfiniteTimeSpan) cts.CancelAfter(timeout);
            p.WaitForExitAsync(cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            throw;
        }
    }

    /// <summary>Maps a failing client program's stderr to a specific error id with its fix (see <see cref="PostgresErrorCatalog"/>).</summary>
    internal static BackupException ErrorFrom(string program, string stderr, string where) => PostgresErrorCatalog.Map(program, stderr, where);
}
