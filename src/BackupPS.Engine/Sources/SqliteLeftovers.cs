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
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var suffix in Suffixes)
        {
            var companion = database + suffix;
            if (!File.Exists(companion)) continue;
            var aside = $"{companion}.orphaned-{stamp}";
            for (var n = 2; File.Exists(aside); n++) aside = $"{companion}.orphaned-{stamp}-{n}";
            File.Move(companion, aside);
            context.Verbose($"'{companion}' lies beside '{database}', which does not exist, so it belongs to another database: moved aside to '{aside}' so SQLite cannot apply it to the restored database.");
            moved.Add(aside);
        }
        return moved;
    }
}
