using System.Globalization;
using System.Reflection;
using System.Text;
using SocketProbe.Engine.Probe;

namespace SocketProbe;

/// <summary>Summaries as plain text, for the host when no output object can be written any more.</summary>
internal static class ProbeSummaryText
{
    // Every public property, as Format-List * would show it: the totals after Ctrl+C are the whole
    // summary (outage, times, every outcome on its own), never a shorter copy that drifts from it.
    private static readonly PropertyInfo[] Properties = typeof(ProbeSummary).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    public static string List(IReadOnlyList<ProbeSummary> summaries)
    {
        int width = Properties.Max(p => p.Name.Length);
        var text = new StringBuilder();
        foreach (var summary in summaries)
        {
            if (text.Length > 0) text.Append('\n');
            foreach (var property in Properties)
            {
                text.Append(property.Name.PadRight(width)).Append(" : ").Append(Format(property.GetValue(summary))).Append('\n');
            }
        }
        return text.ToString().TrimEnd('\n');
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
