using System.Text.RegularExpressions;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Tests;

public sealed class BackupNamingTests
{
    [Theory]
    [InlineData("app", "app")]
    [InlineData("My-App_2.db", "My-App_2.db")]
    [InlineData("my app", "my_app")]
    [InlineData("it's \"quoted\"", "it_s__quoted_")]
    [InlineData("line\nbreak\r\ttab", "line_break__tab")]
    [InlineData("données", "donn_es")]
    [InlineData("donne\u0301es", "donn_es")]            // decomposed é is one character after NFC
    [InlineData("日本語", "___")]
    [InlineData("😀", "__")]                              // a surrogate pair: two UTF-16 chars
    [InlineData("-rf", "rf")]
    [InlineData("--help", "help")]
    [InlineData(".hidden", "hidden")]
    [InlineData("..", "backup")]
    [InlineData(".-.-x", "x")]
    [InlineData("../../etc/passwd", "_.._etc_passwd")]
    [InlineData("a/b\\c:d*e?f<g>h|i", "a_b_c_d_e_f_g_h_i")]
    [InlineData("$(rm -rf ~)", "__rm_-rf___")]
    [InlineData("`x`;y&z", "_x__y_z")]
    [InlineData("", "backup")]
    [InlineData("   ", "___")]
    [InlineData("---", "backup")]
    [InlineData("nul\0byte", "nul_byte")]
    public void SafeName(string input, string expected) => Assert.Equal(expected, BackupNaming.SafeName(input));

    [Fact]
    public void SafeName_cuts_very_long_names_to_64_characters()
    {
        Assert.Equal(new string('a', 64), BackupNaming.SafeName(new string('a', 500)));
        Assert.Equal(new string('x', 64), BackupNaming.SafeName("-." + new string('x', 100)));
        Assert.Equal(64, BackupNaming.SafeName(string.Concat(Enumerable.Repeat("é", 100))).Length);
    }

    public static readonly TheoryData<string> Hostile = new()
    {
        "", " ", "\n", "-", ".", "..", "...", "-.-", "/", "\\", "C:\\Windows", "~/x", "*", "?", "a\u0000b", "\u202Eevil\u202C",
        "💾💾💾", "😀" + new string('.', 70), new string('-', 70) + "x", "name with spaces and 'quotes' and \"doubles\"", "CON", "x:y",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void SafeName_is_always_a_plain_non_empty_name(string input)
    {
        var safe = BackupNaming.SafeName(input);
        Assert.Matches(new Regex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$"), safe);
        Assert.Equal(safe, BackupNaming.SafeName(safe)); // idempotent
    }

    [Fact]
    public void FileName_joins_safe_name_utc_time_short_id_and_extension()
    {
        var id = Guid.Parse("0123abcd-4567-89ef-0123-456789abcdef");
        var created = new DateTimeOffset(2024, 2, 29, 23, 59, 58, 999, TimeSpan.FromHours(-5));
        Assert.Equal("my_db_20240301T045958Z_0123abcd.tar.zst", BackupNaming.FileName("my db", created, id, CompressionKind.Zstd));
        Assert.Equal("backup_20240301T045958Z_0123abcd.tar.gz", BackupNaming.FileName("..", created, id, CompressionKind.Gzip));
        Assert.Equal("x_20240301T045958Z_0123abcd.tar", BackupNaming.FileName("x", created, id, CompressionKind.None));
        Assert.Equal("0123abcd", BackupNaming.ShortId(id));
        Assert.Equal("/b/x.tar.zst.json", BackupNaming.SidecarPath("/b/x.tar.zst"));
    }
}
