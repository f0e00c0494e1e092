using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Audit;

/// <summary>The filters of Get-DbBackupAuditLog; results oldest first (log order), -Last keeps the newest N.</summary>
public sealed class AuditQuery
{
    public AuditOperation[]? Operations { get; init; }
    public AuditResult[]? Results { get; init; }
    /// <summary>Wildcard patterns (*, ?) matched case-insensitively against the database name.</summary>
    public string[]? DatabaseNames { get; init; }
    /// <summary>Full backup ids or at least 4 of their leading hex digits.</summary>
    public string[]? Ids { get; init; }
    public DateTimeOffset? After { get; init; }
    public DateTimeOffset? Before { get; init; }
    public int? Last { get; init; }

    public IEnumerable<AuditEntry> Apply(IEnumerable<AuditEntry> entries)
    {
        var matching = entries
            .Where(e => Operations is null || Operations.Contains(e.Operation))
            .Where(e => Results is null || Results.Contains(e.Result))
            .Where(e => DatabaseNames is null || DatabaseNames.Any(p => BackupQuery.WildcardMatch(p, e.Database ?? "")))
            .Where(e => Ids is null || (e.BackupId is { } id && Ids.Any(i => IdMatches(id, i))))
            .Where(e => After is null || e.Time > After)
            .Where(e => Before is null || e.Time < Before)
            .OrderBy(e => e.Time)
            .ToList();
        return Last is { } n ? matching.Skip(Math.Max(0, matching.Count - n)) : matching;
    }

    private static bool IdMatches(Guid id, string given)
    {
        var digits = given.Replace("-", "").Trim();
        return digits.Length >= 4 && id.ToString("N").StartsWith(digits, StringComparison.OrdinalIgnoreCase);
    }
}
