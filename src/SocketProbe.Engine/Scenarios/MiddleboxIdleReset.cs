namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A stateful firewall forgets an idle flow and answers its next segment with a forged RST (as AWS
/// NLB does after 350 s idle): the client's write is accepted, its read gives ECONNRESET, while the
/// server's socket stays ESTABLISHED, knowing nothing.
/// </summary>
public sealed class MiddleboxIdleReset : MiddleboxIdleScenario
{
    private const string Observed = "observed on Linux 6.18";

    public override string Name => "MiddleboxIdleReset";
    public override string MemberName => "MiddleboxReset";
    public override string Description => "A stateful firewall forgets an idle flow and answers the next segment with a forged RST: the write is accepted, the read gives ECONNRESET, the server stays ESTABLISHED.";
    public override string Textbook => "not in the textbook: a middlebox RST reads as ECONNRESET, as if the peer had reset";
    protected override bool Resets => true;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "conntrack tracks the handshake: the entry becomes ESTABLISHED; " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        Send.Linux("Success", null, "tcp_sendmsg_locked() queues the bytes; the segment leaves the client; " + Observed),
        Receive.Linux("Error", "ECONNRESET",
            "net/netfilter/nf_conntrack_core.c: the expired entry is not found (nf_ct_is_expired), nf_conntrack_tcp_packet() -> tcp_new() refuses a " +
            "non-SYN with nf_conntrack_tcp_loose 0 -> ct state invalid; nft reject -> nf_send_reset() (net/ipv4/netfilter/nf_reject_ipv4.c); " +
            "client tcp_reset(): ECONNRESET; " + Observed),
        SendAgain.Linux("Error", "EPIPE", LinuxSendPaths.AfterErrorTaken + "; " + Observed),

        Receive.MacOS("Error", "ECONNRESET",
            "the forged RST is in window, so xnu bsd/netinet/tcp_input.c takes it as the peer's: ESTABLISHED -> so_error = ECONNRESET (soreceive returns it)"),
        SendAgain.MacOS("Error", "EPIPE", "xnu bsd/kern/uipc_socket.c sosendcheck(): SS_CANTSENDMORE after the reset -> EPIPE"),
        Receive.Windows("Error", "WSAECONNRESET", "Windows Sockets Error Codes: WSAECONNRESET 10054; the client cannot tell a middlebox's RST from the peer's"),
    };

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
