using System.Management.Automation;
using System.Management.Automation.Language;
using BackupPS.Engine;
using BackupPS.Engine.Scheduling;

namespace BackupPS.Cmdlets;

/// <summary>What the three schedule cmdlets share: how the job starts PowerShell and the module, and checks of the script text.</summary>
internal static class ScheduleCmdletSupport
{
    public static SchedulerKind Kind(DbBackupScheduler scheduler) => scheduler switch
    {
        DbBackupScheduler.Auto => Schedulers.Detect(),
        _ => Enum.Parse<SchedulerKind>(scheduler.ToString()),
    };

    /// <summary>The program (and leading arguments) that starts this PowerShell (see <see cref="PwshLocator.Command"/>).</summary>
    public static IReadOnlyList<string> PwshCommand(string? pwshPath) =>
        PwshLocator.Command(pwshPath, Environment.ProcessPath, Path.GetDirectoryName(typeof(PSObject).Assembly.Location) ?? "");

    /// <summary>The folder the running module was loaded from (recorded; the job imports the module by name).</summary>
    public static string ModuleRoot(PSCmdlet cmdlet) =>
        Path.GetFullPath(cmdlet.MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(ScheduleCmdletSupport).Assembly.Location)!);

    /// <summary>The running module's version (its manifest's ModuleVersion), which the job pins.</summary>
    public static string ModuleVersion(PSCmdlet cmdlet) =>
        (cmdlet.MyInvocation.MyCommand.Module?.Version ?? typeof(ScheduleCmdletSupport).Assembly.GetName().Version ?? new Version(0, 0)).ToString();

    /// <summary>
    /// True when the module folder sits where Import-Module -Name finds it in this session: &lt;entry&gt;/BackupPS
    /// or &lt;entry&gt;/BackupPS/&lt;version&gt; for an entry of PSModulePath. (The job's own PSModulePath may differ.)
    /// </summary>
    public static bool OnModulePath(string moduleRoot)
    {
        var entries = (Environment.GetEnvironmentVariable("PSModulePath") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(e => Path.TrimEndingDirectorySeparator(Path.GetFullPath(e)));
        var parent = Path.GetDirectoryName(moduleRoot);
        var grandparent = parent is null ? null : Path.GetDirectoryName(parent);
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return entries.Any(e => string.Equals(e, parent, comparison)
            || (string.Equals(e, grandparent, comparison) && Path.GetFileName(parent).Equals("BackupPS", comparison)));
    }

    /// <summary>Parses the script; a syntax error is a terminating InvalidScheduleScript error.</summary>
    public static ScriptBlockAst Parse(string script)
    {
        var ast = Parser.ParseInput(script, out _, out var errors);
        if (errors.Length > 0)
            throw new BackupException("InvalidScheduleScript", BackupErrorKind.InvalidArgument,
                $"The schedule's script does not parse: {errors[0].Message} (line {errors[0].Extent.StartLineNumber}).", script);
        return ast;
    }

    private static readonly string[] SecretParameters = ["Passphrase", "CertificatePassword", "Password"];

    /// <summary>
    /// Refuses scripts that carry a secret as text (a literal after -Passphrase/-CertificatePassword/-Password,
    /// ConvertTo-SecureString -AsPlainText with a literal, or a literal assigned to an $env: variable that looks
    /// like a secret): the job script is a file on disk. The job should read secrets from -PassphraseFile or its
    /// environment file instead.
    /// </summary>
    public static void RefuseSecrets(ScriptBlockAst ast)
    {
        foreach (var command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>())
        {
            var elements = command.CommandElements;
            if ("ConvertTo-SecureString".Equals(command.GetCommandName(), StringComparison.OrdinalIgnoreCase)
                && elements.OfType<CommandParameterAst>().Any(p => "AsPlainText".Equals(p.ParameterName, StringComparison.OrdinalIgnoreCase))
                && elements.Skip(1).Any(IsLiteral))
                throw Secret("ConvertTo-SecureString -AsPlainText is given a literal text");
            for (var i = 0; i < elements.Count; i++)
            {
                if (elements[i] is not CommandParameterAst parameter) continue;
                if (!SecretParameters.Any(s => s.Equals(parameter.ParameterName, StringComparison.OrdinalIgnoreCase))) continue;
                var argument = parameter.Argument ?? (i + 1 < elements.Count ? elements[i + 1] : null);
                if (argument is not null && IsLiteral(argument))
                    throw Secret($"-{parameter.ParameterName} is followed by a literal text");
            }
        }
        foreach (var assignment in ast.FindAll(a => a is AssignmentStatementAst, true).Cast<AssignmentStatementAst>())
        {
            if (assignment.Left is VariableExpressionAst { VariablePath: { IsDriveQualified: true } path }
                && path.DriveName.Equals("env", StringComparison.OrdinalIgnoreCase)
                && System.Text.RegularExpressions.Regex.IsMatch(path.UserPath, "PASS|SECRET|TOKEN|KEY|PWD", System.Text.RegularExpressions.RegexOptions.IgnoreCase)
                && assignment.Right is CommandExpressionAst { Expression: var right } && IsLiteral(right))
                throw Secret($"{assignment.Left.Extent.Text} is set to a literal text");
        }
    }

    /// <summary>Text written into the script itself (not a variable or an expression read at run time).</summary>
    private static bool IsLiteral(Ast ast) =>
        ast is StringConstantExpressionAst || ast is ExpandableStringExpressionAst { NestedExpressions.Count: 0 };

    private static BackupException Secret(string what) => new("SecretInSchedule", BackupErrorKind.InvalidArgument,
        $"The schedule's script would hold a secret in clear text ({what}); the job script is saved to disk. Read it at run time instead: -PassphraseFile <file with mode 0600>, or put NAME=value lines (e.g. BACKUPPS_PASSPHRASE=...) in the schedule's environment file (chmod 600), which the job loads. See Get-Help Register-DbBackupSchedule -Full.");

    /// <summary>The first absolute, local -Destination given as a literal to New-DbBackup in the script, or null.</summary>
    public static string? DestinationOf(ScriptBlockAst ast)
    {
        foreach (var command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>())
        {
            if (!"New-DbBackup".Equals(command.GetCommandName(), StringComparison.OrdinalIgnoreCase)) continue;
            var elements = command.CommandElements;
            for (var i = 1; i < elements.Count; i++)
            {
                if (elements[i] is not CommandParameterAst parameter || parameter.ParameterName.Length < 4
                    || !"Destination".StartsWith(parameter.ParameterName, StringComparison.OrdinalIgnoreCase)) continue;
                var argument = parameter.Argument ?? (i + 1 < elements.Count ? elements[i + 1] : null);
                if (argument is not StringConstantExpressionAst { Value: var value } || value.Contains("://", StringComparison.Ordinal)) return null;
                if (value.StartsWith("~/", StringComparison.Ordinal) || value == "~")
                    value = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value.Length > 2 ? value[2..] : "");
                return Path.IsPathRooted(value) ? Path.GetFullPath(value) : null;
            }
        }
        return null;
    }
}
