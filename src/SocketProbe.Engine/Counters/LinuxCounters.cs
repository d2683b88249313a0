using System.Globalization;

namespace SocketProbe.Engine.Counters;

/// <summary>
/// Linux: /proc/net/snmp and /proc/net/netstat (pairs of lines, "Tcp: names" then "Tcp: values")
/// and /proc/net/snmp6 ("Ip6InReceives value" a line), read for the network namespace this process
/// runs in (/proc/net is /proc/self/net). Names are nstat's (iproute2 misc/nstat.c): the line's
/// prefix glued to the column name, snmp6 names as they are.
/// </summary>
public static class LinuxCounters
{
    public const string SnmpPath = "/proc/net/snmp";
    public const string NetstatPath = "/proc/net/netstat";
    public const string Snmp6Path = "/proc/net/snmp6";

    // nstat leaves these out (misc/nstat.c useless_number()): constants and gauges, not counts of events.
    private static readonly HashSet<string> NotCounters = new(StringComparer.Ordinal)
    {
        "IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn", "TcpCurrEstab",
    };

    public static CounterSnapshot Read()
    {
        string snmp, netstat, snmp6;
        try
        {
            snmp = File.ReadAllText(SnmpPath);
            netstat = File.Exists(NetstatPath) ? File.ReadAllText(NetstatPath) : "";
            // No IPv6 in this kernel (ipv6.disable=1): no snmp6, and no Ip6 counters.
            snmp6 = File.Exists(Snmp6Path) ? File.ReadAllText(Snmp6Path) : "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CountersUnavailableException($"cannot read the kernel's counters from {SnmpPath}: {ex.Message}", ex);
        }
        DateTime at = DateTime.Now;
        return new CounterSnapshot(Parse(snmp, netstat, snmp6), at,
            $"{SnmpPath}, {NetstatPath}, {Snmp6Path} of network namespace {NamespaceId() ?? "(unknown)"}");
    }

    /// <summary>This process's network namespace as the kernel names it, e.g. "net:[4026531840]".</summary>
    public static string? NamespaceId()
    {
        try { return new FileInfo("/proc/self/ns/net").LinkTarget; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Parse the three files' text into nstat-named counters, in file order.</summary>
    public static IReadOnlyList<KeyValuePair<string, long>> Parse(string snmp, string netstat, string snmp6)
    {
        var values = new List<KeyValuePair<string, long>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string name, string text)
        {
            if (NotCounters.Contains(name) || !seen.Add(name)) return;
            // Counters are unsigned 64-bit in the kernel; anything that does not parse is not a counter.
            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u))
                values.Add(new(name, unchecked((long)u)));
            else if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                values.Add(new(name, l));
        }
        foreach (string file in new[] { snmp, netstat }) ParsePairs(file, Add);
        foreach (string line in Lines(snmp6))
        {
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2) Add(parts[0], parts[1]);
        }
        return values;
    }

    private static void ParsePairs(string text, Action<string, string> add)
    {
        string[] lines = Lines(text).ToArray();
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            string[] names = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string[] values = lines[i + 1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            // "Tcp:" heads both lines of a pair; a file out of step is not parsed further.
            if (names.Length == 0 || values.Length == 0 || names[0] != values[0] || !names[0].EndsWith(':')) return;
            string prefix = names[0].TrimEnd(':');
            for (int c = 1; c < Math.Min(names.Length, values.Length); c++) add(prefix + names[c], values[c]);
        }
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0);
}
