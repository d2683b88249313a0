using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace SocketProbe.Engine.Trace;

/// <summary>
/// One line of trace_pipe's text: the task it ran in, its CPU, its context flags, its CLOCK_MONOTONIC
/// stamp, the event and its fields. The text (what the event's own print fmt makes of its record) is
/// read rather than the binary records, so no field offset is ever assumed: the format file only
/// tells which fields exist (<see cref="TraceFormat"/>).
/// </summary>
public sealed partial class TraceLine
{
    public string Task { get; init; } = "";
    public int Pid { get; init; }
    public int Cpu { get; init; }
    /// <summary>irq-info flags ("..s1."): an 's' or 'h' means softirq or hardirq, where the task is whoever was interrupted.</summary>
    public string Flags { get; init; } = "";
    /// <summary>Seconds on the instance's clock (mono: CLOCK_MONOTONIC, the Stopwatch's clock on Linux).</summary>
    public double Seconds { get; init; }
    public string Event { get; init; } = "";
    public Dictionary<string, string> Fields { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Did the event run in a process's own context (a system call), so that Task is the process that caused it?</summary>
    public bool InProcessContext => Flags.Length >= 3 && Flags[2] is not ('s' or 'h' or 'H');

    // "  task-with-dashes-1234  [001] ..s1.  9446.772746: tcp_send_reset: key=value ..."
    [GeneratedRegex(@"^\s*(?<task>.*?)-(?<pid>\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(?<cpu>\d+)\]\s+(?:(?<flags>[^\s\d][^\s]*)\s+)?(?<ts>\d+\.\d+):\s+(?<event>\w+):\s?(?<body>.*)$")]
    private static partial Regex LinePattern();

    /// <summary>Parse one line; null for anything else (the "CPU:N [LOST n EVENTS]" notes are counted by <see cref="LostEvents"/>).</summary>
    public static TraceLine? Parse(string line)
    {
        Match m = LinePattern().Match(line);
        if (!m.Success) return null;
        return new TraceLine
        {
            Task = m.Groups["task"].Value,
            Pid = int.Parse(m.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture),
            Cpu = int.Parse(m.Groups["cpu"].ValueSpan, CultureInfo.InvariantCulture),
            Flags = m.Groups["flags"].Value,
            Seconds = double.Parse(m.Groups["ts"].ValueSpan, CultureInfo.InvariantCulture),
            Event = m.Groups["event"].Value,
            Fields = ParseFields(m.Groups["body"].Value),
        };
    }

    [GeneratedRegex(@"^CPU:\d+ \[LOST (?<n>\d+) EVENTS\]")]
    private static partial Regex LostPattern();

    /// <summary>trace_pipe's own note that the ring overwrote events before they were read: how many.</summary>
    public static long LostEvents(string line)
    {
        Match m = LostPattern().Match(line.TrimStart());
        return m.Success ? long.Parse(m.Groups["n"].ValueSpan, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>"a=1 b=x reason: NO_SOCKET" into a=1, b=x, reason=NO_SOCKET (kfree_skb writes "reason: ").</summary>
    internal static Dictionary<string, string> ParseFields(string body)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] tokens = body.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < tokens.Length; i++)
        {
            string t = tokens[i];
            int eq = t.IndexOf('=');
            if (eq > 0) fields[t.Substring(0, eq)] = t.Substring(eq + 1);
            else if (t.EndsWith(':') && i + 1 < tokens.Length) fields[t.TrimEnd(':')] = tokens[++i];
        }
        return fields;
    }

    /// <summary>"127.0.0.1:80" or "[::1]:80" (the %pISpc form) into an endpoint; null when it is neither.</summary>
    public static IPEndPoint? Endpoint(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)) return null;
        string host = text.Substring(0, colon).Trim('[', ']');
        return IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : null;
    }
}

/// <summary>What an event's format file says about its fields.</summary>
public static class TraceFormat
{
    /// <summary>Does the format list a field of this name ("field:enum sk_rst_reason reason;")?</summary>
    public static bool HasField(string format, string name)
    {
        foreach (string line in format.Split('\n'))
        {
            string t = line.Trim();
            if (!t.StartsWith("field:", StringComparison.Ordinal)) continue;
            int semi = t.IndexOf(';');
            if (semi < 0) continue;
            string decl = t.Substring(6, semi - 6).Trim();
            int bracket = decl.IndexOf('[');
            if (bracket >= 0) decl = decl.Substring(0, bracket);
            int space = decl.LastIndexOfAny(new[] { ' ', '*' });
            if (decl.Substring(space + 1) == name) return true;
        }
        return false;
    }
}
