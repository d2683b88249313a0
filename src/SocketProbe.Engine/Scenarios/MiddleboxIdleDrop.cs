namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A stateful firewall forgets an idle flow and silently drops its next segments (as Azure Load
/// Balancer does by default after 4 minutes idle): the client's write is accepted, retransmitted
/// into nothing, and its read gives ETIMEDOUT at TCP_USER_TIMEOUT; the server stays ESTABLISHED.
/// </summary>
public sealed class MiddleboxIdleDrop : MiddleboxIdleScenario
{
    private const string Observed = "observed on Linux 6.18";

    public override string Name => "MiddleboxIdleDrop";
    public override string MemberName => "MiddleboxDrop";
    public override string Description => "A stateful firewall forgets an idle flow and drops its next segments: the write is accepted, the read gives ETIMEDOUT at TCP_USER_TIMEOUT, the server stays ESTABLISHED.";
    public override string Textbook => "not in the textbook: as a crashed peer host, retransmits then ETIMEDOUT (Stevens UNP 5.14)";
    protected override bool Resets => false;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "conntrack tracks the handshake: the entry becomes ESTABLISHED; " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        Send.Linux("Success", null, "tcp_sendmsg_locked() queues the bytes; nothing acknowledges them; " + Observed),
        Receive.Linux("Error", "ETIMEDOUT",
            "the expired conntrack entry is not found and tcp_new() refuses a non-SYN (nf_conntrack_tcp_loose 0): ct state invalid, nft drop; " +
            "tcp_write_timeout(): unacknowledged data older than TCP_USER_TIMEOUT -> tcp_write_err() ETIMEDOUT; " + Observed)
            with { Window = r => TimeWindow.AfterTimer(r.UserTimeoutMs) },
        SendAgain.Linux("Error", "EPIPE", LinuxSendPaths.AfterErrorTaken + "; " + Observed),

        Receive.MacOS("Error", "ETIMEDOUT", "Stevens UNP 5.14 (BSD: retransmits, then ETIMEDOUT); tcp(4) TCP_RXT_CONNDROPTIME"),
        Receive.Windows("Error", "WSAECONNABORTED|WSAETIMEDOUT", "Windows Sockets Error Codes: 10053 after retransmission time-out; TCP_MAXRT"),
    };

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "the kernel gave up: ETIMEDOUT", "net/ipv4/tcp_timer.c tcp_write_err()"),
        CounterExpectation.Linux("TcpRetransSegs", 5, "segments retransmitted into the fault", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 5, "retransmission timer expiries", "net/ipv4/tcp_timer.c tcp_retransmit_timer(), tcp_syn_ack_timeout()"),
        CounterExpectation.Linux("TcpExtTCPLossProbes", 1, "a tail loss probe", "net/ipv4/tcp_output.c tcp_send_loss_probe()"),
    };
}
