using System.Text.RegularExpressions;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// Faults of the production-cause lab scenarios: per-namespace sysctls written to /proc/sys (no
/// process), and nft rules each applied with one nft batch. Every rule names one flow (the peer
/// host's address and port) and sits on the input hook, so a segment leaves its sender normally and
/// vanishes "on the path", as it would in a network; nothing here touches the host's namespace.
/// </summary>
public sealed partial class LabNetwork
{
    // Only the namespace's own net.* sysctls, by a fixed name: nothing from a caller reaches a path.
    private static readonly Regex SysctlName = new(@"^net\.(ipv4|ipv6|netfilter|core)\.[a-z0-9_]+$");

    /// <summary>
    /// Set one of this namespace's sysctls by writing /proc/sys/net/... (per network namespace), then
    /// read it back: a value the kernel did not take is a LabException, not a silent no-op.
    /// </summary>
    public void Sysctl(string name, string value)
    {
        if (!SysctlName.IsMatch(name)) throw new ArgumentException($"not a per-namespace net sysctl name: {name}", nameof(name));
        var clock = Stopwatch.StartNew();
        string path = "/proc/sys/" + name.Replace('.', '/');
        WriteSysctl(path, value);
        string now = Normalize(File.ReadAllText(path));
        if (now != Normalize(value))
            throw new LabException($"{name} reads '{now}' after writing '{value}'");
        _logger.LogDebug("lab: {Name} = {Value} ({Ms:F2} ms, /proc write)", name, value, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>The current value of one of this namespace's net sysctls.</summary>
    public static string ReadSysctl(string name)
    {
        if (!SysctlName.IsMatch(name)) throw new ArgumentException($"not a per-namespace net sysctl name: {name}", nameof(name));
        return Normalize(File.ReadAllText("/proc/sys/" + name.Replace('.', '/')));
    }

    /// <summary>
    /// Write one sysctl file. One that cannot be written (a read-only /proc/sys, an LSM's refusal)
    /// means the lab cannot run here: LabCannotRunException, which the run reports as Skipped.
    /// </summary>
    internal static void WriteSysctl(string path, string value)
    {
        try { File.WriteAllText(path, value); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LabCannotRunException(LabEnvironment.SysctlsNotWritable(ex.Message));
        }
    }

    private static string Normalize(string value) => string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Every segment of one client port to the server after its SYN is lost on the path: the
    /// handshake's final ACK (and any later ACK or data) never reaches the server.
    /// </summary>
    public void LoseSegmentsAfterSyn(IPEndPoint server, int clientPort) =>
        Nft($"add rule inet {Table} input {IpOf(server.Address)} daddr {server.Address} tcp dport {server.Port} tcp sport {clientPort} tcp flags != syn drop comment \"lost-after-syn\"\n");

    /// <summary>
    /// A stateful firewall in front of the server: segments of a flow conntrack no longer knows
    /// (ct state invalid, with nf_conntrack_tcp_loose=0 set by the caller) are answered with a
    /// forged RST (<paramref name="reset"/>) or dropped.
    /// </summary>
    public void StatefulFirewall(IPEndPoint server, bool reset) =>
        Nft($"add rule inet {Table} input {IpOf(server.Address)} daddr {server.Address} tcp dport {server.Port} ct state invalid " +
            (reset ? "reject with tcp reset" : "drop") + " comment \"middlebox\"\n");

    /// <summary>A path MTU black hole: packets to the server longer than <paramref name="maxLength"/> bytes vanish, and no ICMP comes back.</summary>
    public void DropLongerThan(IPEndPoint server, int maxLength) =>
        Nft($"add rule inet {Table} input {IpOf(server.Address)} daddr {server.Address} tcp dport {server.Port} meta length > {maxLength} drop comment \"mtu-blackhole\"\n");

    /// <summary>
    /// Loopback as an Ethernet-sized link: MTU <paramref name="mtu"/> and one segment per packet
    /// (gso_max_segs 1), so each TCP segment passes the input hook at its own size, as a NIC's TSO
    /// would put it on the wire (loopback otherwise hands up one GSO packet of many segments).
    /// </summary>
    public void LoopbackAsLink(int mtu) =>
        Run("ip", "link", "set", "dev", "lo", "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "gso_max_segs", "1");

    private static string IpOf(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
}

/// <summary>
/// What this namespace's kernel lists in /proc/net/tcp and /proc/net/nf_conntrack: read as files,
/// no process. Used for Notes (the server side of a flow, a TIME_WAIT port, a forgotten flow).
/// </summary>
public static class LabTables
{
    // include/net/tcp_states.h, the hex "st" column of /proc/net/tcp
    private static readonly string[] States =
    {
        "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    };

    /// <summary>One row of /proc/net/tcp: its ports, state, and queues (rx_queue of a listener is its accept queue length).</summary>
    public sealed record TcpRow(int LocalPort, int RemotePort, string State, long TxQueue, long RxQueue);

    public static IReadOnlyList<TcpRow> Tcp()
    {
        var rows = new List<TcpRow>();
        foreach (string file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(file)) continue;
            foreach (string line in File.ReadLines(file).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue ...
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 5) continue;
                int state = Convert.ToInt32(f[3], 16);
                string[] queues = f[4].Split(':');
                rows.Add(new TcpRow(PortOf(f[1]), PortOf(f[2]), state < States.Length ? States[state] : $"state {state}",
                    Convert.ToInt64(queues[0], 16), Convert.ToInt64(queues[1], 16)));
            }
        }
        return rows;
    }

    /// <summary>The state of the socket with this local and remote port (either side of a flow), or null when the kernel lists none.</summary>
    public static string? StateOf(int localPort, int remotePort) =>
        Tcp().FirstOrDefault(r => r.LocalPort == localPort && r.RemotePort == remotePort)?.State;

    /// <summary>The listener on this port, if any.</summary>
    public static TcpRow? Listener(int port) => Tcp().FirstOrDefault(r => r.LocalPort == port && r.State == "LISTEN");

    /// <summary>
    /// Does conntrack still know the flow between these ports? (Its /proc listing leaves out entries
    /// that have expired.) Null, with the reason in <paramref name="unknownWhy"/>, where the namespace
    /// has no conntrack listing or may not read it: run by a user other than root, the lab's
    /// /proc/net/nf_conntrack stays root's of the host (net/netfilter/nf_conntrack_standalone.c gives
    /// it to the namespace's root only when that user is mapped, and unshare maps it only after
    /// making the namespace). The listing is evidence in a note; the run goes on without it.
    /// </summary>
    public static bool? ConntrackKnows(int clientPort, int serverPort, out string? unknownWhy)
    {
        const string file = "/proc/net/nf_conntrack";
        unknownWhy = null;
        if (!File.Exists(file)) { unknownWhy = $"no {file}"; return null; }
        string wanted = $"sport={clientPort} dport={serverPort} ";
        try { return File.ReadLines(file).Any(l => l.Contains(" tcp ") && l.Contains(wanted)); }
        catch (UnauthorizedAccessException)
        {
            unknownWhy = $"{file} is not readable here: run by a user other than root, the lab's listing stays the host root's";
            return null;
        }
    }

    private static int PortOf(string address) => Convert.ToInt32(address[(address.LastIndexOf(':') + 1)..], 16);
}
