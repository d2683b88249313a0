namespace SocketProbe.Engine.Trace;

/// <summary>
/// The reset each catalogue scenario that ends in an RST makes the kernel report, with the kernel
/// source that sends it: the expected data (never an observed field) of tests/Watch-TcpReset.Tests.ps1,
/// which runs each scenario with -Trace and checks that its rows agree; observed so on Linux 6.18.
/// Get-SocketScenario shows them.
/// </summary>
public static class ScenarioResets
{
    /// <summary>One expected RST: Sent (with the kernel's reason; "A|B" where the source allows either) or Received with no send on this host (Reason null).</summary>
    public sealed record Expected(string Direction, string? Reason, string Source);

    private const string Observed = "observed on Linux 6.18 with -Trace";

    /// <summary>
    /// The client writes to a peer that closed: the peer's socket answers while still a full socket in
    /// FIN_WAIT2 (abort on data) or after it became its timewait mini-socket; both were seen here, run to run.
    /// </summary>
    private const string ClosedPeer = "TCP_ABORT_ON_DATA|TCP_TIMEWAIT_SOCKET";
    private const string ClosedPeerSource = "net/ipv4/tcp_input.c tcp_rcv_state_process: data for a socket its owner closed -> SKB_DROP_REASON_TCP_ABORT_ON_DATA -> reset; " +
        "or, once the orphan FIN_WAIT2 socket is a timewait socket (tcp_time_wait), tcp_ipv4.c tcp_v4_rcv do_time_wait: TCP_TW_RST -> SK_RST_REASON_TCP_TIMEWAIT_SOCKET";

    public static IReadOnlyDictionary<string, Expected> ByScenario { get; } = new Dictionary<string, Expected>(StringComparer.OrdinalIgnoreCase)
    {
        ["ConnectRefused"] = new("Sent", "NO_SOCKET", "net/ipv4/tcp_ipv4.c tcp_v4_rcv: no_tcp_socket -> tcp_v4_send_reset(NULL, skb, sk_rst_convert_drop_reason(NO_SOCKET))"),
        ["PeerKilledWithUnreadData"] = new("Sent", "TCP_ABORT_ON_CLOSE", "net/ipv4/tcp.c __tcp_close: data_was_unread -> tcp_send_active_reset(sk, ..., SK_RST_REASON_TCP_ABORT_ON_CLOSE)"),
        ["ServerClosesUnreadRequest"] = new("Sent", "TCP_ABORT_ON_CLOSE", "net/ipv4/tcp.c __tcp_close: data_was_unread -> SK_RST_REASON_TCP_ABORT_ON_CLOSE"),
        ["PeerAbort"] = new("Sent", "TCP_STATE", "net/ipv4/tcp.c __tcp_close: SO_LINGER {1,0} -> tcp_disconnect: tcp_need_reset(old_state) -> SK_RST_REASON_TCP_STATE"),
        ["AcceptThenReset"] = new("Sent", "TCP_STATE", "net/ipv4/tcp.c tcp_disconnect (linger 0 close of the accepted socket) -> SK_RST_REASON_TCP_STATE"),
        ["ResetBeforeAccept"] = new("Sent", "TCP_STATE", "net/ipv4/tcp.c tcp_disconnect (the client's linger 0 close) -> SK_RST_REASON_TCP_STATE"),
        ["WriteAfterReset"] = new("Sent", "TCP_STATE", "net/ipv4/tcp.c tcp_disconnect (the peer's linger 0 close) -> SK_RST_REASON_TCP_STATE"),
        ["ListenerClosedWithQueue"] = new("Sent", "TCP_STATE", "net/ipv4/inet_connection_sock.c inet_csk_listen_stop -> inet_child_forget -> tcp_disconnect -> SK_RST_REASON_TCP_STATE"),
        ["PeerKilled"] = new("Sent", ClosedPeer, ClosedPeerSource),
        ["PeerExit"] = new("Sent", ClosedPeer, ClosedPeerSource),
        ["PeerShutdown"] = new("Sent", ClosedPeer, ClosedPeerSource),
        ["AcceptOverflowReset"] = new("Sent", "INVALID_SYN", "net/ipv4/tcp_minisocks.c tcp_check_req: listen overflow with tcp_abort_on_overflow -> embryonic_reset -> send_reset(..., SK_RST_REASON_INVALID_SYN)"),
        ["PeerReboot"] = new("Sent", "NO_SOCKET", "net/ipv4/tcp_ipv4.c tcp_v4_rcv: the rebooted peer has no socket -> SK_RST_REASON_NO_SOCKET"),
        ["MiddleboxIdleReset"] = new("Received", null, "net/ipv4/netfilter/nf_reject_ipv4.c nf_send_reset builds the RST in netfilter: tcp_send_reset never fires, tcp_receive_reset does"),
    };

    /// <summary>"Sent TCP_STATE (source)" or "Received, never sent here (source)" for Get-SocketScenario; empty when the scenario has no RST.</summary>
    public static string Describe(string scenario) => ByScenario.TryGetValue(scenario, out Expected? e)
        ? (e.Reason is null ? $"{e.Direction}, never sent by this host ({e.Source}; {Observed})" : $"{e.Direction} {string.Join(" or ", e.Reason.Split('|').Select(r => $"{r}: {ResetReasons.Describe(r).Words}"))} ({e.Source}; {Observed})")
        : "";
}
