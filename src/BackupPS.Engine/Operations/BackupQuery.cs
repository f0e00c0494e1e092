using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>The filters of Get-DbBackup, applied to what a destination lists; results newest first.</summary>
public sealed class BackupQuery
{
    /// <summary>Full ids or their leading hex digits (the short id in file names).</summary>
    public string[]? Ids { get; init; }
    /// <summary>Wildcard patterns (*, ?) matched case-insensitively against the database name.</summary>
    public string[]? DatabaseNames { get; init; }
    public BackupType[]? Types { get; init; }
    public string[]? Tags { get; init; }
    public DateTimeOffset? Before { get; init; }
    public DateTimeOffset? After { get; init; }
    /// <summary>Only the newest backup of each database (PreRestore copies only when Types asks for them).</summary>
    public bool Latest { get; init; }

    public IEnumerable<BackupRecord> Apply(IEnumerable<BackupRecord> records)
    {
        var matching = records
            .Where(r => Ids is null || Ids.Any(i => IdMatches(r.Id, i)))
            .Where(r => DatabaseNames is null || DatabaseNames.Any(p => WildcardMatch(p, r.DatabaseName)))
            .Where(r => Types is null ? !(Latest && r.Type == BackupType.PreRestore) : Types.Contains(r.Type))
            .Where(r => Tags is null || Tags.Any(t => r.Tags.Contains(t, StringComparer.OrdinalIgnoreCase)))
            .Where(r => Before is null || r.CreatedUtc < Before)
            .Where(r => After is null || r.CreatedUtc > After)
            .OrderByDescending(r => r.CreatedUtc)
            .ThenBy(r => r.Path, StringComparer.Ordinal);
        return Latest ? matching.GroupBy(r => r.DatabaseName, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).OrderByDescending(r => r.CreatedUtc) : matching;
    }

    /// <summary>
    /// One BackupNotFound (NotFound) error for each -Id, and each -DatabaseName without wildcards, that none of
    /// <paramref name="results"/> matches: an explicit name that finds nothing is an error, as with Get-Item; a
    /// wildcard that finds nothing is just an empty result.
    /// </summary>
    public IEnumerable<BackupException> Unmatched(IReadOnlyCollection<BackupRecord> results, string destination)
    {
        foreach (var id in Ids ?? [])
            if (!results.Any(r => IdMatches(r.Id, id)))
                yield return new BackupException("BackupNotFound", BackupErrorKind.NotFound,
                    $"No backup with the id '{id}' in '{destination}'{(Filtered ? " that matches the other filters" : "")}. Give the full id or at least 4 of its leading hex digits (Get-DbBackup '{destination}' lists the ids).", id);
        foreach (var name in DatabaseNames ?? [])
            if (name.IndexOfAny(['*', '?']) < 0 && !results.Any(r => WildcardMatch(name, r.DatabaseName)))
                yield return new BackupException("BackupNotFound", BackupErrorKind.NotFound,
                    $"No backup of a database named '{name}' in '{destination}'{(Filtered ? " that matches the other filters" : "")}. Get-DbBackup '{destination}' lists the databases; a wildcard (for example '{name}*') returns nothing instead of an error.", name);
    }

    private bool Filtered => Types is not null || Tags is not null || Before is not null || After is not null
        || (Ids is not null && DatabaseNames is not null);

    private static bool IdMatches(Guid id, string given)
    {
        var digits = given.Replace("-", "").Trim();
        return digits.Length >= 4 && id.ToString("N").StartsWith(digits, StringComparison.OrdinalIgnoreCase);
    }

    public static bool WildcardMatch(string pattern, string value) =>
        System.Text.RegularExpressions.Regex.IsMatch(value,
            "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}
