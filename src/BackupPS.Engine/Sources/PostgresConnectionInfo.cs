using System.Text;
using Npgsql;

namespace BackupPS.Engine.Sources;

/// <summary>
/// Where a PostgreSQL database is: parsed from a postgres:// / postgresql:// URL (as in DATABASE_URL) or an Npgsql
/// connection string. The password (from the URL, the connection string or -Credential) is kept as bytes and only ever
/// leaves this object towards Npgsql or a private 0600 passfile for pg_dump/pg_restore: never argv, never text output.
/// </summary>
public sealed class PostgresConnectionInfo
{
    private static readonly string[] ConnectionStringKeys =
        ["host", "server", "port", "database", "db", "username", "user id", "userid", "user", "password", "passfile", "ssl mode", "sslmode"];

    public string Host { get; init; } = "localhost";
    public int Port { get; init; } = 5432;
    public string Database { get; init; } = "";
    public string? Username { get; init; }
    /// <summary>UTF-8 password bytes, or null to let libpq/Npgsql find one (PGPASSFILE, ~/.pgpass) or use none.</summary>
    internal byte[]? Password { get; init; }
    public string? SslMode { get; init; }
    public string? SslRootCert { get; init; }
    public string? SslCert { get; init; }
    public string? SslKey { get; init; }
    public string? Passfile { get; init; }
    public int? ConnectTimeoutSec { get; init; }

    public bool HasPassword => Password is not null;

