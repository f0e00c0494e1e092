using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>The filters of Get-DbBackup over a set of records (built in memory: BackupQuery only reads sidecar data).</summary>
public sealed class BackupQueryTests
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static BackupRecord Record(string database, int hoursAfterT0, BackupType type = BackupType.Database, string? id = null, params string[] tags)
    {
        var guid = id is null ? Guid.NewGuid() : Guid.Parse(id);
        var created = T0.AddHours(hoursAfterT0);
        var manifest = new Manifest { Id = guid, DatabaseName = database, Type = type, CreatedUtc = created, Tags = [.. tags] };
        var name = BackupNaming.FileName(database, created, guid, Compression.CompressionKind.Zstd);
        return new BackupRecord("/backups/" + name, new Sidecar { BackupFile = name, Manifest = manifest });
    }

    private static readonly BackupRecord ShopOld = Record("shop", 0, id: "aaaa1111-0000-0000-0000-000000000001", tags: ["nightly"]);
    private static readonly BackupRecord ShopNew = Record("shop", 5, id: "aaaa2222-0000-0000-0000-000000000002", tags: ["Nightly", "prod"]);
    private static readonly BackupRecord ShopSafety = Record("shop", 6, BackupType.PreRestore, id: "bbbb0000-0000-0000-0000-000000000003", tags: ["PreRestore"]);
    private static readonly BackupRecord Crm = Record("crm", 3, BackupType.Full, id: "cccc0000-0000-0000-0000-000000000004", tags: ["prod"]);
    private static readonly BackupRecord CrmOld = Record("CRM", 1, id: "dddd0000-0000-0000-0000-000000000005");
    private static readonly BackupRecord Docs = Record("docs", 2, BackupType.Files, id: "eeee0000-0000-0000-0000-000000000006");
    private static readonly BackupRecord Dotted = Record("a.b", 4, id: "ffff0000-0000-0000-0000-000000000007");
    private static readonly BackupRecord NotDotted = Record("axb", 4, id: "ffff1111-0000-0000-0000-000000000008");

    private static readonly BackupRecord[] All = [ShopOld, Dotted, ShopSafety, Crm, CrmOld, Docs, ShopNew, NotDotted];

    private static BackupRecord[] Apply(BackupQuery query) => query.Apply(All).ToArray();

    [Fact]
    public void Without_filters_everything_newest_first()
    {
        var result = Apply(new BackupQuery());
        Assert.Equal(All.Length, result.Length);
        Assert.Equal(All.OrderByDescending(r => r.CreatedUtc).Select(r => r.CreatedUtc), result.Select(r => r.CreatedUtc));
        Assert.Equal(ShopSafety, result[0]);
        Assert.Equal(ShopOld, result[^1]);
    }

    [Fact]
    public void Records_created_at_the_same_moment_are_ordered_by_path()
    {
        var result = Apply(new BackupQuery { DatabaseNames = ["a?b"] });
        Assert.Equal([Dotted, NotDotted], result);
    }

    [Fact]
    public void Latest_is_the_newest_per_database_without_PreRestore()
    {
        var result = Apply(new BackupQuery { Latest = true });
        Assert.Equal([ShopNew, Dotted, Crm, Docs], result.Where(r => r != NotDotted));
        Assert.DoesNotContain(ShopSafety, result);
        Assert.DoesNotContain(CrmOld, result); // "CRM" and "crm" are the same database name
    }

    [Fact]
    public void Latest_with_Types_PreRestore_gives_the_newest_safety_backup()
    {
        Assert.Equal([ShopSafety], Apply(new BackupQuery { Latest = true, Types = [BackupType.PreRestore] }));
        Assert.Equal([ShopSafety, Crm], Apply(new BackupQuery { Latest = true, Types = [BackupType.PreRestore, BackupType.Full] }));
    }

    [Fact]
    public void Types_filter_without_Latest()
    {
        Assert.Equal([ShopSafety], Apply(new BackupQuery { Types = [BackupType.PreRestore] }));
        Assert.Equal([Docs], Apply(new BackupQuery { Types = [BackupType.Files] }));
        Assert.Contains(ShopSafety, Apply(new BackupQuery())); // PreRestore is excluded only by Latest
    }

    [Theory]
    [InlineData("aaaa2222-0000-0000-0000-000000000002")]
    [InlineData("aaaa2222000000000000000000000002")]
    [InlineData("AAAA2222-0000-0000-0000-000000000002")]
    [InlineData("aaaa2222")]
    [InlineData("aaaa22")]
    [InlineData("aaaa2")]
    [InlineData(" aaaa2222 ")]
    public void Ids_full_or_at_least_four_leading_hex_digits(string id) =>
        Assert.Equal([ShopNew], Apply(new BackupQuery { Ids = [id] }));

    [Fact]
    public void Ids_that_match_several_or_none()
    {
        Assert.Equal([ShopNew, ShopOld], Apply(new BackupQuery { Ids = ["aaaa"] }));
        Assert.Equal([Crm, ShopOld], Apply(new BackupQuery { Ids = ["cccc", "aaaa1"] }));
        Assert.Empty(Apply(new BackupQuery { Ids = ["aaa"] }));      // fewer than 4 digits never match
        Assert.Empty(Apply(new BackupQuery { Ids = [""] }));
        Assert.Empty(Apply(new BackupQuery { Ids = ["9999"] }));
        Assert.Empty(Apply(new BackupQuery { Ids = ["0000-0000"] })); // not a prefix
    }

    [Fact]
    public void Short_id_in_the_file_name_finds_the_record()
    {
        var shortId = Path.GetFileName(ShopNew.Path).Split('_')[2][..8];
        Assert.Equal([ShopNew], Apply(new BackupQuery { Ids = [shortId] }));
    }

    [Theory]
    [InlineData("shop", new[] { "shop" })]
    [InlineData("SHOP", new[] { "shop" })]
    [InlineData("sh*", new[] { "shop" })]
    [InlineData("*o*", new[] { "shop", "docs" })]
    [InlineData("?rm", new[] { "crm", "CRM" })]
    [InlineData("crm", new[] { "crm", "CRM" })]
    [InlineData("a.b", new[] { "a.b" })]            // '.' is literal, not "any character"
    [InlineData("a?b", new[] { "a.b", "axb" })]
    [InlineData("sho", new string[0])]             // whole-name match
    [InlineData("(shop)", new string[0])]
    [InlineData("*", new[] { "shop", "crm", "CRM", "docs", "a.b", "axb" })]
    public void DatabaseNames_are_case_insensitive_wildcards(string pattern, string[] expected)
    {
        var names = Apply(new BackupQuery { DatabaseNames = [pattern] }).Select(r => r.DatabaseName).Distinct().ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Several_name_patterns_are_alternatives()
    {
        Assert.Equal([Crm, CrmOld], Apply(new BackupQuery { DatabaseNames = ["crm", "nothing*"] }));
        Assert.Equal([Crm, Docs, CrmOld], Apply(new BackupQuery { DatabaseNames = ["crm", "docs"] }));
    }

    [Fact]
    public void Tags_match_any_given_case_insensitively()
    {
        Assert.Equal([ShopNew, ShopOld], Apply(new BackupQuery { Tags = ["NIGHTLY"] }));
        Assert.Equal([ShopNew, Crm], Apply(new BackupQuery { Tags = ["prod"] }));
        Assert.Equal([ShopSafety, ShopNew, Crm], Apply(new BackupQuery { Tags = ["prod", "prerestore"] }));
        Assert.Empty(Apply(new BackupQuery { Tags = ["night"] }));
    }

    [Fact]
    public void Before_and_After_are_exclusive_and_combine()
    {
        Assert.Equal([Docs, CrmOld, ShopOld], Apply(new BackupQuery { Before = T0.AddHours(3) }));
        Assert.Equal([ShopSafety, ShopNew], Apply(new BackupQuery { After = T0.AddHours(4) }));
        Assert.Equal([Crm, Docs], Apply(new BackupQuery { After = T0.AddHours(1), Before = T0.AddHours(4) }));
        Assert.Empty(Apply(new BackupQuery { After = T0.AddHours(4), Before = T0.AddHours(4) }));
        // Offsets are honoured: 14:00+02:00 is 12:00 UTC.
        Assert.Equal([ShopOld], Apply(new BackupQuery { Before = new DateTimeOffset(2024, 3, 1, 14, 0, 1, TimeSpan.FromHours(2)) }));
    }

    [Fact]
    public void Latest_applies_after_the_other_filters()
    {
        Assert.Equal([ShopOld], Apply(new BackupQuery { Latest = true, Before = T0.AddHours(1) }));
        Assert.Equal([ShopNew, Crm], Apply(new BackupQuery { Latest = true, Tags = ["prod"] }));
        Assert.Equal([CrmOld], Apply(new BackupQuery { Latest = true, Ids = ["dddd"] }));
    }

    [Fact]
    public void A_destination_lists_only_backups_with_a_sidecar_and_reports_unreadable_sidecars()
    {
        using var temp = new TempDir();
        var db = Db.Create(temp["app.db"]);
        var listed = Backups.Make(db, temp["backups"]);
        var unlisted = Backups.Make(db, temp["backups"], compression: Compression.CompressionKind.Gzip);
        File.Delete(unlisted.SidecarPath);                                   // a backup whose sidecar is gone
        var broken = Backups.Make(db, temp["backups"], compression: Compression.CompressionKind.None);
        File.WriteAllText(broken.SidecarPath, "{ not json");                // an unreadable sidecar
        File.WriteAllText(temp["backups", "orphan_20240101T000000Z_12345678.tar.zst.json"], "{}"); // a sidecar without its file

        var problems = new List<BackupException>();
        var records = new LocalFolderDestination(temp["backups"]).List(problems.Add);

        Assert.Equal([listed.Path], records.Select(r => r.Path));
        var problem = Assert.Single(problems);
        Assert.Equal("SidecarUnreadable", problem.ErrorId);
        Assert.Equal([listed.Id], new BackupQuery { Latest = true }.Apply(records).Select(r => r.Id));
    }

    [Fact]
    public void A_missing_destination_is_DestinationNotFound()
    {
        var ex = Assert.Throws<BackupException>(() => new LocalFolderDestination("/nonexistent/backupps-xunit").List());
        Assert.Equal("DestinationNotFound", ex.ErrorId);
    }
}
