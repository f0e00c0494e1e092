using Npgsql;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>
/// -ExcludeTable of an inheritance parent or partitioned table whose children stay in the dump: pg_dump writes the
/// children with INHERITS / ATTACH PARTITION of a table the dump lacks, so pg_restore fails. Such a backup is refused
/// at once, before it can pass for a good one.
/// </summary>
internal static class PostgresExclusions
{
    /// <summary>Every (child, parent) of pg_inherits (inheritance and partitions) with both names, in the dump's snapshot.</summary>
    public static List<(uint Child, string ChildName, uint Parent, string ParentName)> Inheritance(NpgsqlConnection conn, NpgsqlTransaction tx)
    {
        var list = new List<(uint, string, uint, string)>();
        using var cmd = new NpgsqlCommand(
            "SELECT i.inhrelid, i.inhrelid::regclass::text, i.inhparent, i.inhparent::regclass::text FROM pg_inherits i " +
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r','p','f')", conn, tx);
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add((r.GetFieldValue<uint>(0), r.GetString(1), r.GetFieldValue<uint>(2), r.GetString(3)));
        return list;
    }

    public static void EnsureRestorable(PostgresDumpToc toc, IEnumerable<(uint Child, string ChildName, uint Parent, string ParentName)> inheritance, string where)
    {
        var orphans = inheritance.Where(i => toc.TableOids.Contains(i.Child) && !toc.TableOids.Contains(i.Parent)).ToList();
        if (orphans.Count == 0) return;
        var parents = string.Join(", ", orphans.Select(o => o.ParentName).Distinct().Take(5));
        var children = string.Join(", ", orphans.Select(o => o.ChildName).Take(5));
        throw new BackupException("ExcludedTableHasChildren", BackupErrorKind.InvalidArgument,
            $"-ExcludeTable leaves out {parents}, the parent of {children}, which stay in the dump: it could not be restored (their CREATE TABLE refers to the parent). Exclude the children too, or use -ExcludeTableData to keep the parent without its rows. No backup was written.", where);
    }
}