    /// <summary>True for a postgres:// or postgresql:// URL or a connection string with Host=/Database=-style keys; anything else is a SQLite path.</summary>
    public static bool IsPostgres(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        var v = value.TrimStart();
        if (v.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || v.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)) return true;
        if (!v.Contains('=')) return false;
        foreach (var part in v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return false;
            if (!ConnectionStringKeys.Contains(part[..eq].Trim().ToLowerInvariant())) continue;
            return true;
        }
        return false;
    }

    public static PostgresConnectionInfo Parse(string value, string? username = null, byte[]? password = null)
    {
        var info = value.TrimStart().StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && value.Contains("://") ? ParseUrl(value.Trim()) : ParseConnectionString(value);
        if (username is null && password is null) return info;
        return info.With(username: username ?? info.Username, password: password ?? info.Password);
    }

    public PostgresConnectionInfo WithDatabase(string database) => With(database: database);

    private PostgresConnectionInfo With(string? database = null, string? username = null, byte[]? password = null) => new()
    {
        Host = Host, Port = Port, Database = database ?? Database, Username = username ?? Username, Password = password ?? Password,
        SslMode = SslMode, SslRootCert = SslRootCert, SslCert = SslCert, SslKey = SslKey, Passfile = Passfile, ConnectTimeoutSec = ConnectTimeoutSec,
    };

    private static PostgresConnectionInfo ParseUrl(string url)
    {
        Uri uri;
        // libpq allows an empty host (postgres://user@/db?host=/socket/dir), and Display writes one for a socket; .NET's
        // Uri does not parse "user@" without a host, so the default host is filled in (a host= option still wins).
        var withHost = System.Text.RegularExpressions.Regex.Replace(url, "^(?i)(postgres(?:ql)?://(?:[^/@?#]*@)?)(?=[/?#]|$)", "${1}localhost");
        try { uri = new Uri(withHost); }
        catch (UriFormatException ex) { throw Invalid(url, ex.Message); }
        string? user = null;
        byte[]? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) password = Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
        }
        var host = uri.Host.Length > 0 ? uri.Host.Trim('[', ']') : "localhost";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port;
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        string? sslmode = null, rootcert = null, cert = null, key = null, passfile = null;
        int? timeout = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var k = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var v = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            switch (k)
            {
                case "sslmode": sslmode = v; break;
                case "sslrootcert": rootcert = v; break;
                case "sslcert": cert = v; break;
                case "sslkey": key = v; break;
                case "passfile": passfile = v; break;
                case "host": host = v; break;
                case "port": port = int.TryParse(v, out var p) ? p : throw Invalid(url, $"port '{v}' is not a number"); break;
                case "user": user = v; break;
                case "dbname": database = v; break;
                case "password": password = Encoding.UTF8.GetBytes(v); break;
                case "connect_timeout": timeout = int.TryParse(v, out var t) ? t : null; break;
                case "application_name": break;
                default: throw Invalid(url, $"the URL option '{k}' is not supported (supported: sslmode, sslrootcert, sslcert, sslkey, passfile, host, port, user, dbname, connect_timeout)");
            }
        }
        return new PostgresConnectionInfo
        {
            Host = host, Port = port, Database = database, Username = user, Password = password,
            SslMode = sslmode, SslRootCert = rootcert, SslCert = cert, SslKey = key, Passfile = passfile, ConnectTimeoutSec = timeout,
        };
    }

    private static PostgresConnectionInfo ParseConnectionString(string value)
    {
        NpgsqlConnectionStringBuilder b;
        try { b = new NpgsqlConnectionStringBuilder(value); }
        catch (ArgumentException ex) { throw Invalid("(connection string)", ex.Message); }
        return new PostgresConnectionInfo
        {
            Host = string.IsNullOrEmpty(b.Host) ? "localhost" : b.Host,
            Port = b.Port,
            Database = b.Database ?? "",
            Username = b.Username,
            Password = b.Password is null ? null : Encoding.UTF8.GetBytes(b.Password),
            SslMode = b.SslMode == Npgsql.SslMode.Prefer && !value.Contains("ssl", StringComparison.OrdinalIgnoreCase) ? null : LibpqSslMode(b.SslMode),
            SslRootCert = b.RootCertificate, SslCert = b.SslCertificate, SslKey = b.SslKey, Passfile = b.Passfile,
            ConnectTimeoutSec = value.Contains("timeout", StringComparison.OrdinalIgnoreCase) ? b.Timeout : null,
        };
    }

    private static string LibpqSslMode(SslMode mode) => mode switch
    {
        Npgsql.SslMode.Disable => "disable",
        Npgsql.SslMode.Allow => "allow",
        Npgsql.SslMode.Require => "require",
        Npgsql.SslMode.VerifyCA => "verify-ca",
        Npgsql.SslMode.VerifyFull => "verify-full",
        _ => "prefer",
    };

    private static SslMode NpgsqlSslMode(string mode) => mode.ToLowerInvariant() switch
    {
        "disable" => Npgsql.SslMode.Disable,
        "allow" => Npgsql.SslMode.Allow,
        "prefer" => Npgsql.SslMode.Prefer,
        "require" => Npgsql.SslMode.Require,
        "verify-ca" => Npgsql.SslMode.VerifyCA,
        "verify-full" => Npgsql.SslMode.VerifyFull,
        _ => throw Invalid("(sslmode)", $"sslmode '{mode}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
    };

    private static BackupException Invalid(string what, string why) =>
        new("InvalidConnectionString", BackupErrorKind.InvalidArgument, $"The PostgreSQL connection '{Redact(what)}' cannot be used: {why}.", null);

    /// <summary>Removes a password from a URL or connection string given by the user, for messages.</summary>
    public static string Redact(string value)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(value, @"(?i)(://[^:/@]*):[^@/]*@", "$1:***@");
        s = System.Text.RegularExpressions.Regex.Replace(s, @"(?i)(password\s*=\s*)[^;&]*", "$1***");
        return s;
    }

    /// <summary>
    /// Settings of the database or role (ALTER DATABASE/ROLE ... SET) that would break BackupPS's sessions and the child
    /// tools, reset at connection start as pg_dump does for itself. Our own sessions also read with row_security=off (as
    /// pg_dump does: a count the policies would filter fails instead of being short) and a fixed search_path.
    /// role=none: an ALTER ROLE … SET role = other would make every session (and pg_dump) act as another role, which
    /// may read less than the login role or own what the restore creates. The rest (search_path, isolation, encoding,
    /// DateStyle, float digits) the tools set for themselves; PostgresSessionSettings.Tests.ps1 proves each.
    /// </summary>
    internal const string SessionOptions =
        "-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0 -c default_transaction_read_only=off -c role=none";

    /// <summary>The Npgsql connection string (with the password, for Npgsql only). Pooling off: a dropped or renamed database must not linger in a pool.</summary>
    internal string ToNpgsql(string? database = null, bool pooling = false)
    {
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = Host, Port = Port, Database = database ?? Database, Pooling = pooling,
            ApplicationName = "BackupPS", IncludeErrorDetail = false, Timeout = ConnectTimeoutSec ?? 15, CommandTimeout = 0,
            Options = SessionOptions + " -c row_security=off -c search_path=pg_catalog",
        };
        if (Username is not null) b.Username = Username;
        if (Password is not null) b.Password = Encoding.UTF8.GetString(Password);
        if (SslMode is not null) b.SslMode = NpgsqlSslMode(SslMode);
        if (SslRootCert is not null) b.RootCertificate = SslRootCert;
        if (SslCert is not null) b.SslCertificate = SslCert;
        if (SslKey is not null) b.SslKey = SslKey;
        var passfile = Passfile ?? Environment.GetEnvironmentVariable("PGPASSFILE");
        if (passfile is not null) b.Passfile = passfile;
        return b.ConnectionString;
    }

    /// <summary>
    /// The libpq environment for pg_dump/pg_restore: everything goes through PG* variables of the child (never argv).
    /// An explicit password is PGPASSWORD in the child's environment only (/proc/&lt;pid&gt;/environ is readable by the
    /// same user and root only, and unlike a password file nothing is left on disk if the process is killed).
    /// Otherwise libpq finds it itself (PGPASSFILE, ~/.pgpass, an inherited PGPASSWORD).
    /// </summary>
    internal Dictionary<string, string?> ChildEnvironment(string? database)
    {
        var env = new Dictionary<string, string?>
        {
            ["PGHOST"] = Host, ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGDATABASE"] = database ?? Database, ["PGAPPNAME"] = "BackupPS",
            ["PGSERVICE"] = null, ["PGOPTIONS"] = SessionOptions,
        };
        if (Username is not null) env["PGUSER"] = Username;
        if (SslMode is not null) env["PGSSLMODE"] = SslMode;
        if (SslRootCert is not null) env["PGSSLROOTCERT"] = SslRootCert;
        if (SslCert is not null) env["PGSSLCERT"] = SslCert;
        if (SslKey is not null) env["PGSSLKEY"] = SslKey;
        if (ConnectTimeoutSec is not null) env["PGCONNECT_TIMEOUT"] = ConnectTimeoutSec.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Password is not null) env["PGPASSWORD"] = Encoding.UTF8.GetString(Password);
        if (Passfile is not null) env["PGPASSFILE"] = Passfile;
        return env;
    }

    /// <summary>postgres://user@host:port/database — no password, ever. Used in the manifest, messages and output.</summary>
    public string Display(string? database = null)
    {
        var sb = new StringBuilder("postgres://");
        if (Username is not null) sb.Append(Uri.EscapeDataString(Username)).Append('@');
        var socket = Host.StartsWith('/');
        if (!socket) sb.Append(Host.Contains(':') ? "[" + Host + "]" : Host).Append(':').Append(Port);
        sb.Append('/').Append(Uri.EscapeDataString(database ?? Database));
        var query = new List<string>();
        if (socket) { query.Add("host=" + Uri.EscapeDataString(Host)); query.Add("port=" + Port); }
        if (SslMode is not null) query.Add("sslmode=" + SslMode);
        if (query.Count > 0) sb.Append('?').Append(string.Join('&', query));
        return sb.ToString();
    }

    public override string ToString() => Display();
}
