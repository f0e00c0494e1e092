using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BackupPS.Engine;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Scheduling;

namespace BackupPS.Cmdlets;

/// <summary>
/// Tab completion of -DatabaseName and -Id from the sidecars in the -Destination already typed (local folders only:
/// completion must not wait on the network), case-insensitive prefix match, quoted when needed.
/// </summary>
public abstract class BackupListCompleter : IArgumentCompleter
{
    private protected abstract IEnumerable<(string Value, string Tooltip)> Values(IReadOnlyList<Engine.Model.BackupRecord> records);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var destinations = fakeBoundParameters["Destination"] switch
        {
            string one => [one],
            IEnumerable many => many.Cast<object>().Select(o => o?.ToString()).OfType<string>().ToArray(),
            _ => Array.Empty<string>(),
        };
        var prefix = wordToComplete.Trim('\'', '"');
        var records = new List<Engine.Model.BackupRecord>();
        foreach (var location in destinations)
        {
            if (StoreRegistry.HasScheme(location)) continue;   // completion reads local folders only: no network on Tab
            try
            {
                // Relative to the PowerShell location; the completer runs on the pipeline thread, where a script block can ask.
                var path = ResolveScript.Invoke(location).FirstOrDefault()?.BaseObject as string ?? Path.GetFullPath(location);
                if (Directory.Exists(path)) records.AddRange(new LocalFolderDestination(path).List());
            }
            catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException or RuntimeException or ArgumentException) { }
        }
        return Values(records)
            .Where(v => v.Value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(v => v.Value, StringComparer.OrdinalIgnoreCase)
            .OrderBy(v => v.Value, StringComparer.OrdinalIgnoreCase)
            .Select(v => new CompletionResult(Quote(v.Value), v.Value, CompletionResultType.ParameterValue, v.Tooltip));
    }

    private static ScriptBlock ResolveScript => ScriptBlock.Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)");

    internal static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.') ? value : "'" + value.Replace("'", "''") + "'";
}

/// <summary>Database names of the backups in -Destination.</summary>
public sealed class DatabaseNameCompleter : BackupListCompleter
{
    private protected override IEnumerable<(string, string)> Values(IReadOnlyList<Engine.Model.BackupRecord> records) =>
        records.GroupBy(r => r.DatabaseName, StringComparer.OrdinalIgnoreCase).Select(g => (g.Key, $"{g.Key}: {g.Count()} backup(s)"));
}

/// <summary>Short ids of the backups in -Destination, newest first in the tooltip.</summary>
public sealed class BackupIdCompleter : BackupListCompleter
{
    private protected override IEnumerable<(string, string)> Values(IReadOnlyList<Engine.Model.BackupRecord> records) =>
        records.Select(r => (BackupPS.Engine.Format.BackupNaming.ShortId(r.Id), $"{r.DatabaseName} {r.Type} {r.CreatedUtc.ToLocalTime():yyyy-MM-dd HH:mm}"));
}

/// <summary>Names of the registered schedules.</summary>
public sealed class ScheduleNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        IReadOnlyList<string> names;
        try { names = new ScheduleStore().Names(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { names = []; }
        return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
