using BackupPS.Engine.Format;
using BackupPS.Engine.Operations;
using Xunit;

namespace BackupPS.Engine.Tests;

/// <summary>The listing is pg_restore 15 --list of a real dump: "my schema"."t" beside "my"."schema t", a table named with a newline, a schema named DATA, a large object.</summary>
public class PostgresDumpTocTests
{
    private const string Listing = """
        ;
        ; Archive created at 2026-12-07 18:25:01 UTC
        ;     dbname: postgres
        ;
        8; 2615 16399 SCHEMA - DATA postgres
        6; 2615 16384 SCHEMA - my schema postgres
        221; 1259 16400 TABLE DATA t postgres
        218; 1259 16389 TABLE my schema t postgres
        217; 1259 16385 TABLE my schema t postgres
        220; 1259 16395 MATERIALIZED VIEW public mv postgres
        219; 1259 16392 TABLE public nl x postgres
        3363; 2613 16403 BLOB - 16403 postgres
        3362; 0 16400 TABLE DATA DATA t postgres
        3359; 0 16389 TABLE DATA my schema t postgres
        3360; 0 16392 TABLE DATA public nl x postgres
        3364; 0 0 BLOBS - BLOBS 
        3361; 0 16395 MATERIALIZED VIEW DATA public mv postgres
        """;

    [Fact]
    public void Data_entries_are_known_by_oid_whatever_the_names()
    {
        var toc = PostgresDumpToc.Parse(Listing);
        Assert.Equal([16389u, 16392u, 16395u, 16400u], toc.DataOids.Order());
        Assert.Equal([16385u, 16389u, 16392u, 16400u], toc.TableOids.Order());
        Assert.True(toc.HasLargeObjects);
        // 16385 ("my schema"."t" or "my"."schema t": the names alone cannot tell) has its table but no data.
        Assert.False(toc.HasData(new TableRowCount { Name = "my schema.t", Schema = "my schema", Table = "t", Oid = 16385 }));
        Assert.True(toc.HasData(new TableRowCount { Name = "public.nl\nx", Schema = "public", Table = "nl\nx", Oid = 16392 }));
    }

    [Fact]
    public void A_manifest_without_oids_is_matched_by_name_as_before()
    {
        var toc = PostgresDumpToc.Parse(Listing);
        Assert.True(toc.HasData(new TableRowCount { Name = "public.mv" }));
        Assert.True(toc.HasData(new TableRowCount { Name = "DATA.t" }));
        Assert.False(toc.HasData(new TableRowCount { Name = "public.gone" }));
        Assert.False(PostgresDumpToc.Parse("3359; 0 16389 TABLE DATA public t app\n").HasLargeObjects);
    }

    [Fact]
    public void Row_counts_tell_a_dotted_schema_from_a_dotted_table()
    {
        TableRowCount T(string schema, string table, long rows) => new() { Name = schema + "." + table, Schema = schema, Table = table, Rows = rows };
        Assert.Empty(RowCounts.Compare([T("a.b", "c", 3), T("a", "b.c", 5)], [T("a", "b.c", 5), T("a.b", "c", 3)]));
        var problems = RowCounts.Compare([T("a.b", "c", 3), T("a", "b.c", 5)], [T("a", "b.c", 3), T("a.b", "c", 5)]);
        Assert.Equal(["table '\"a.b\".\"c\"' has 5 rows, the manifest says 3", "table '\"a\".\"b.c\"' has 3 rows, the manifest says 5"], problems);
        Assert.Equal("public.album", T("public", "album", 1).DisplayName);
    }

    [Fact]
    public void An_older_manifest_naming_two_tables_alike_is_compared_without_throwing()
    {
        var legacy = new List<TableRowCount> { new() { Name = "a.b.c", Rows = 3 }, new() { Name = "a.b.c", Rows = 5 } };
        TableRowCount T(string schema, string table, long rows) => new() { Name = schema + "." + table, Schema = schema, Table = table, Rows = rows };
        Assert.Empty(RowCounts.Compare(legacy, [T("a.b", "c", 3), T("a", "b.c", 5)]));
        Assert.Single(RowCounts.Compare(legacy, [T("a.b", "c", 3)]));
    }
}
