namespace BackupPS.Engine.Format;

/// <summary>
/// The database-level properties of a PostgreSQL backup's source database (manifest "postgres.database"), read from
/// pg_database, pg_shdescription and pg_db_role_setting at backup time. A custom-format dump holds no object a restore
/// into another name could apply (its DATABASE entries are used by pg_restore --create only, under the original name).
/// Roles are kept by name: the restore looks them up on the target server.
/// </summary>
public sealed class PostgresDatabaseInfo
{
    /// <summary>"libc", "icu" or "builtin" (datlocprovider; "libc" before PostgreSQL 15).</summary>
    public string LocaleProvider { get; set; } = "libc";
    /// <summary>The ICU locale of an "icu" database (daticulocale; datlocale from PostgreSQL 17).</summary>
    public string? IcuLocale { get; set; }
    /// <summary>ICU tailoring rules (daticurules, PostgreSQL 16+).</summary>
    public string? IcuRules { get; set; }
    /// <summary>The locale of a "builtin" database (datlocale, PostgreSQL 17+).</summary>
    public string? BuiltinLocale { get; set; }
    /// <summary>datconnlimit: -1 is no limit.</summary>
    public int ConnectionLimit { get; set; } = -1;
    /// <summary>COMMENT ON DATABASE, or null.</summary>
    public string? Comment { get; set; }
    /// <summary>True when datacl is NULL: the default privileges (the owner all, PUBLIC CONNECT and TEMPORARY); Acl is then empty.</summary>
    public bool DefaultAcl { get; set; } = true;
    /// <summary>aclexplode(datacl): one entry per grantee and privilege. A role never granted anything is absent.</summary>
    public List<PostgresDatabaseGrant> Acl { get; set; } = [];
    /// <summary>ALTER DATABASE … SET (role null) and ALTER ROLE … IN DATABASE … SET, in catalog order.</summary>
    public List<PostgresDatabaseSetting> Settings { get; set; } = [];
}

public sealed class PostgresDatabaseGrant
{
    /// <summary>The role granted to; "" is PUBLIC.</summary>
    public string Grantee { get; set; } = "";
    /// <summary>CONNECT, CREATE or TEMPORARY.</summary>
    public string Privilege { get; set; } = "";
    public bool Grantable { get; set; }
    /// <summary>The role that granted it (informational: the restore grants as the database owner).</summary>
    public string? Grantor { get; set; }
}

public sealed class PostgresDatabaseSetting
{
    /// <summary>null: for every role (ALTER DATABASE … SET); else ALTER ROLE &lt;role&gt; IN DATABASE … SET.</summary>
    public string? Role { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The value as pg_db_role_setting stores it (e.g. <c>"a b", public</c> for search_path).</summary>
    public string Value { get; set; } = "";
}
