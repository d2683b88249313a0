using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// The network inside the lab namespace: loopback up, ICMP rate limits off (they are per
/// namespace), and nft rules that make the peer's address silent or unreachable. Only ever used
/// inside a namespace the lab created, and it proves that first (<see cref="LabEnvironment.RequireOwnNamespace"/>):
/// nothing here touches the host's network.
/// </summary>
public sealed partial class LabNetwork
{
    /// <summary>The peer host's address: loopback range, inside the lab namespace only.</summary>
    public static readonly IPAddress PeerHost = IPAddress.Parse("127.13.0.2");

    /// <summary>An address the lab namespace has no route to (RFC 5737 TEST-NET-1: never routed anywhere).</summary>
    public static readonly IPAddress Unroutable = IPAddress.Parse("192.0.2.1");

    /// <summary>The IPv6 peer host: a unique local address (RFC 4193) the lab puts on its own lo (<see cref="AddPeerHost"/>).</summary>
    public static readonly IPAddress PeerHost6 = IPAddress.Parse("fd00:5350::2");

    /// <summary>
    /// The IPv6 client's own address, beside the peer's on lo. Without it the kernel would pick the
    /// peer's address as the client's source (the same host), and a fault aimed at the peer host would
    /// also catch what comes back to the client (an ICMPv6 error to the peer's address is dropped by
    /// the rule it reports). Over IPv4 the client speaks from 127.0.0.1 already.
    /// </summary>
    public static readonly IPAddress ClientHost6 = IPAddress.Parse("fd00:5350::1");

    /// <summary>An IPv6 address with no route (RFC 3849 documentation prefix).</summary>
    public static readonly IPAddress Unroutable6 = IPAddress.Parse("2001:db8::1");

    /// <summary>The peer host of <paramref name="family"/>: IPv6 needs <see cref="AddPeerHost"/> first.</summary>
    public static IPAddress PeerHostOf(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? PeerHost6 : PeerHost;

    /// <summary>The unroutable address of <paramref name="family"/>.</summary>
    public static IPAddress UnroutableOf(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? Unroutable6 : Unroutable;

    /// <summary>
    /// Make the peer host of <paramref name="family"/> local to this namespace: 127.13.0.2 is on lo
    /// already (all of 127/8 is); the IPv6 peer and client addresses are added to lo (nodad: usable
    /// at once) in one ip run, in this namespace only, and go with it.
    /// </summary>
    public void AddPeerHost(AddressFamily family)
    {
        if (family != AddressFamily.InterNetworkV6 || _ipv6HostsAdded) return;
        _ipv6HostsAdded = true;
        RunTool("ip", new[] { "-6", "-batch", "-" }, $"addr add {ClientHost6}/128 dev lo nodad\naddr add {PeerHost6}/128 dev lo nodad\n");
        WaitForLocalRoutes(ClientHost6, PeerHost6);
    }

    /// <summary>How long the kernel may take to install an added IPv6 address's local route.</summary>
    public const int LocalRouteBoundMs = 3_000;

    /// <summary>
    /// ip returns when the address exists, but the kernel installs its local route later, from its
    /// addrconf work queue (addrconf_dad_start() queues addrconf_dad_work(), which, nodad or not, calls
    /// ipv6_ifa_notify() -> ip6_ins_rt()). Until then a bind to the address works but a segment to it
    /// finds no local route: connect ends in ENETUNREACH after a SYN retransmission (seen on a loaded
    /// machine). So wait, bounded, until /proc/net/ipv6_route lists each address as RTF_LOCAL.
    /// </summary>
    private void WaitForLocalRoutes(params IPAddress[] addresses)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int polls = 0; ; polls++)
        {
            var missing = addresses.Where(a => !HasLocalRoute(File.ReadAllText("/proc/net/ipv6_route"), a)).ToList();
            if (missing.Count == 0)
            {
                if (polls > 0) _logger.LogDebug("lab: the IPv6 local routes appeared after {Ms:F1} ms ({Polls} polls)", clock.Elapsed.TotalMilliseconds, polls);
                return;
            }
            if (clock.ElapsedMilliseconds > LocalRouteBoundMs)
                throw new LabException($"the kernel did not install the local route of {string.Join(", ", missing)} within {LocalRouteBoundMs} ms of adding the address (/proc/net/ipv6_route)");
            Thread.Sleep(1);
        }
    }

    private const uint RtfLocal = 0x80000000;   // include/uapi/linux/ipv6_route.h RTF_LOCAL

