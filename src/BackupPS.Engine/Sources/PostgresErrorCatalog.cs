using System.Text.RegularExpressions;

namespace BackupPS.Engine.Sources;

/// <summary>
/// What a PostgreSQL client program's stderr means: message pattern → error id, category and the fix. The first rule
/// that matches wins, so the narrower patterns come first (row-level security before permission denied). Unknown
/// messages are PostgresToolFailed with the tool's first ERROR line.
/// </summary>
internal static class PostgresErrorCatalog
{
    private sealed record Rule(Regex Pattern, string Id, BackupErrorKind Kind, Func<string, string, string, string> Message);

    private static Regex P(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    // Message(program, where, error line) → the text the user sees.
    private static readonly Rule[] Rules =
    [
        new(P("password authentication failed|no password supplied|authentication failed"), "PostgresAuthenticationFailed", BackupErrorKind.PermissionDenied,
            (program, where, line) => $"{program} could not log in to {where}: {line}. Check the user and password (-Credential, the URL, or PGPASSFILE/.pgpass)."),
        new(P("database \".*\" does not exist"), "DatabaseNotFound", BackupErrorKind.NotFound,
            (program, where, line) => $"{where}: {line}"),
        new(P("role \".*\" does not exist"), "PostgresRoleMissing", BackupErrorKind.NotFound,
            (program, where, line) => $"{program} on {where}: {line}. The backup refers to a role the target server does not have: create the role there (CREATE ROLE), or restore with -RestoreGlobals from a backup made with New-DbBackup -IncludeGlobals."),
        new(P("would be affected by row-level security policy"), "PostgresRowSecurityBlocked", BackupErrorKind.PermissionDenied,
            (program, where, line) => $"{program} on {where}: {line}. A row-level security policy would hide rows from the backup: back up as a superuser or a role with BYPASSRLS, or as the table's owner unless the table has FORCE ROW LEVEL SECURITY (which applies its policies to the owner too)."),
        new(P("could not obtain lock|lock timeout"), "DatabaseLocked", BackupErrorKind.ResourceBusy,
            (program, where, line) => $"{program}: a table of {where} stayed locked by another session for longer than the lock timeout: {line}. Retry when that session is done, or raise -LockTimeoutSec."),
        new(P("permission denied|must be owner|must be superuser"), "PostgresPermissionDenied", BackupErrorKind.PermissionDenied,
            (program, where, line) => $"{program} lacks a privilege on {where}: {line}. Use a role that can read every object (e.g. the database owner, or one granted pg_read_all_data); a restore also needs CREATEDB and ownership of the target database."),
        new(P("could not connect|Connection refused|could not translate host name|timeout expired"), "PostgresUnreachable", BackupErrorKind.ResourceUnavailable,
            (program, where, line) => $"{program} could not reach {where}: {line}"),
        new(P("server version mismatch|aborting because of server version mismatch|unsupported version"), "PgDumpTooOld", BackupErrorKind.ResourceUnavailable,
            (program, where, line) => $"{program}: {line}. Install the PostgreSQL client programs of the server's major version or newer, or give -PgBinPath."),
        new(P("No space left on device"), "DiskFull", BackupErrorKind.ResourceUnavailable,
            (program, where, line) => $"{program}: {line}"),
    ];

    /// <summary>The exception for a failing client program; messages never carry a password (the tools never print one).</summary>
    public static BackupException Map(string program, string stderr, string where)
    {
        var text = stderr.Trim();
        var line = ErrorLine(text);
        foreach (var rule in Rules)
            if (rule.Pattern.IsMatch(text)) return new BackupException(rule.Id, rule.Kind, rule.Message(program, where, line), where);
        return new BackupException("PostgresToolFailed", BackupErrorKind.InvalidData, $"{program} failed on {where}: {line}", where);
    }

    /// <summary>The first line with ERROR:/error:/FATAL: (the cause, not pg_restore's "while PROCESSING TOC" preamble), else the first lines.</summary>
    internal static string ErrorLine(string text)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var error = lines.FirstOrDefault(l => l.Contains("ERROR:", StringComparison.Ordinal) || l.Contains("FATAL:", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.Contains("error:", StringComparison.Ordinal));
        return error ?? string.Join(" ", lines.Take(4));
    }
}
