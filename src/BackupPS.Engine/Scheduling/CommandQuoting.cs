namespace BackupPS.Engine.Scheduling;

/// <summary>Quotes the job's arguments for the line a scheduler parses. User text never goes into these lines: only paths.</summary>
internal static class CommandQuoting
{
    /// <summary>Arguments made only of these characters need no quotes in sh or systemd.</summary>
    private static bool IsPlain(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '+' or ',' or '=' or '@');

    /// <summary>POSIX sh single quotes when needed: 'it'\''s'. Cron hands the command to /bin/sh.</summary>
    public static string Posix(string argument) =>
        IsPlain(argument) ? argument : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// systemd ExecStart= quoting: double quotes with C-style escapes; '%' starts a specifier (%%), '$' a variable
    /// substitution ($$).
    /// </summary>
    public static string Systemd(string argument) => IsPlain(argument) ? argument :
        "\"" + argument.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("%", "%%", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal) + "\"";

    /// <summary>Windows command-line quoting as CommandLineToArgvW parses it.</summary>
    public static string Windows(string argument)
    {
        if (argument.Length > 0 && argument.IndexOfAny([' ', '\t', '"']) < 0) return argument;
        var builder = new System.Text.StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\') { backslashes++; continue; }
            if (c == '"') builder.Append('\\', backslashes * 2 + 1);
            else builder.Append('\\', backslashes);
            backslashes = 0;
            builder.Append(c);
        }
        builder.Append('\\', backslashes * 2).Append('"');
        return builder.ToString();
    }

    /// <summary>Paths in a scheduler line cannot hold line breaks (and, for cron, '%', which cron turns into a newline).</summary>
    public static void RefuseUnusable(IEnumerable<string> arguments, string scheduler, params char[] extra)
    {
        foreach (var argument in arguments)
        {
            if (argument.IndexOfAny(['\n', '\r', '\0', .. extra]) >= 0)
                throw new BackupException("UnschedulablePath", BackupErrorKind.InvalidArgument,
                    $"The path '{argument}' cannot be written into a {scheduler} entry (it contains a line break{(extra.Length > 0 ? " or one of " + string.Join(' ', extra) : "")}). Move the module, PowerShell or the schedule folder (XDG_CONFIG_HOME) to a plainer path, or give -PwshPath.", argument);
        }
    }
}