    /// <summary>Whether a /proc/net/ipv6_route text lists <paramref name="address"/>/128 as a local route.</summary>
    public static bool HasLocalRoute(string ipv6Route, IPAddress address)
    {
        string destination = Convert.ToHexString(address.GetAddressBytes()).ToLowerInvariant();
        foreach (string line in ipv6Route.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // dest plen src srcplen nexthop metric refcnt use flags device
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 10 && f[0] == destination && f[1] == "80"
                && uint.TryParse(f[8], System.Globalization.NumberStyles.HexNumber, null, out uint flags) && (flags & RtfLocal) != 0)
                return true;
        }
        return false;
    }

    /// <summary>Bind <paramref name="client"/> to the client host of its family (IPv6: <see cref="ClientHost6"/>; IPv4: the kernel's 127.0.0.1).</summary>
    public static void BindClient(Socket client)
    {
        if (client.AddressFamily == AddressFamily.InterNetworkV6) client.Bind(new IPEndPoint(ClientHost6, 0));
    }

    /// <summary>How long one nft or ip run may take before the lab gives up on it (and kills it).</summary>
    public const int ToolTimeoutMs = 5_000;

    private const string Table = "socketprobe_lab";
    private static readonly Regex Echoed = new(@"^add (table|chain|rule) .*# handle \d+\s*$", RegexOptions.Multiline);
    private static readonly Regex Added = new(@"^\s*add (table|chain|rule) ", RegexOptions.Multiline);
    private readonly ILogger _logger;
    private bool _tableMade;
    private bool _ipv6HostsAdded;

    private LabNetwork(ILogger logger) => _logger = logger;

    /// <summary>Prepare the namespace; refuses (LabException, nothing changed) in a namespace it did not make.</summary>
    public static LabNetwork Prepare(ILogger logger)
    {
        LabEnvironment.RequireOwnNamespace();
        var lab = new LabNetwork(logger);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        LoopbackUp();
        // Several ICMP errors in a row must all be sent: the rate limits are per namespace.
        WriteSysctl("/proc/sys/net/ipv4/icmp_ratelimit", "0");
        if (File.Exists("/proc/sys/net/ipv6/icmp/ratelimit")) WriteSysctl("/proc/sys/net/ipv6/icmp/ratelimit", "0");
        logger.LogDebug("lab: lo up, ICMP rate limits off ({Ms:F1} ms, no process)", clock.Elapsed.TotalMilliseconds);
        // The nft table is made with the first fault, in the same nft run (one process per fault).
        return lab;
    }

    /// <summary>
    /// The peer host goes silent: every packet to or from it is dropped. On arrival (input hook),
    /// not on the way out: the packets still cross the wire, as to a real dead host, so -Capture
    /// shows the retransmissions nobody answers.
    /// </summary>
    public void Silence(IPAddress host) =>
        Nft($"add rule inet {Table} input {Family(host)} daddr {host} drop comment \"silent-host\"\n" +
            $"add rule inet {Table} input {Family(host)} saddr {host} drop comment \"silent-host\"\n");

    /// <summary>A router answers every packet to the host with ICMP host unreachable (ICMPv6 address unreachable).</summary>
    public void RejectHostUnreachable(IPAddress host) =>
        Nft(host.AddressFamily == AddressFamily.InterNetworkV6
            ? $"add rule inet {Table} input ip6 daddr {host} reject with icmpv6 type addr-unreachable comment \"router\"\n"
            : $"add rule inet {Table} input ip daddr {host} reject with icmp type host-unreachable comment \"router\"\n");

    /// <summary>
    /// Refuse to go on unless the kernel here really has no route to <paramref name="address"/>: on
    /// some hosts (this CI VM among them) TEST-NET-1 is the host namespace's gateway. Read from the
    /// namespace's own routing table (/proc/net/route, /proc/net/ipv6_route), not by a process.
    /// </summary>
    public void RequireNoRoute(IPAddress address)
    {
        string? route = address.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6RouteTo(address) : Ipv4RouteTo(address);
        if (route is not null)
            throw new LabException($"this namespace has a route to {address} ({route}); the no-route scenario will not send to it");
    }

    /// <summary>
    /// Remove every fault rule: the host is back. One nft run, one transaction: the table goes with
    /// its rules and an empty one with the same chains takes its place. nft applies a batch whole or
    /// not at all, so its echo of the new table and chains (with their handles) proves the rules are
    /// gone: no second run to list them.
    /// </summary>
    public void Heal()
    {
        if (!_tableMade) return;
        Nft($"delete table inet {Table}\n" + TableAndChains);
    }

    private static string TableAndChains =>
        $"add table inet {Table}\n" +
        $"add chain inet {Table} output {{ type filter hook output priority 0; policy accept; }}\n" +
        $"add chain inet {Table} input {{ type filter hook input priority 0; policy accept; }}\n";

    /// <summary>
    /// Apply an nft script in one nft run (with the lab's table and chains first, if not made yet).
    /// Every table, chain and rule it adds must come back in nft's echo with its handle: a tool that
    /// exits 0 but printed something else has not done its part, and the step must not say Success.
    /// </summary>
    public void Nft(string script)
    {
        string batch = _tableMade ? script : TableAndChains + script;
        string echo = RunTool("nft", new[] { "--echo", "--handle", "-f", "-" }, batch);
        int wanted = Added.Matches(batch).Count, got = Echoed.Matches(echo).Count;
        if (got < wanted)
            throw new LabException($"nft exited 0 but echoed {got} of the {wanted} objects it was to add, so the fault is not in place: '{echo.Trim()}' for '{batch.Trim()}'");
        _tableMade = true;
    }

    /// <summary>Run one of the lab's tools (bounded, dying with the lab); a failure is a LabException.</summary>
    public void Run(string tool, params string[] args) => RunTool(tool, args, null);

    private string RunTool(string tool, string[] args, string? input)
    {
        ToolResult result = LabEnvironment.RunToolAsync(tool, args, input, ToolTimeoutMs, CancellationToken.None).GetAwaiter().GetResult();
        if (result.TimedOut)
            throw new LabException($"{tool} {string.Join(' ', args)} did not finish within {ToolTimeoutMs / 1000} s and was killed");
        if (!result.Succeeded)
            throw new LabException($"{tool} {string.Join(' ', args)} failed ({result.Status!.Describe()}): {result.Error.Trim()} {input}".Trim());
        _logger.LogDebug("lab: {Tool} {Args} {Input} ({Ms:F1} ms)", tool, string.Join(' ', args), input?.Replace('\n', ';'), result.ElapsedMs);
        return result.Output;
    }

    private static string Family(IPAddress host) => host.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";

    private static string? Ipv4RouteTo(IPAddress address)
    {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask ...: addresses in hex, host byte order.
        uint target = BitConverter.ToUInt32(address.GetAddressBytes(), 0);
        foreach (string line in File.ReadLines("/proc/net/route").Skip(1))
        {
            string[] f = line.Split('\t', ' ').Where(x => x.Length > 0).ToArray();
            if (f.Length < 8) continue;
            uint dest = uint.Parse(f[1], NumberStyles.HexNumber), mask = uint.Parse(f[7], NumberStyles.HexNumber);
            if ((target & mask) == dest) return line.Trim();
        }
        return null;
    }

    private static string? Ipv6RouteTo(IPAddress address)
    {
        // dest(32 hex) dest-prefix-len(hex) src src-len next-hop metric refcnt use flags iface
        byte[] target = address.GetAddressBytes();
        foreach (string line in File.ReadLines("/proc/net/ipv6_route"))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || f[9] == "lo" && f[0] != Convert.ToHexString(target).ToLowerInvariant()) continue;
            byte[] dest = Convert.FromHexString(f[0]);
            int prefix = int.Parse(f[1], NumberStyles.HexNumber);
            bool covers = true;
            for (int bit = 0; bit < prefix && covers; bit++)
                covers = ((dest[bit / 8] ^ target[bit / 8]) & (0x80 >> (bit % 8))) == 0;
            if (covers) return line.Trim();
        }
        return null;
    }

    /// <summary>ip link set lo up, without a process: SIOCGIFFLAGS/SIOCSIFFLAGS on a datagram socket (netdevice(7)).</summary>
    private static unsafe void LoopbackUp()
    {
        const int SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, IFF_UP = 0x1;
        int fd = Native.Libc.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
        if (fd < 0) throw new LabException($"socket(AF_INET, SOCK_DGRAM) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            byte* ifreq = stackalloc byte[40]; // struct ifreq: char ifr_name[16]; then the union (short ifr_flags)
            new Span<byte>(ifreq, 40).Clear();
            "lo"u8.CopyTo(new Span<byte>(ifreq, 16));
            if (Native.Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) != 0)
                throw new LabException($"ioctl(SIOCGIFFLAGS, lo) failed: errno {Marshal.GetLastPInvokeError()}");
            *(short*)(ifreq + 16) |= IFF_UP;
            if (Native.Libc.ioctl(fd, SIOCSIFFLAGS, ifreq) != 0)
                throw new LabException($"ioctl(SIOCSIFFLAGS, lo up) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally { Native.Libc.close(fd); }
    }
}
