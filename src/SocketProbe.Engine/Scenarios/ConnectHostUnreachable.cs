namespace SocketProbe.Engine.Scenarios;

/// <summary>A router answers the SYN with ICMP host unreachable (nft reject, in the lab namespace).</summary>
public sealed class ConnectHostUnreachable : LabScenario
{
    private static readonly ScenarioStep IcmpFault = new(1, Actors.Peer, "IcmpUnreachable");
    private static readonly ScenarioStep ClientConnect = new(2, Actors.Client, "Connect");

    public override string Name => "ConnectHostUnreachable";
    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // an immediate answer (ICMP, no route, RST)
    public override string Description => "A router answers every SYN with ICMP host unreachable.";
    public override string Textbook => "EHOSTUNREACH";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    // xnu's handling of any ICMP unreachable before the connection is established, whichever errno it carries.
    private const string MacSoftError =
        "tcp_notify(): before ESTABLISHED the error only sets t_softerror and the SYN is retransmitted; the connect fails with it only after 4 retransmits (t_rxtshift > 3) " +
        "or when the retries run out (tcp_timer.c: tcp_drop(tp, t_softerror ? t_softerror : ETIMEDOUT)), not at once. FreeBSD tcp-testsuite rcv-icmp/rcv-icmp-hard-error-ignored-ipv4.pkt: SO_ERROR stays 0. " +
        "(An ICMP admin-prohibited is different: tcp_ctlinput() -> tcp_drop_syn_sent() ECONNREFUSED at once, rcv-icmp-hard-error-host-prohibited-ipv4.pkt)";

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Error", "EHOSTUNREACH", "tcp_v4_err(): ICMP host unreachable in SYN_SENT fails the connect with EHOSTUNREACH (IPv6: tcp_v6_err(), icmpv6_err_convert() address unreachable -> EHOSTUNREACH); observed on Linux 6.18: over IPv4 at once; over IPv6 the first ICMPv6 error reached the socket while connect() held it (TcpExtLockDroppedIcmps +1: kept as a soft error) and the retransmitted SYN's error failed it, about 1 s later"),
        ClientConnect.MacOS("Error", "ENETUNREACH", "xnu bsd/netinet/ip_icmp.c icmp_input(): ICMP_UNREACH_HOST is turned into PRC_UNREACH_NET, and bsd/netinet/ip_input.c inetctlerrmap[PRC_UNREACH_NET] is ENETUNREACH: " +
            "tcp_subr.c tcp_ctlinput() -> tcp_notify(inp, ENETUNREACH). " + MacSoftError).Over(AddressFamily.InterNetwork),
        ClientConnect.MacOS("Error", "EHOSTUNREACH", "xnu bsd/netinet6/icmp6.c icmp6_input(): ICMP6_DST_UNREACH_ADDR is turned into PRC_UNREACH_NET too, but bsd/netinet6/ip6_input.c inet6ctlerrmap[PRC_UNREACH_NET] is EHOSTUNREACH: " +
            "tcp6_ctlinput() -> in6_pcbnotify() -> tcp_notify(inp, EHOSTUNREACH). " + MacSoftError).Over(AddressFamily.InterNetworkV6),
        ClientConnect.Windows("Error", "WSAEHOSTUNREACH", "Windows Sockets Error Codes, WSAEHOSTUNREACH 10065"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        var family = context.Request.AddressFamily;
        var host = LabNetwork.PeerHostOf(family);
        string icmp = family == AddressFamily.InterNetworkV6 ? "ICMPv6 address-unreachable" : "ICMP host-unreachable";
        LabSteps.Fault(context, IcmpFault, $"nft answers every packet to {host} with {icmp}",
            () => { lab.AddPeerHost(family); lab.RejectHostUnreachable(host); });
        await LabSteps.ConnectWithSynRetriesAsync(context, ClientConnect, host).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("IcmpOutDestUnreachs", 1, "the lab's router (nft reject) answers the SYN with ICMP host unreachable", "net/ipv4/icmp.c __icmp_send() from nft reject"),
        CounterExpectation.Linux("IcmpInDestUnreachs", 1, "the client receives it: connect() fails EHOSTUNREACH", "net/ipv4/icmp.c icmp_unreach() -> tcp_v4_err()"),
        CounterExpectation.Linux("TcpExtLockDroppedIcmps", 1, "the ICMP arrived while the socket was locked by the connecting thread: kept as a soft error", "net/ipv4/tcp_ipv4.c tcp_v4_err()"),
    };
}
