using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Sources;

/// <summary>
/// The database itself, not its objects: locale, owner, ACL, comment, connection limit and the ALTER DATABASE / ALTER
/// ROLE … IN DATABASE settings. Read from the catalog at backup time into the manifest; at restore the scratch database
/// is created with the locale and, until the swap, only the restoring role can connect to it; the rest is applied in the
/// swap's own transaction, so the restored database appears with the backup's properties or not at all.
/// <para>
/// Why catalog rows and not the SQL of pg_dump --create: that SQL names the original database (a restore goes into a
/// scratch database first), pg_restore --create runs it outside a transaction before the data, and one missing role or
/// superuser-only parameter fails it as a whole. Rows let each entry be checked and, when the target cannot take it,
/// skipped with a warning that names it. The SQL written is pg_dump's (quoting of list parameters included).
/// </para>
/// </summary>
internal static partial class PostgresDatabaseProperties
{
    // pg_dump's variable_is_guc_list_quote(): their stored value is a list of quoted identifiers, each SET as a literal.
    private static readonly HashSet<string> ListQuoteParameters = new(StringComparer.OrdinalIgnoreCase)
        { "local_preload_libraries", "search_path", "session_preload_libraries", "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories" };

    private static readonly HashSet<string> DatabasePrivileges = new(StringComparer.Ordinal) { "CONNECT", "CREATE", "TEMPORARY" };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$")]
    private static partial Regex ParameterName();

