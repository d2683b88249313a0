namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// While established, a router starts answering the client's segments with ICMP host unreachable.
/// TCP treats it as a soft error: it keeps retransmitting and reports it only when it gives up.
/// </summary>
public sealed class IcmpUnreachableEstablished : LabScenario
{
    private static readonly ScenarioStep IcmpFault = new(2, Actors.Peer, "IcmpUnreachable");
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientSend = new(3, Actors.Client, "Send");
    private static readonly ScenarioStep ClientReceive = new(4, Actors.Client, "Receive");

    public override string Name => "IcmpUnreachableEstablished";
    public override double? ExpectedWaitMs(ScenarioRequest request) => request.UserTimeoutMs ?? KernelDefaultWaitMs;
    public override string MemberName => "IcmpUnreachable";
    public override string Description => "A router answers an established connection's segments with ICMP host unreachable: a soft error until the retransmissions give up.";
    public override string Textbook => "soft error; send ends EHOSTUNREACH or ETIMEDOUT";
    public override string Cmdlet => FrontDoors.InvokePeerCrash;
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send };

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Success", null, "the handshake completes; observed on Linux 6.18"),
        ClientSend.Linux("Success", null, "the local kernel queues the bytes; observed on Linux 6.18"),
        ClientReceive.Linux("Error", "EHOSTUNREACH", "tcp_v4_err() (IPv6: tcp_v6_err(), ICMPv6 address unreachable): ICMP unreachable on an established socket only sets sk_err_soft; tcp_write_err() reports it (not ETIMEDOUT) when TCP_USER_TIMEOUT ends the retransmits; observed on Linux 6.18") with { Window = r => TimeWindow.AfterTimer(r.UserTimeoutMs) },
        ClientReceive.MacOS("Error", "ETIMEDOUT", "xnu bsd/netinet/tcp_subr.c tcp_notify(): in ESTABLISHED, EHOSTUNREACH/ENETUNREACH/EHOSTDOWN are ignored (only the cached route is freed; no soft error is kept), so the retransmit timer ends with ETIMEDOUT (tcp_timer.c)"),
        ClientReceive.Windows("Error", "WSAECONNABORTED|WSAEHOSTUNREACH", "Windows Sockets Error Codes"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using PeerConnection? connection = await LabSteps.ConnectToPeerAsync(context, ClientConnect, lab, userTimeout: true).ConfigureAwait(false);
        if (connection is null) return;
        Socket client = connection.Client;

        LabSteps.Fault(context, IcmpFault, $"nft answers every packet to {connection.Host} with {(connection.Host.AddressFamily == AddressFamily.InterNetworkV6 ? "ICMPv6 address-unreachable" : "ICMP host-unreachable")}",
            () => lab.RejectHostUnreachable(connection.Host));
        await LabSteps.SendAsync(context, ClientSend, client).ConfigureAwait(false);
        await LabSteps.ReceiveAsync(context, ClientReceive, client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("IcmpOutDestUnreachs", 18, "the lab router answers every retransmission with ICMP host unreachable (timer-driven: about one per 200 ms of TCP_USER_TIMEOUT)", "net/ipv4/icmp.c __icmp_send()"),
        CounterExpectation.Linux("IcmpInDestUnreachs", 18, "the client receives each one: a soft error (sk_err_soft), the retransmissions go on", "net/ipv4/icmp.c icmp_unreach() -> tcp_v4_err()"),
        CounterExpectation.Linux("TcpRetransSegs", 16, "the unacknowledged write retransmitted until TCP_USER_TIMEOUT: each ICMP reverts the RTO backoff (RFC 6069), so about every 200 ms", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 16, "each retransmission timer expiry", "net/ipv4/tcp_timer.c tcp_retransmit_timer()"),
        CounterExpectation.Linux("TcpExtTCPLossProbes", 1, "a tail loss probe before the first timeout", "net/ipv4/tcp_output.c tcp_send_loss_probe()"),
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "TCP_USER_TIMEOUT ran out: the soft error EHOSTUNREACH is reported", "net/ipv4/tcp_timer.c tcp_write_err()"),
        CounterExpectation.Linux("TcpOutRsts", 1, "the peer's socket reset at the end of the run", "net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection closed by the timeout", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
