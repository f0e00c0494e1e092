namespace BackupPS.Engine.Sources;

/// <summary>
/// The -wal, -shm and -journal files SQLite pairs with a database by name alone: it replays a -wal and rolls back a hot
/// -journal into whatever database file carries that name, without checking that they belong to it.
/// </summary>
public static class SqliteLeftovers
{
    public static readonly string[] Suffixes = ["-wal", "-shm", "-journal"];

    /// <summary>
    /// Before a database file is created at <paramref name="database"/> by rename: companions already there belong to
    /// some other (deleted) database, so they are renamed to <c>&lt;name&gt;-wal.orphaned-&lt;UTC time&gt;</c> (kept,
    /// not deleted) and SQLite never applies them to the new file. No process can have them open through the database,
    /// which does not exist.
    /// </summary>
    public static List<string> MoveAsideOrphans(string database, OperationContext context)
    {
        var moved = new List<string>();
        foreach (var suffix in Suffixes)
        {
            if (!File.Exists(database + suffix)) continue;
            moved.Add(MoveAside(database + suffix, context,
                $"lies beside '{database}', which does not exist, so it belongs to another database"));
        }
        return moved;
    }

    /// <summary>
    /// Before anything opens an existing target: a -wal that provably belongs to another database (see
    /// <see cref="SqliteWal"/>) is moved aside with its -shm, kept, so neither the safety backup nor the restored image
    /// gets its frames. Only while no connection uses the target (<see cref="SqliteIdleHold"/>): a -wal some connection
    /// has open is live, and SQLite's own. A -wal consistent with the target (the hot WAL of a writer that died) stays:
    /// its committed transactions are part of what was there, so the safety backup holds them (SQLite replays them).
    /// </summary>
    public static List<string> MoveAsideForeignWal(string database, OperationContext context)
    {
        var moved = new List<string>();
        if (!File.Exists(database + "-wal")) return moved;
        using var hold = SqliteIdleHold.TryTake(database);
        if (hold is null || SqliteWal.Classify(database) != WalOwnership.Foreign) return moved;
        foreach (var suffix in new[] { "-wal", "-shm" })
        {
            if (!File.Exists(database + suffix)) continue;
            moved.Add(MoveAside(database + suffix, context,
                $"does not fit '{database}' (its page size, checkpointed pages or page-1 change counters contradict the database), so it belongs to another database"));
        }
        return moved;
    }

    private static string MoveAside(string companion, OperationContext context, string why)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var aside = $"{companion}.orphaned-{stamp}";
        for (var n = 2; File.Exists(aside); n++) aside = $"{companion}.orphaned-{stamp}-{n}";
        File.Move(companion, aside);
        context.Verbose($"'{companion}' {why}: moved aside to '{aside}' so SQLite cannot apply it to the restored database.");
        return aside;
    }
}
