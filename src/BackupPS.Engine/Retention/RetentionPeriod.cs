using System.Globalization;

namespace BackupPS.Engine.Retention;

/// <summary>
/// The span of a -KeepWithin* rule: restic's calendar duration ("1y2m3d4h": years, months, days, hours) or an exact
/// <see cref="TimeSpan"/>. The cutoff is computed as restic does: the reference time's wall clock (in the policy's zone)
/// goes back the years, months and days with Go's AddDate normalisation (31 Mar - 1m = 3 Mar, not 28 Feb), then the
/// exact <see cref="Time"/> (hours) is subtracted. A cutoff before the first representable instant (9999y) keeps all.
/// </summary>
public sealed record RetentionPeriod(int Years, int Months, int Days, TimeSpan Time)
{
    /// <summary>The accepted forms, for error messages and help.</summary>
    public const string AcceptedForms =
        "a duration of whole years, months, days and hours such as '1y2m3d4h', '7d' or '36h' (units y, m, d, h, lowercase, each at most once), or a time span such as '1.12:00:00'";

    /// <summary>The most hours a TimeSpan holds (about 29,000 years).</summary>
    private static readonly int MaxHours = (int)TimeSpan.MaxValue.TotalHours;

    public static implicit operator RetentionPeriod(TimeSpan span) => new(0, 0, 0, span);

    public bool IsPositive => Years >= 0 && Months >= 0 && Days >= 0 && Time >= TimeSpan.Zero && (Years > 0 || Months > 0 || Days > 0 || Time > TimeSpan.Zero);

    /// <summary>
    /// Parses restic's form (units in any order, as restic, but each once) or, when the text holds a ':', a
    /// TimeSpan ("1.12:00:00", invariant culture). Throws InvalidRetentionRule naming the value and the accepted forms.
    /// </summary>
    public static RetentionPeriod Parse(string text, string? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        if (s.Contains(':'))
        {
            if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var span)) return Checked(span, text, parameter);
            throw Invalid(text, parameter, "it is not a valid time span");
        }
        if (s.Length == 0) throw Invalid(text, parameter, "it is empty");
        int? years = null, months = null, days = null, hours = null;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && s[i] is >= '0' and <= '9') i++;
            if (i == start) throw Invalid(text, parameter, $"a number was expected at '{s[start..]}'");
            if (!int.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw Invalid(text, parameter, $"the number {s[start..i]} is too large");
            if (i == s.Length) throw Invalid(text, parameter, $"the number {n} has no unit");
            ref int? slot = ref years;
            switch (s[i])
            {
                case 'y': slot = ref years; break;
                case 'm': slot = ref months; break;
                case 'd': slot = ref days; break;
                case 'h': slot = ref hours; break;
                default: throw Invalid(text, parameter, $"'{s[i]}' after {n} is not a unit");
            }
            if (slot is not null) throw Invalid(text, parameter, $"the unit '{s[i]}' is given twice");
            slot = n;
            i++;
        }
        if (hours > MaxHours) throw Invalid(text, parameter, $"the number {hours} of hours is too large (at most {MaxHours})");
        var period = new RetentionPeriod(years ?? 0, months ?? 0, days ?? 0, TimeSpan.FromHours(hours ?? 0));
        if (!period.IsPositive) throw Invalid(text, parameter, "it is zero");
        return period;
    }

    private static RetentionPeriod Checked(TimeSpan span, string text, string? parameter) =>
        span > TimeSpan.Zero ? span : throw Invalid(text, parameter, "it is not positive");

    private static BackupException Invalid(string text, string? parameter, string why) =>
        new("InvalidRetentionRule", BackupErrorKind.InvalidArgument,
            $"{(parameter is null ? "" : $"-{parameter} ")}'{text}' is not a retention span: {why}. Give {AcceptedForms}.", parameter ?? text);

    /// <summary>
    /// The instant a backup must be strictly after to be within the period of <paramref name="reference"/>; null when
    /// the cutoff lies before the first representable instant (everything is within).
    /// </summary>
    public DateTimeOffset? CutoffBefore(DateTimeOffset reference, TimeZoneInfo zone)
    {
        if (Years == 0 && Months == 0 && Days == 0)
            return reference.UtcTicks - Time.Ticks < TimeSpan.TicksPerDay ? null : reference - Time; // exact: no wall clock involved
        var wall = TimeZoneInfo.ConvertTime(reference, zone).DateTime;
        // Go's time.Date normalisation: months overflow into years, then days overflow from the first of the month.
        long totalMonths = (long)wall.Year * 12 + (wall.Month - 1) - Years * 12L - Months;
        var year = Math.DivRem(totalMonths, 12, out var month0);
        if (month0 < 0) { month0 += 12; year--; }
        if (year < 1) return null;
        var dayNumber = new DateTime((int)year, (int)month0 + 1, 1).Ticks / TimeSpan.TicksPerDay + (wall.Day - 1) - (long)Days;
        if (dayNumber < 1) return null;
        var shifted = new DateTime(dayNumber * TimeSpan.TicksPerDay + wall.TimeOfDay.Ticks, DateTimeKind.Unspecified);
        // The wall clock back in the zone (a time in a DST gap or overlap gets the zone's standard offset; Go leaves
        // that choice open too), then the exact hours.
        var utcTicks = shifted.Ticks - zone.GetUtcOffset(shifted).Ticks - Time.Ticks;
        return utcTicks < TimeSpan.TicksPerDay ? null : new DateTimeOffset(utcTicks, TimeSpan.Zero);
    }

    /// <summary>restic's spelling ("1y2m3d4h", zero units left out); a TimeSpan with minutes or seconds as a TimeSpan.</summary>
    public override string ToString()
    {
        if (Time.Ticks % TimeSpan.TicksPerHour != 0)
            return Time.ToString("c", CultureInfo.InvariantCulture);
        var s = "";
        if (Years != 0) s += $"{Years}y";
        if (Months != 0) s += $"{Months}m";
        if (Days != 0) s += $"{Days}d";
        var hours = Time.Ticks / TimeSpan.TicksPerHour;
        if (hours != 0 || s.Length == 0) s += $"{hours}h";
        return s;
    }
}
