using BackupPS.Engine;
using BackupPS.Engine.Sources;
using Xunit;

namespace BackupPS.Engine.Tests;

/// <summary>The stderr texts are as pg_restore 15 and pg_dump 15 print them.</summary>
public class PostgresErrorCatalogTests
{
    [Fact]
    public void An_unknown_failure_is_PostgresToolFailed_with_the_tools_error_line_not_its_preamble()
    {
        var stderr = "pg_restore: while PROCESSING TOC:\npg_restore: from TOC entry 215; 1259 16390 TABLE t app\n" +
                     "pg_restore: error: could not execute query: ERROR:  type \"hstore\" does not exist\nLINE 3:     h hstore\n             ^\n" +
                     "Command was: CREATE TABLE public.t (\n    h hstore\n);\n";
        var e = PostgresErrorCatalog.Map("pg_restore", stderr, "postgres://app@db/x");
        Assert.Equal("PostgresToolFailed", e.ErrorId);
        Assert.Contains("ERROR:  type \"hstore\" does not exist", e.Message);
        Assert.DoesNotContain("PROCESSING TOC", e.Message);
    }

    [Theory]
    [InlineData("pg_restore: error: could not execute query: ERROR:  role \"gone\" does not exist\nCommand was: ALTER TABLE public.t OWNER TO gone;", "PostgresRoleMissing")]
    [InlineData("pg_dump: error: query failed: ERROR:  query would be affected by row-level security policy for table \"secret\"", "PostgresRowSecurityBlocked")]
    [InlineData("pg_dump: error: query failed: ERROR:  permission denied for table secret", "PostgresPermissionDenied")]
    [InlineData("pg_dump: error: connection to server at \"127.0.0.1\", port 5 failed: FATAL:  database \"nosuch\" does not exist", "DatabaseNotFound")]
    public void A_known_failure_has_its_own_id(string stderr, string id)
    {
        Assert.Equal(id, PostgresErrorCatalog.Map("pg_dump", stderr, "db").ErrorId);
    }
}
