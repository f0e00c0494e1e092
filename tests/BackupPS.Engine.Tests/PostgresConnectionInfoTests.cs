using System.Text;
using BackupPS.Engine;
using BackupPS.Engine.Sources;
using Xunit;

namespace BackupPS.Engine.Tests;

public class PostgresConnectionInfoTests
{
    [Theory]
    [InlineData("postgres://app@db/assets", true)]
    [InlineData("postgresql://db:5433/assets", true)]
    [InlineData("POSTGRES://db/assets", true)]
    [InlineData("Host=db;Database=assets;Username=app", true)]
    [InlineData("host = db ; port=5432", true)]
    [InlineData("/srv/app/app.db", false)]
    [InlineData("app.db", false)]
    [InlineData("weird=name.db", false)]
    [InlineData("C:\\data\\app.db", false)]
    [InlineData("", false)]
    public void Detects_postgres_urls_and_connection_strings(string value, bool expected) =>
        Assert.Equal(expected, PostgresConnectionInfo.IsPostgres(value));

    [Fact]
    public void Parses_a_database_url_with_escaped_password_and_options()
    {
        var c = PostgresConnectionInfo.Parse("postgres://app:p%40ss%3Aw%2Fd@db.internal:6543/my%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=7");
        Assert.Equal("db.internal", c.Host);
        Assert.Equal(6543, c.Port);
        Assert.Equal("my db", c.Database);
        Assert.Equal("app", c.Username);
        Assert.Equal("p@ss:w/d", Encoding.UTF8.GetString(c.Password!));
        Assert.Equal("verify-full", c.SslMode);
        Assert.Equal("/etc/ca.pem", c.SslRootCert);
        Assert.Equal(7, c.ConnectTimeoutSec);
    }

    [Fact]
    public void Defaults_port_and_host()
    {
        var c = PostgresConnectionInfo.Parse("postgresql:///assets?host=/var/run/postgresql");
        Assert.Equal("/var/run/postgresql", c.Host);
        Assert.Equal(5432, c.Port);
        Assert.Equal("assets", c.Database);
        Assert.False(c.HasPassword);
    }

    [Fact]
    public void Parses_an_npgsql_connection_string()
    {
        var c = PostgresConnectionInfo.Parse("Host=db;Port=5433;Database=assets;Username=app;Password=secret;SSL Mode=Require");
        Assert.Equal(("db", 5433, "assets", "app"), (c.Host, c.Port, c.Database, c.Username));
        Assert.Equal("secret", Encoding.UTF8.GetString(c.Password!));
        Assert.Equal("require", c.SslMode);
    }

    [Fact]
    public void Credential_overrides_user_and_password_from_the_url()
    {
        var c = PostgresConnectionInfo.Parse("postgres://old:oldpw@db/assets", "new", Encoding.UTF8.GetBytes("newpw"));
        Assert.Equal("new", c.Username);
        Assert.Equal("newpw", Encoding.UTF8.GetString(c.Password!));
    }

    [Fact]
    public void Display_never_contains_the_password()
    {
        var c = PostgresConnectionInfo.Parse("postgres://app:TopSecret@db:5432/assets?sslmode=require");
        Assert.Equal("postgres://app@db:5432/assets?sslmode=require", c.Display());
        Assert.DoesNotContain("TopSecret", c.ToString());
        Assert.Equal("postgres://app@db:5432/other?sslmode=require", c.Display("other"));
    }

    [Theory]
    [InlineData("postgres://app:TopSecret@db/assets")]
    [InlineData("Host=db;Password=TopSecret;Database=x")]
    [InlineData("Host=db;password = TopSecret")]
    public void Redact_removes_passwords_from_user_input(string value) =>
        Assert.DoesNotContain("TopSecret", PostgresConnectionInfo.Redact(value));

    [Fact]
    public void The_child_environment_carries_the_connection_and_the_password_only_as_PGPASSWORD()
    {
        var c = PostgresConnectionInfo.Parse("postgres://app:pw@db:5433/assets?sslmode=require");
        var env = c.ChildEnvironment("scratch");
        Assert.Equal("db", env["PGHOST"]);
        Assert.Equal("5433", env["PGPORT"]);
        Assert.Equal("scratch", env["PGDATABASE"]);
        Assert.Equal("app", env["PGUSER"]);
        Assert.Equal("require", env["PGSSLMODE"]);
        Assert.Equal("pw", env["PGPASSWORD"]);
        Assert.Single(env.Values, v => v == "pw");
    }

    [Fact]
    public void Npgsql_connection_string_has_the_password_and_no_pooling()
    {
        var c = PostgresConnectionInfo.Parse("postgres://app:pw@db/assets");
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(c.ToNpgsql("postgres"));
        Assert.Equal("pw", cs.Password);
        Assert.Equal("postgres", cs.Database);
        Assert.False(cs.Pooling);
    }

    [Fact]
    public void Unsupported_url_options_are_an_invalid_argument()
    {
        var ex = Assert.Throws<BackupException>(() => PostgresConnectionInfo.Parse("postgres://app:pw@db/assets?frobnicate=1"));
        Assert.Equal("InvalidConnectionString", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
        Assert.DoesNotContain("pw@", ex.Message);
    }

    [Theory]
    [InlineData("15.18", 15)]
    [InlineData("16.2 (Debian)", 16)]
    [InlineData("9.6.24", 9)]
    [InlineData("17devel", 17)]
    public void Major_versions(string version, int major) => Assert.Equal(major, PostgresTools.MajorOf(version));

    /// <summary>
    /// What Display records (the manifest's source, used by an in-place restore without -Target) must parse back to the
    /// same server, port, user and database: socket folders, IPv6, odd user names and database names with URL syntax.
    /// </summary>
    [Theory]
    [InlineData("/tmp/bpg-1234", 5432, "postgres", "plain")]
    [InlineData("/var/run/pg sock", 6543, null, "a=b 'q' c")]
    [InlineData("db.example", 5433, "app", "x/y?z#w&v=1")]
    [InlineData("::1", 5432, "a@b:c/d%e f", "db\\\\with\\backslash")]
    [InlineData("2001:db8::5", 15432, "u", "ü \"quoted\" +plus")]
    [InlineData("127.0.0.1", 5432, "app", "per%20cent")]
    public void Display_parses_back_to_the_same_connection(string host, int port, string? user, string database)
    {
        var c = PostgresConnectionInfo.Parse($"Host={host};Port={port};Database=x", user).WithDatabase(database);
        var back = PostgresConnectionInfo.Parse(c.Display());
        Assert.Equal(host, back.Host);
        Assert.Equal(port, back.Port);
        Assert.Equal(user, back.Username);
        Assert.Equal(database, back.Database);
        Assert.Equal(c.Display(), back.Display());
    }
}
