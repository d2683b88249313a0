using System.Globalization;

namespace SocketProbe.Engine.Trace;

/// <summary>
/// One line of trace_pipe's text: the task it ran in, its CPU, its context flags, its CLOCK_MONOTONIC
/// stamp, the event and its fields. The text (what the event's own print fmt makes of its record) is
/// read rather than the binary records, so no field offset is ever assumed: the format file only
/// tells which fields exist (<see cref="TraceFormat"/>). Parsed by hand over spans, no regex and no
/// dictionary per line: a busy host prints thousands a second (bench/Watch-TcpReset.Bench.ps1).
/// </summary>
public sealed class TraceLine
{
    public string Task { get; init; } = "";
    public int Pid { get; init; }
    public int Cpu { get; init; }
    /// <summary>irq-info flags ("..s1."): an 's' or 'h' means softirq or hardirq, where the task is whoever was interrupted.</summary>
    public string Flags { get; init; } = "";
    /// <summary>Seconds on the instance's clock (mono: CLOCK_MONOTONIC, the Stopwatch's clock on Linux).</summary>
    public double Seconds { get; init; }
    public string Event { get; init; } = "";
    /// <summary>The event's fields as printed: "a=1 b=x reason: NO_SOCKET".</summary>
    public string Body { get; init; } = "";

    private Dictionary<string, string>? _fields;
    /// <summary>Every field by name (built on first use; <see cref="Field"/> reads one without it).</summary>
    public Dictionary<string, string> Fields => _fields ??= ParseFields(Body);

    /// <summary>Did the event run in a process's own context (a system call), so that Task is the process that caused it?</summary>
    public bool InProcessContext => Flags.Length >= 3 && Flags[2] is not ('s' or 'h' or 'H');

    /// <summary>One field's value ("reason" of "... reason=NO_SOCKET" or of kfree_skb's "reason: NO_SOCKET"), null when absent.</summary>
    public string? Field(string name) => FieldSpan(Body, name, out ReadOnlySpan<char> value) ? value.ToString() : null;

    /// <summary>One field's value as a span of the body (no string made).</summary>
    public bool TryField(string name, out ReadOnlySpan<char> value) => FieldSpan(Body, name, out value);

