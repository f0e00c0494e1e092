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

    /// <summary>Maps a failing client program's stderr to the same error ids as a failing Npgsql connection; messages never carry a password.</summary>
    internal static BackupException ErrorFrom(string program, string stderr, string where)
    {
        var text = stderr.Trim();
        var firstLines = string.Join(" ", text.Split('\n').Take(4).Select(l => l.Trim()));
        if (Regex.IsMatch(text, "password authentication failed|no password supplied|authentication failed", RegexOptions.IgnoreCase))
            return new BackupException("PostgresAuthenticationFailed", BackupErrorKind.PermissionDenied, $"{program} could not log in to {where}: {firstLines}. Check the user and password (-Credential, the URL, or PGPASSFILE/.pgpass).", where);
        if (Regex.IsMatch(text, "database \".*\" does not exist", RegexOptions.IgnoreCase))
            return new BackupException("DatabaseNotFound", BackupErrorKind.NotFound, $"{where}: {firstLines}", where);
        if (Regex.IsMatch(text, "permission denied|must be owner|must be superuser", RegexOptions.IgnoreCase))
            return new BackupException("PostgresPermissionDenied", BackupErrorKind.PermissionDenied, $"{program} lacks a privilege on {where}: {firstLines}. Use a role that can read every object (e.g. the database owner, or one granted pg_read_all_data).", where);
        if (Regex.IsMatch(text, "could not connect|Connection refused|could not translate host name|timeout expired", RegexOptions.IgnoreCase))
            return new BackupException("PostgresUnreachable", BackupErrorKind.ResourceUnavailable, $"{program} could not reach {where}: {firstLines}", where);
        if (Regex.IsMatch(text, "server version mismatch|aborting because of server version mismatch|unsupported version", RegexOptions.IgnoreCase))
            return new BackupException("PgDumpTooOld", BackupErrorKind.ResourceUnavailable, $"{program}: {firstLines}. Install the PostgreSQL client programs of the server's major version or newer, or give -PgBinPath.", where);
        if (Regex.IsMatch(text, "could not obtain lock|lock timeout", RegexOptions.IgnoreCase))
            return new BackupException("DatabaseLocked", BackupErrorKind.ResourceBusy, $"{program}: a table of {where} stayed locked by another session for longer than the lock timeout: {firstLines}. Retry when that session is done, or raise -LockTimeoutSec.", where);
        if (Regex.IsMatch(text, "No space left on device", RegexOptions.IgnoreCase))
            return new BackupException("DiskFull", BackupErrorKind.ResourceUnavailable, $"{program}: {firstLines}", where);
        return new BackupException("PostgresToolFailed", BackupErrorKind.InvalidData, $"{program} failed on {where}: {firstLines}", where);
    }
}
