namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A path MTU black hole (a tunnel or a firewall that drops big packets and filters the ICMP
/// "fragmentation needed"): the handshake and small writes work, a large write is accepted and never
/// arrives, and the client's read gives ETIMEDOUT at TCP_USER_TIMEOUT (net.ipv4.tcp_mtu_probing 0,
/// the kernel's default).
/// </summary>
public sealed class MtuBlackhole : MtuBlackholeScenario
{
    private static readonly ScenarioStep Receive = new(7, Actors.Client, "Receive");

    private const string Observed = "observed on Linux 6.18";

    public override string Name => "MtuBlackhole";
    public override string Description => "Big segments vanish on the path and no ICMP 'fragmentation needed' comes back: small writes work, a large write is accepted and never arrives; the read gives ETIMEDOUT.";
    public override string Textbook => "RFC 2923 2.1: a PMTUD black hole stalls the connection once it sends full-sized segments";
    protected override int MtuProbing => 0;
    protected override bool UsesUserTimeout => true;
    public override double? ExpectedWaitMs(ScenarioRequest request) => request.UserTimeoutMs ?? KernelDefaultWaitMs;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the handshake's segments are small; MSS from the link's MTU (tcp_mss_to_mtu); " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        SmallSend.Linux("Success", null, "a segment shorter than the path's MTU; " + Observed),
        SmallReceive.Linux("Success", null, "the small write arrives; " + Observed),
        LargeSend.Linux("Success", null, "tcp_sendmsg_locked() queues the bytes: the write is accepted locally; " + Observed),
        Receive.Linux("Error", "ETIMEDOUT",
            "no ICMP, so no tcp_v4_mtu_reduced(); tcp_write_timeout(): with tcp_mtu_probing 0 tcp_mtu_probing() does nothing, the full-sized " +
            "retransmissions vanish too, and unacknowledged data older than TCP_USER_TIMEOUT -> tcp_write_err() ETIMEDOUT; " + Observed)
            with { Window = r => TimeWindow.AfterTimer(r.UserTimeoutMs) },

        LargeSend.MacOS("Success", null, "sosend(): the bytes fit the send buffer"),
        Receive.MacOS("TimedOut", null,
            "xnu bsd/netinet/tcp_timer.c tcp_timers(): net.inet.tcp.pmtud_blackhole_detection (default 1) lowers the MSS to pmtud_blackhole_mss (1200) " +
            "at the second retransmission in ESTABLISHED, so the write gets through and the connection lives: the read waits (our bound)"),
        LargeSend.Windows("Success", null, "send function: the bytes fit the send buffer"),
        Receive.Windows("Error", "WSAECONNABORTED|WSAETIMEDOUT",
            "Windows TCP/IP parameters: EnablePMTUBHDetect defaults to 0 (black-hole detection off); retransmissions end the connection (10053 / 10060)"),
    };

    protected override async Task EndAsync(ScenarioContext context, Socket client, Socket server, int mssBefore)
    {
        var buffer = new byte[256];
        var read = await context.MeasureAsync(Receive, SocketCalls.Receive(client, buffer), client, isReceive: true).ConfigureAwait(false);
        context.Emit(read.WithNote($"{LabSteps.ServerSide(server)}: nothing of the large write arrived; the client's MSS stayed {SegmentSize(client)} (TCP_MAXSEG)"));
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "the kernel gave up: ETIMEDOUT", "net/ipv4/tcp_timer.c tcp_write_err()"),
        CounterExpectation.Linux("TcpRetransSegs", 4, "segments retransmitted into the fault", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 4, "retransmission timer expiries", "net/ipv4/tcp_timer.c tcp_retransmit_timer(), tcp_syn_ack_timeout()"),
    };
}