    /// <summary>One field's value in a printed body (for a <see cref="LineFilter"/>).</summary>
    public static bool FieldSpan(ReadOnlySpan<char> body, string name, out ReadOnlySpan<char> value)
    {
        while (!body.IsEmpty)
        {
            body = body.TrimStart(' ');
            int space = body.IndexOf(' ');
            ReadOnlySpan<char> token = space < 0 ? body : body[..space];
            body = space < 0 ? default : body[(space + 1)..];
            if (!token.StartsWith(name, StringComparison.Ordinal) || token.Length == name.Length) continue;
            char after = token[name.Length];
            if (after == '=') { value = token[(name.Length + 1)..]; return true; }
            if (after == ':' && token.Length == name.Length + 1)
            {
                body = body.TrimStart(' ');
                int end = body.IndexOf(' ');
                value = end < 0 ? body : body[..end];
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>Parse one line; null for anything else (the "CPU:N [LOST n EVENTS]" notes are counted by <see cref="LostEvents"/>).</summary>
    public static TraceLine? Parse(string line) => Parse(line.AsSpan());

    // "  task-with-dashes-1234  [001] ..s1.  9446.772746: tcp_send_reset: key=value ..."
    // (a tgid column "(  1234)" may stand before the CPU; the flags column is absent on old kernels)
    public static TraceLine? Parse(ReadOnlySpan<char> line) => TryParse(line, null, out TraceLine? parsed) == LineKind.Event ? parsed : null;

    /// <summary>
    /// Parse one line into <paramref name="parsed"/>, unless <paramref name="keep"/> turns its event down
    /// first (then no object is made: a watch for one port reads every reset of a busy host).
    /// </summary>
    public static LineKind TryParse(ReadOnlySpan<char> line, LineFilter? keep, out TraceLine? parsed)
    {
        parsed = null;
        line = line.TrimStart(' ');
        // The CPU column: the first "[digits]" that follows "-pid" (a task name may itself hold dashes and digits).
        int open = -1, pidDash = -1;
        for (int i = line.IndexOf('['); i >= 0; i = NextBracket(line, i))
        {
            int close = line[(i + 1)..].IndexOf(']');
            if (close <= 0 || !IsDigits(line.Slice(i + 1, close))) continue;
            ReadOnlySpan<char> before = line[..i].TrimEnd(' ');
            if (before.EndsWith(")"))
            {
                int tgid = before.LastIndexOf('(');
                if (tgid < 0) continue;
                before = before[..tgid].TrimEnd(' ');
            }
            int dash = before.LastIndexOf('-');
            if (dash <= 0 || !IsDigits(before[(dash + 1)..])) continue;
            open = i;
            pidDash = dash;
            break;
        }
        if (open < 0) return LineKind.Other;
        ReadOnlySpan<char> head = line[..pidDash];
        ReadOnlySpan<char> pidText = line[(pidDash + 1)..].TrimStart();
        pidText = pidText[..IndexOfNonDigit(pidText)];
        int cpuEnd = line[open..].IndexOf(']') + open;
        ReadOnlySpan<char> rest = line[(cpuEnd + 1)..].TrimStart(' ');
        ReadOnlySpan<char> flags = default;
        if (!rest.IsEmpty && !char.IsAsciiDigit(rest[0]))
        {
            int sp = rest.IndexOf(' ');
            if (sp < 0) return LineKind.Other;
            flags = rest[..sp];
            rest = rest[sp..].TrimStart(' ');
        }
        int colon = rest.IndexOf(':');
        if (colon <= 0 || !double.TryParse(rest[..colon], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)) return LineKind.Other;
        rest = rest[(colon + 1)..].TrimStart(' ');
        int eventEnd = rest.IndexOf(':');
        if (eventEnd <= 0) return LineKind.Other;
        ReadOnlySpan<char> ev = rest[..eventEnd];
        foreach (char c in ev) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return LineKind.Other;
        ReadOnlySpan<char> body = rest[(eventEnd + 1)..];
        if (!body.IsEmpty && body[0] == ' ') body = body[1..];
        if (keep is not null && !keep(ev, body)) return LineKind.TurnedDown;
        parsed = new TraceLine
        {
            Task = Names.Of(head),
            Pid = int.Parse(pidText, NumberStyles.None, CultureInfo.InvariantCulture),
            Cpu = int.Parse(line.Slice(open + 1, cpuEnd - open - 1), NumberStyles.None, CultureInfo.InvariantCulture),
            Flags = Names.Of(flags),
            Seconds = seconds,
            Event = Names.Of(ev),
            Body = body.ToString(),
        };
        return LineKind.Event;
    }

    private static int NextBracket(ReadOnlySpan<char> line, int at)
    {
        int next = line[(at + 1)..].IndexOf('[');
        return next < 0 ? -1 : at + 1 + next;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (char c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static int IndexOfNonDigit(ReadOnlySpan<char> s)
    {
        int i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i;
    }

    /// <summary>
    /// Task names, flag columns and event names repeat line after line: one string each, not one per
    /// line. Bounded (a host with many short-lived tasks only stops adding, it keeps working).
    /// </summary>
    private static class Names
    {
        private const int Max = 4096;
        [ThreadStatic] private static Dictionary<int, string[]>? _byHash;
        [ThreadStatic] private static int _count;

        public static string Of(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty) return "";
            _byHash ??= new Dictionary<int, string[]>();
            int hash = string.GetHashCode(text, StringComparison.Ordinal);
            if (_byHash.TryGetValue(hash, out string[]? known))
            {
                foreach (string k in known) if (text.SequenceEqual(k)) return k;
            }
            string made = text.ToString();
            if (_count >= Max) return made;
            _count++;
            _byHash[hash] = known is null ? new[] { made } : [.. known, made];
            return made;
        }
    }

    /// <summary>trace_pipe's own note that the ring overwrote events before they were read: how many.</summary>
    public static long LostEvents(string line) => LostEvents(line.AsSpan());

    /// <summary>"CPU:1 [LOST 17 EVENTS]": 17; 0 for any other line.</summary>
    public static long LostEvents(ReadOnlySpan<char> line)
    {
        line = line.TrimStart();
        if (!line.StartsWith("CPU:", StringComparison.Ordinal)) return 0;
        int at = line.IndexOf("[LOST ", StringComparison.Ordinal);
        if (at < 0) return 0;
        ReadOnlySpan<char> n = line[(at + 6)..];
        int end = n.IndexOf(' ');
        return end > 0 && n[end..].StartsWith(" EVENTS]", StringComparison.Ordinal) && long.TryParse(n[..end], NumberStyles.None, CultureInfo.InvariantCulture, out long lost) ? lost : 0;
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
    public static IPEndPoint? Endpoint(string? text) => text is null ? null : Endpoint(text.AsSpan());

    public static IPEndPoint? Endpoint(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port)) return null;
        ReadOnlySpan<char> host = text[..colon].Trim('[').Trim(']');
        return IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : null;
    }
}

/// <summary>What a trace_pipe line was: an event, an event a filter turned down, or other text (a LOST note).</summary>
public enum LineKind { Other, Event, TurnedDown }

/// <summary>Keep an event? Given its name and its printed fields, before anything is made of them.</summary>
public delegate bool LineFilter(ReadOnlySpan<char> eventName, ReadOnlySpan<char> body);

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
