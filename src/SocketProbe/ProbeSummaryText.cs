using System.Globalization;
using System.Text;
using SocketProbe.Engine.Probe;

namespace SocketProbe;

/// <summary>Summaries as a plain text table, for the host when no output object can be written any more.</summary>
internal static class ProbeSummaryText
{
    public static string Table(IReadOnlyList<ProbeSummary> summaries)
    {
        string[] header = { "Target", "Address", "Sent", "Open", "Refused", "TimedOut", "Reset", "Closed", "Error", "Local", "Loss%", "AvgMs" };
        var rows = new List<string[]> { header };
        foreach (var s in summaries)
        {
            rows.Add(new[]
            {
                (s.Target.Contains(':') ? $"[{s.Target}]" : s.Target) + ":" + s.Port.ToString(CultureInfo.InvariantCulture), s.Address ?? "",
                N(s.Sent), N(s.Open), N(s.Refused), N(s.TimedOut), N(s.Reset), N(s.Closed),
                N(s.Error + s.HostUnreachable + s.NetworkUnreachable + s.NameNotResolved), N(s.LocalError),
                s.LossPercent?.ToString("F1", CultureInfo.InvariantCulture) ?? "",
                s.AvgMs?.ToString("F3", CultureInfo.InvariantCulture) ?? "",
            });
        }
        int[] widths = Enumerable.Range(0, header.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                text.Append(i < 2 ? row[i].PadRight(widths[i]) : row[i].PadLeft(widths[i]));
                if (i < row.Length - 1) text.Append(' ');
            }
            text.Append('\n');
        }
        return text.ToString().TrimEnd('\n');
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
