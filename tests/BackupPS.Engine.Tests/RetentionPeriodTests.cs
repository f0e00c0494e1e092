using BackupPS.Engine.Retention;

namespace BackupPS.Engine.Tests;

/// <summary>
/// -KeepWithin* spans: restic's calendar durations (internal/data/duration.go: units y, m, d, h; cutoff by Go's
/// AddDate, then the hours) and TimeSpans as before.
/// </summary>
public sealed class RetentionPeriodTests
{
    [Theory]
    [InlineData("9h", 0, 0, 0, 9, "9h")]
    [InlineData("3d", 0, 0, 3, 0, "3d")]
    [InlineData("4d2h", 0, 0, 4, 2, "4d2h")]
    [InlineData("7m5d", 0, 7, 5, 0, "7m5d")]
    [InlineData("5d7m", 0, 7, 5, 0, "7m5d")]
    [InlineData("4h3d9m", 0, 9, 3, 4, "9m3d4h")]
    [InlineData(" 1y2m3d3h ", 1, 2, 3, 3, "1y2m3d3h")]
    [InlineData("9999y", 9999, 0, 0, 0, "9999y")]
    public void Parses_restic_durations_in_any_unit_order(string text, int years, int months, int days, int hours, string spelled)
    {
        var p = RetentionPeriod.Parse(text);
        Assert.Equal(new RetentionPeriod(years, months, days, TimeSpan.FromHours(hours)), p);
        Assert.Equal(spelled, p.ToString());
    }

    [Fact]
    public void A_time_span_still_works_and_is_exact()
    {
        Assert.Equal(new RetentionPeriod(0, 0, 0, new TimeSpan(1, 12, 0, 0)), RetentionPeriod.Parse("1.12:00:00"));
        RetentionPeriod fromSpan = TimeSpan.FromMinutes(90);
        Assert.Equal("01:30:00", fromSpan.ToString());
    }

    [Theory]
    [InlineData("2w", "'w' after 2 is not a unit")]
    [InlineData("1y4m3w1d", "'w' after 3 is not a unit")]
    [InlineData("s", "a number was expected at 's'")]
    [InlineData("\u07C0d", "a number was expected")] // NKO digit zero: ASCII digits only, as restic
    [InlineData("5", "the number 5 has no unit")]
    [InlineData("-7m5d", "a number was expected at '-7m5d'")]
    [InlineData("1Y", "'Y' after 1 is not a unit")]
    [InlineData("1d2d", "the unit 'd' is given twice")]
    [InlineData("0d", "it is zero")]
    [InlineData("", "it is empty")]
    [InlineData("99999999999y", "the number 99999999999 is too large")]
    [InlineData("2147483647h", "of hours is too large")]
    [InlineData("1.xx:00", "it is not a valid time span")]
    [InlineData("-1.00:00:00", "it is not positive")]
    public void A_bad_span_is_refused_naming_the_value_and_the_accepted_form(string text, string why)
    {
        var e = Assert.Throws<BackupException>(() => RetentionPeriod.Parse(text, "KeepWithinDaily"));
        Assert.Equal("InvalidRetentionRule", e.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith($"-KeepWithinDaily '{text}' is not a retention span: ", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains("'1y2m3d4h'", e.Message);
        Assert.Contains("'1.12:00:00'", e.Message);
    }

    [Theory]
    [InlineData("2026-03-31T10:00:00Z", "1m", "2026-03-03T10:00:00Z")] // Feb 31 normalises to 3 Mar (Go), not 28 Feb
    [InlineData("2024-03-31T10:00:00Z", "1m", "2024-03-02T10:00:00Z")] // leap year: 2 Mar
    [InlineData("2026-01-15T00:00:00Z", "1y2m3d3h", "2024-11-11T21:00:00Z")]
    [InlineData("2026-03-01T00:00:00Z", "1d", "2026-02-28T00:00:00Z")]
    [InlineData("2024-02-29T12:00:00Z", "1y", "2023-03-01T12:00:00Z")] // 29 Feb 2023 normalises to 1 Mar
    [InlineData("2026-05-10T00:00:00Z", "13m", "2025-04-10T00:00:00Z")]
    public void The_cutoff_follows_Gos_AddDate(string reference, string span, string cutoff)
    {
        Assert.Equal(DateTimeOffset.Parse(cutoff, System.Globalization.CultureInfo.InvariantCulture),
            RetentionPeriod.Parse(span).CutoffBefore(DateTimeOffset.Parse(reference, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.Utc));
    }

    [Fact]
    public void A_calendar_day_is_a_wall_clock_day_in_the_zone_and_hours_are_exact()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var reference = new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.FromHours(2)); // the day summer time began
        Assert.Equal(reference - TimeSpan.FromHours(23), RetentionPeriod.Parse("1d").CutoffBefore(reference, berlin));
        Assert.Equal(reference - TimeSpan.FromHours(24), RetentionPeriod.Parse("24h").CutoffBefore(reference, berlin));
        Assert.Equal(reference - TimeSpan.FromHours(24), ((RetentionPeriod)TimeSpan.FromDays(1)).CutoffBefore(reference, berlin));
    }

    [Theory]
    [InlineData("9999y")]
    [InlineData("2147483647m")]
    [InlineData("2147483647d")]
    [InlineData("200000000h")]
    [InlineData("2147483647y2147483647m2147483647d200000000h")]
    public void A_span_reaching_before_the_first_instant_keeps_everything(string span)
    {
        Assert.Null(RetentionPeriod.Parse(span).CutoffBefore(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc));
        Assert.Null(((RetentionPeriod)TimeSpan.MaxValue).CutoffBefore(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc));
    }
}
