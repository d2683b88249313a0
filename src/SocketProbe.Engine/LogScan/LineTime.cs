using System.Globalization;
using System.Text.RegularExpressions;

namespace SocketProbe.Engine.LogScan;

/// <summary>
/// The time a log line was written, read from the line itself: ISO 8601 / RFC 3339 (also Log4j's and Python logging's
/// "2026-12-07 19:46:21,123"), Go's log and nginx's error log ("2026/12/07 19:46:21"), the access-log form of nginx,
/// Apache and HAProxy ("[07/Dec/2026:19:46:21 +0000]"), Apache's error log ("[Mon Dec 07 19:46:21.123456 2026]"),
/// syslog RFC 3164 ("Dec  7 19:46:21", no year), java.util.logging ("Dec 7, 2026 7:46:21 PM") and the Windows event
/// text of Event Viewer exports and Get-EventLog ("12/7/2026 7:46:21 PM"). Every time is UTC (Kind Utc): a line that
/// gives an offset says which; one that gives none is read in the zone the log was written in, taken to be this
/// computer's (as Logstash's date filter and lnav do), so files with and without offsets sort and bucket together.
/// </summary>
public sealed class LineTime
{
    /// <summary>A line's time is in its head: only this many characters are read, whatever the line's length.</summary>
    public const int Reach = 256;

    private const string Month = "(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    private const string Clock = @"(?<h>\d{1,2}):(?<mi>\d{2}):(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?";

    // Leftmost match wins: a line's own time comes before any time it quotes.
    private static readonly Regex Pattern = new(string.Join("|",
        @"(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})[T ]" + Clock + @"(?:\s?(?<z>Z|[+-]\d{2}:?\d{2})(?!\d))?",    // ISO 8601, RFC 3339, Log4j, Python
        @"(?<y>\d{4})/(?<mo>\d{2})/(?<d>\d{2}) " + Clock,                                                    // Go log, nginx error log
        @"(?<d>\d{2})/" + Month + @"/(?<y>\d{4}):" + Clock + @"(?: (?<z>[+-]\d{4}))?",                      // nginx/Apache access, HAProxy
        @"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) " + Month + @" (?<d>\d{1,2}) " + Clock + @" (?<y>\d{4})\b",      // Apache error log, ctime
        @"\b" + Month + @" (?<d>\d{1,2}), (?<y>\d{4}) " + Clock + @" (?<ampm>AM|PM)\b",                       // java.util.logging
        @"\b(?<mo>\d{1,2})/(?<d>\d{1,2})/(?<y>\d{4}),? " + Clock + @"(?: (?<ampm>AM|PM))?",                   // Windows event text (en-US)
        @"\b" + Month + @" {1,2}(?<d>\d{1,2}) " + Clock + @"\b"),                                            // syslog RFC 3164
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    private static readonly string[] Months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

    private readonly DateTime? _reference;
    private readonly TimeZoneInfo _zone;

    /// <param name="reference">
    /// When the log was last written (a file's modification time): syslog lines carry no year, so theirs is the
    /// reference's, or the year before when the month lies after the reference's month (a log that spans New Year).
    /// </param>
    /// <param name="zone">The zone of a time written without an offset; this computer's when null.</param>
    public LineTime(DateTime? reference = null, TimeZoneInfo? zone = null)
    {
        _reference = reference;
        _zone = zone ?? TimeZoneInfo.Local;
    }

    /// <summary>The time at the head of <paramref name="line"/>, or null when it has none we know.</summary>
    public DateTime? Parse(string line)
    {
        int length = Math.Min(line.Length, Reach);
        for (Match m = Pattern.Match(line, 0, length); m.Success; m = m.NextMatch())
        {
            if (From(m) is { } time) return time;
        }
        return null;
    }

    private DateTime? From(Match m)
    {
        int month = m.Groups["mon"].Success ? Array.IndexOf(Months, m.Groups["mon"].Value) + 1 : Number(m, "mo");
        int day = Number(m, "d");
        int hour = Number(m, "h");
        int year = m.Groups["y"].Success ? Number(m, "y") : YearOf(month);
        if (m.Groups["ampm"].Success)
        {
            if (hour is < 1 or > 12) return null;
            hour = hour % 12 + (m.Groups["ampm"].Value == "PM" ? 12 : 0);
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month) || hour > 23 ||
            Number(m, "mi") > 59 || Number(m, "s") > 60 || year is < 1 or > 9999)
        {
            return null;
        }
        var time = new DateTime(year, month, day, hour, Number(m, "mi"), Math.Min(Number(m, "s"), 59), DateTimeKind.Unspecified);
        if (m.Groups["f"] is { Success: true } f)
        {
            string digits = f.Value.Length > 7 ? f.Value[..7] : f.Value.PadRight(7, '0');
            time = time.AddTicks(int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));
        }
        if (m.Groups["z"] is { Success: true } z)
        {
            if (z.Value == "Z") return DateTime.SpecifyKind(time, DateTimeKind.Utc);
            string digits = z.Value.Replace(":", "");
            int minutes = int.Parse(digits.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture) * 60 +
                int.Parse(digits.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            if (minutes > 14 * 60) return null;
            var offset = TimeSpan.FromMinutes(digits[0] == '-' ? -minutes : minutes);
            return DateTime.SpecifyKind(time - offset, DateTimeKind.Utc);
        }
        // A time the zone skips (the hour clocks spring over) was not written by a clock of that zone: not a time.
        return _zone.IsInvalidTime(time) ? null : TimeZoneInfo.ConvertTimeToUtc(time, _zone);
    }

    private int YearOf(int month)
    {
        DateTime reference = _reference ?? DateTime.Now;
        return month > reference.Month ? reference.Year - 1 : reference.Year;
    }

    private static int Number(Match m, string group) =>
        int.Parse(m.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
}