    /// <summary>The properties of <paramref name="database"/> (any server from 9.x; the locale provider from 15, ICU rules from 16, datlocale from 17).</summary>
    public static PostgresDatabaseInfo Read(NpgsqlConnection conn, NpgsqlTransaction? tx, string database)
    {
        var v = conn.PostgreSqlVersion.Major;
        var provider = v >= 15 ? "d.datlocprovider::text" : "'c'";
        var icu = v >= 17 ? "CASE WHEN d.datlocprovider = 'i' THEN d.datlocale END" : v >= 15 ? "d.daticulocale" : "NULL::text";
        var builtin = v >= 17 ? "CASE WHEN d.datlocprovider = 'b' THEN d.datlocale END" : "NULL::text";
        var rules = v >= 16 ? "d.daticurules" : "NULL::text";
        var info = new PostgresDatabaseInfo();
        using (var cmd = new NpgsqlCommand($"SELECT {provider}, {icu}, {rules}, {builtin}, d.datconnlimit, pg_catalog.shobj_description(d.oid, 'pg_database'), d.datacl IS NULL " +
            "FROM pg_catalog.pg_database d WHERE d.datname = $1", conn, tx))
        {
            cmd.Parameters.AddWithValue(database);
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return info;
            info.LocaleProvider = r.GetString(0) switch { "i" => "icu", "b" => "builtin", _ => "libc" };
            info.IcuLocale = r.IsDBNull(1) ? null : r.GetString(1);
            info.IcuRules = r.IsDBNull(2) ? null : r.GetString(2);
            info.BuiltinLocale = r.IsDBNull(3) ? null : r.GetString(3);
            info.ConnectionLimit = r.GetInt32(4);
            info.Comment = r.IsDBNull(5) ? null : r.GetString(5);
            info.DefaultAcl = r.GetBoolean(6);
        }
        using (var cmd = new NpgsqlCommand("SELECT CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END, a.privilege_type, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text " +
            "FROM pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a WHERE d.datname = $1", conn, tx))
        {
            cmd.Parameters.AddWithValue(database);
            using var r = cmd.ExecuteReader();
            while (r.Read()) info.Acl.Add(new PostgresDatabaseGrant { Grantee = r.GetString(0), Privilege = r.GetString(1), Grantable = r.GetBoolean(2), Grantor = r.GetString(3) });
        }
        using (var cmd = new NpgsqlCommand("SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(s.setrole)::text END, c.item " +
            "FROM pg_catalog.pg_database d JOIN pg_catalog.pg_db_role_setting s ON s.setdatabase = d.oid, unnest(s.setconfig) WITH ORDINALITY c(item, n) " +
            "WHERE d.datname = $1 ORDER BY s.setrole <> 0, 1, c.n", conn, tx))
        {
            cmd.Parameters.AddWithValue(database);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var item = r.GetString(1);
                var eq = item.IndexOf('=');
                if (eq <= 0) continue;
                info.Settings.Add(new PostgresDatabaseSetting { Role = r.IsDBNull(0) ? null : r.GetString(0), Name = item[..eq], Value = item[(eq + 1)..] });
            }
        }
        return info;
    }

    /// <summary>For a backup without captured properties (older BackupPS, imported dumps): keep the target's ACL and connection limit in place, the defaults otherwise.</summary>
    public static PostgresDatabaseInfo Legacy(PostgresDatabaseInfo? current) => new()
    {
        DefaultAcl = current?.DefaultAcl ?? true, Acl = current?.Acl ?? [], ConnectionLimit = current?.ConnectionLimit ?? -1,
    };

    /// <summary>
    /// CREATE DATABASE statements for <paramref name="quotedName"/>, most faithful to the source first (encoding, collation,
    /// ctype, locale provider and ICU/builtin locale), then fallbacks the caller tries in turn with a warning. Every one
    /// creates the database refusing connections: see <see cref="OpenToCreatorOnly"/>.
    /// </summary>
    public static List<string> CreateStatements(string quotedName, PostgresInfo? pg, int targetMajor)
    {
        const string tail = " ALLOW_CONNECTIONS false";
        var head = $"CREATE DATABASE {quotedName} TEMPLATE template0";
        var list = new List<string>();
        if (pg is not null && pg.Encoding.Length > 0)
        {
            var libc = $"{head} ENCODING {Literal(pg.Encoding)} LC_COLLATE {Literal(pg.Collation)} LC_CTYPE {Literal(pg.Ctype)}";
            var db = pg.Database;
            if (db is { LocaleProvider: "icu", IcuLocale: { } icu } && targetMajor >= 15)
                list.Add($"{libc} LOCALE_PROVIDER icu ICU_LOCALE {Literal(icu)}{(db.IcuRules is { } rules && targetMajor >= 16 ? " ICU_RULES " + Literal(rules) : "")}{tail}");
            else if (db is { LocaleProvider: "builtin", BuiltinLocale: { } builtin } && targetMajor >= 17)
                list.Add($"{libc} LOCALE_PROVIDER builtin BUILTIN_LOCALE {Literal(builtin)}{tail}");
            list.Add(libc + tail);
            list.Add($"{head} ENCODING {Literal(pg.Encoding)}{tail}");
        }
        list.Add(head + tail);
        return list;
    }

    /// <summary>
    /// The new database's ACL becomes the creator's alone (PUBLIC's default CONNECT and TEMPORARY revoked) before it accepts
    /// connections: it was created refusing them, so no role that may connect by default ever sees the restore in progress.
    /// Superusers can connect anyway, as they can to any database.
    /// </summary>
    public static void OpenToCreatorOnly(NpgsqlConnection m, string quotedName)
    {
        PostgresServer.Execute(m, $"REVOKE ALL ON DATABASE {quotedName} FROM PUBLIC");
        PostgresServer.Execute(m, $"ALTER DATABASE {quotedName} WITH ALLOW_CONNECTIONS true");
    }

    /// <summary>What <see cref="Apply"/> did: a summary for the result and audit, and the warnings to give once the swap is committed.</summary>
    public sealed record Outcome(string Summary, IReadOnlyList<string> Warnings, int Skipped);

    /// <summary>
    /// Gives <paramref name="database"/> (the restored database, already renamed, inside the swap's transaction
    /// <paramref name="tx"/>) the backup's owner, ACL, comment, connection limit and settings, and ALLOW_CONNECTIONS
    /// <paramref name="allowConnections"/>. Each statement runs under a savepoint: one the target refuses (a missing role,
    /// a privilege the restoring role lacks, a parameter this server rejects) is skipped and named in a warning; other
    /// errors fail the swap (rolled back: the target is untouched).
    /// </summary>
    public static Outcome Apply(NpgsqlConnection m, NpgsqlTransaction tx, string database, string? owner, PostgresDatabaseInfo wanted, bool allowConnections)
    {
        var q = PostgresServer.Quote(database);
        var warnings = new List<string>();
        var skipped = new List<string>();
        var done = new List<string>();
        var referenced = new[] { owner }.Concat(wanted.Acl.Select(a => a.Grantee)).Concat(wanted.Settings.Select(s => s.Role))
            .Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).Distinct(StringComparer.Ordinal).ToArray();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        using (var cmd = new NpgsqlCommand("SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY($1)", m, tx))
        {
            cmd.Parameters.AddWithValue(referenced);
            using var r = cmd.ExecuteReader();
            while (r.Read()) existing.Add(r.GetString(0));
        }
        string currentUser;
        using (var cmd = new NpgsqlCommand("SELECT current_user::text", m, tx)) currentUser = (string)cmd.ExecuteScalar()!;

        void Skip(string what, string why)
        {
            skipped.Add(what);
            warnings.Add($"The restored database {q}: {what} was not restored: {why}.");
        }
        bool Try(string what, string sql)
        {
            PostgresServer.Execute(m, "SAVEPOINT backupps_property", tx);
            try
            {
                PostgresServer.Execute(m, sql, tx);
                PostgresServer.Execute(m, "RELEASE SAVEPOINT backupps_property", tx);
                return true;
            }
            catch (PostgresException ex) when (Refused(ex.SqlState))
            {
                PostgresServer.Execute(m, "ROLLBACK TO SAVEPOINT backupps_property", tx);
                Skip(what, ex.MessageText);
                return false;
            }
        }
        string MissingRole(string role) =>
            $"the role {PostgresServer.Quote(role)} does not exist on the target server (create it, or restore with -RestoreGlobals from a backup made with New-DbBackup -IncludeGlobals)";

        // Owner first: the grants below are then made by (or on behalf of) the final owner, as they were recorded.
        if (owner is not null && owner != currentUser)
        {
            if (!existing.Contains(owner))
            {
                skipped.Add($"owner {PostgresServer.Quote(owner)}");
                warnings.Add($"WARNING: the backup's database owner, role {PostgresServer.Quote(owner)}, does not exist on the target server, so the restored database {q} is owned by {PostgresServer.Quote(currentUser)} instead. " +
                    $"Create the role (CREATE ROLE) or restore with -RestoreGlobals from a backup made with New-DbBackup -IncludeGlobals, then run ALTER DATABASE {q} OWNER TO {PostgresServer.Quote(owner)}.");
            }
            else if (Try($"the owner {PostgresServer.Quote(owner)} (it stays owned by {PostgresServer.Quote(currentUser)})", $"ALTER DATABASE {q} OWNER TO {PostgresServer.Quote(owner)}"))
                done.Add("owner " + owner);
        }
        string finalOwner;
        using (var cmd = new NpgsqlCommand("SELECT pg_catalog.pg_get_userbyid(datdba)::text FROM pg_catalog.pg_database WHERE datname = $1", m, tx))
        {
            cmd.Parameters.AddWithValue(database);
            finalOwner = (string)cmd.ExecuteScalar()!;
        }

        // ACL: from nothing (the scratch database is the creator's alone), then exactly the backup's entries. The backup
        // owner's own entries go to whoever owns the database now.
        var grants = 0;
        if (wanted.DefaultAcl)
        {
            if (Try("PUBLIC's default CONNECT, TEMPORARY", $"GRANT CONNECT, TEMPORARY ON DATABASE {q} TO PUBLIC")) grants++;
        }
        else
        {
            Try("the revocation of the owner's default privileges", $"REVOKE ALL ON DATABASE {q} FROM PUBLIC, {PostgresServer.Quote(finalOwner)}");
            foreach (var group in wanted.Acl.Where(a => DatabasePrivileges.Contains(a.Privilege))
                .GroupBy(a => (Grantee: a.Grantee == owner ? finalOwner : a.Grantee, a.Grantable)))
            {
                var (grantee, grantable) = group.Key;
                var privileges = string.Join(", ", group.Select(a => a.Privilege).Distinct());
                var to = grantee.Length == 0 ? "PUBLIC" : PostgresServer.Quote(grantee);
                var what = $"the privilege {privileges} for {to}";
                if (grantee.Length > 0 && grantee != finalOwner && !existing.Contains(grantee)) { Skip(what, MissingRole(grantee)); continue; }
                if (Try(what, $"GRANT {privileges} ON DATABASE {q} TO {to}{(grantable ? " WITH GRANT OPTION" : "")}")) grants += group.Count();
            }
        }
        done.Add(wanted.DefaultAcl ? "default privileges" : $"{grants} privilege(s)");

        if (wanted.Comment is { } comment && Try("the comment", $"COMMENT ON DATABASE {q} IS {Literal(comment)}")) done.Add("comment");
        if (Try($"CONNECTION LIMIT {wanted.ConnectionLimit}", $"ALTER DATABASE {q} WITH ALLOW_CONNECTIONS {(allowConnections ? "true" : "false")} CONNECTION LIMIT {wanted.ConnectionLimit}"))
            done.Add($"connection limit {wanted.ConnectionLimit}");

        var settings = 0;
        foreach (var s in wanted.Settings)
        {
            var scope = s.Role is null ? $"ALTER DATABASE {q}" : $"ALTER ROLE {PostgresServer.Quote(s.Role)} IN DATABASE {q}";
            var what = s.Role is null ? $"the setting {s.Name} = {s.Value}" : $"the setting {s.Name} = {s.Value} for role {PostgresServer.Quote(s.Role)}";
            if (!ParameterName().IsMatch(s.Name)) { Skip(what, "not a parameter name"); continue; }
            if (s.Role is not null && !existing.Contains(s.Role)) { Skip(what, MissingRole(s.Role)); continue; }
            if (Try(what, $"{scope} SET {string.Join(".", s.Name.Split('.').Select(PostgresServer.Quote))} TO {SettingValue(s.Name, s.Value)}")) settings++;
        }
        done.Add($"{settings} setting(s)");
        var summary = "restored: " + string.Join(", ", done) + (skipped.Count > 0 ? $"; not restored ({skipped.Count}, see the warnings): " + string.Join("; ", skipped) : "");
        return new Outcome(summary, warnings, skipped.Count);
    }

    /// <summary>Errors of the target refusing one property (privilege, missing object, invalid value, unsupported); anything else fails the swap.</summary>
    private static bool Refused(string sqlState) => sqlState.Length == 5 && (sqlState[..2] is "42" or "22" or "0A" or "2B" || sqlState == "55000");

    /// <summary>The SQL for a stored value, as pg_dump writes it: a literal, or for list parameters one literal per element.</summary>
    internal static string SettingValue(string name, string value) =>
        ListQuoteParameters.Contains(name) ? string.Join(", ", SplitList(value).Select(Literal)) : Literal(value);

    /// <summary>Splits a stored list value ("a b", public) into its elements; double quotes are removed ("" is one quote).</summary>
    internal static List<string> SplitList(string value)
    {
        var items = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < value.Length && char.IsWhiteSpace(value[i])) i++;
            if (i >= value.Length) break;
            var sb = new StringBuilder();
            if (value[i] == '"')
            {
                i++;
                while (i < value.Length)
                {
                    if (value[i] == '"' && i + 1 < value.Length && value[i + 1] == '"') { sb.Append('"'); i += 2; }
                    else if (value[i] == '"') { i++; break; }
                    else sb.Append(value[i++]);
                }
                while (i < value.Length && value[i] != ',') i++;
            }
            else
            {
                while (i < value.Length && value[i] != ',') sb.Append(value[i++]);
            }
            items.Add(value.Length > 0 && sb.Length == 0 ? "" : sb.ToString().TrimEnd());
            if (i < value.Length && value[i] == ',') i++;
            else break;
        }
        return items;
    }

    private static string Literal(string s) => "'" + s.Replace("'", "''") + "'";
}
