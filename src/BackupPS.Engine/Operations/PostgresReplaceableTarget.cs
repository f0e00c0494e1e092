using Npgsql;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Whether an existing target database can be replaced by the swap (rename it away, rename the restored one in, drop
/// the old one), checked before anything heavy so a refusal leaves the target and the server as they were: a template
/// database cannot be dropped (the old copy would stay behind), and only its owner or a superuser may rename it.
/// Returns the target's tablespace when it is not pg_default: the restored database is created there too.
/// </summary>
internal static class PostgresReplaceableTarget
{
    public static string? Ensure(NpgsqlConnection maintenance, PostgresConnectionInfo target)
    {
        using var cmd = new NpgsqlCommand(
            "SELECT d.datistemplate, pg_has_role(d.datdba, 'USAGE'), pg_get_userbyid(d.datdba), current_user, (SELECT spcname FROM pg_tablespace t WHERE t.oid = d.dattablespace) FROM pg_database d WHERE d.datname = $1", maintenance);
        cmd.Parameters.AddWithValue(target.Database);
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        var (template, owns, owner, user) = (r.GetBoolean(0), r.GetBoolean(1), r.GetString(2), r.GetString(3));
        var tablespace = r.IsDBNull(4) ? null : r.GetString(4);
        if (template)
            throw new BackupException("PostgresTargetIsTemplate", BackupErrorKind.InvalidArgument,
                $"{target.Display()} is a template database (datistemplate), which a restore cannot replace (the replaced copy could not be dropped). Restore under another name, or run ALTER DATABASE … IS_TEMPLATE false first.", target.Display());
        if (!owns)
            throw new BackupException("PostgresPermissionDenied", BackupErrorKind.PermissionDenied,
                $"{target.Display()} is owned by role '{owner}', and '{user}' is neither that owner nor a member of it, so it cannot replace the database. Restore as the owner or a superuser, or under another name.", target.Display());
        return tablespace is null or "pg_default" ? null : tablespace;
    }
}
