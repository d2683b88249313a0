namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer resets an open connection (SO_LINGER {on, 0}, then close: RST instead of FIN) and the
/// client keeps writing. Both ends live in this process on loopback. The peer first reads what the
/// client sent, so the RST comes from the zero linger and not from unread data.
/// </summary>
public sealed class WriteAfterReset : Scenario
{
    private static readonly ScenarioStep ClientSend1 = new(1, Actors.Client, "Send");
    private static readonly ScenarioStep PeerReceive = new(2, Actors.Peer, "Receive");
    private static readonly ScenarioStep PeerClose = new(3, Actors.Peer, "Close");
    private static readonly ScenarioStep ClientSend4 = new(4, Actors.Client, "Send");
    private static readonly ScenarioStep ClientSend5 = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep ClientReceive = new(6, Actors.Client, "Receive");

    /// <summary>How long we wait for the RST to cross loopback; it normally takes well under 1 ms.</summary>
    internal const int RstBoundMs = 1000;

    public override string Name => "WriteAfterReset";
    public override string MemberName => "Reset";
    public override string Description => "The peer aborts an open connection (SO_LINGER 0, RST); the client writes, writes again, then reads.";
    public override string Textbook => "EPIPE; a process with default SIGPIPE dies by signal 13; Windows WSAECONNRESET / 10053";
    public override string Cmdlet => FrontDoors.TestWriteAfterRst;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientSend1.Linux("Success", null, "observed on Linux 6.18"),
        PeerReceive.Linux("Success", null, "observed on Linux 6.18"),
        PeerClose.Linux("Success", null, "net/ipv4/tcp.c __tcp_close(): zero linger -> tcp_disconnect() sends RST; observed on Linux 6.18"),
        ClientSend4.Linux("Error", "ECONNRESET", "net/ipv4/tcp_input.c tcp_reset(): ESTABLISHED -> sk_err = ECONNRESET; tcp_sendmsg_locked() -> sk_stream_wait_connect() returns sock_error(), which clears it; observed on Linux 6.18"),
        ClientSend5.Linux("Error", "EPIPE", "net/core/stream.c sk_stream_wait_connect(): no pending error, state CLOSE -> -EPIPE; observed on Linux 6.18"),
        ClientReceive.Linux("EndOfStream", null, "net/ipv4/tcp.c tcp_recvmsg_locked(): sk_err already taken by step 4, tcp_done() set RCV_SHUTDOWN -> 0; observed on Linux 6.18"),

        ClientSend1.MacOS("Success", null, "send(2) macOS man page"),
        PeerReceive.MacOS("Success", null, "recv(2) macOS man page"),
        PeerClose.MacOS("Success", null, "setsockopt(2) macOS: SO_LINGER with zero timeout"),
        ClientSend4.MacOS("Error", "EPIPE", "xnu bsd/netinet/tcp_input.c: the RST in ESTABLISHED sets so_error = ECONNRESET and tcp_close() -> soisdisconnected() sets SS_CANTSENDMORE; bsd/kern/uipc_socket.c sosendcheck() tests SS_CANTSENDMORE (EPIPE) before so_error, so the first send says EPIPE and ECONNRESET stays pending"),
        ClientSend5.MacOS("Error", "EPIPE", "xnu sosendcheck(): SS_CANTSENDMORE -> EPIPE"),
        ClientReceive.MacOS("Error", "ECONNRESET", "xnu soreceive(): the pending so_error (ECONNRESET) is reported before SS_CANTRCVMORE's 0"),

        ClientSend1.Windows("Success", null, "send function (winsock2.h)"),
        PeerReceive.Windows("Success", null, "recv function (winsock2.h)"),
        PeerClose.Windows("Success", null, "closesocket function: l_onoff nonzero, l_linger zero = hard (abortive) close"),
        ClientSend4.Windows("Error", "WSAECONNRESET", "send function: WSAECONNRESET 10054, the virtual circuit was reset by the remote side executing a hard or abortive close"),
        ClientSend5.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
        ClientReceive.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "recv function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;

        // The peer reads everything, so the RST below comes from the zero linger alone, not from unread data.
        var (payload, inbox) = await SendAndDrainAsync(context, ClientSend1, PeerReceive, client, peer).ConfigureAwait(false);

        peer.LingerState = new LingerOption(true, 0);
        var close = await context.MeasureAsync(PeerClose, SocketCalls.Close(peer), stateOf: client).ConfigureAwait(false);
        context.Emit(close.WithNote("SO_LINGER {on, 0}: close sends RST, not FIN"));

        // Let the RST cross loopback: poll for the pending socket error (POLLERR) it leaves, bounded.
        double? rstMs = await LoopbackPair.WaitForAsync(client, SelectMode.SelectError, RstBoundMs, context.Cancellation).ConfigureAwait(false);
        string arrival = rstMs is double ms
            ? $"the RST was pending (POLLERR) {ms:F3} ms after the close"
            : $"no pending error seen within {RstBoundMs} ms of the close";
        context.Logger.LogInformation("{Arrival}", arrival);

        var first = await context.MeasureAsync(ClientSend4, SocketCalls.Send(client, payload), stateOf: client).ConfigureAwait(false);
        context.Emit(first.WithNote(arrival));
        await context.CallAsync(ClientSend5, SocketCalls.Send(client, payload), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(ClientReceive, SocketCalls.Receive(client, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Steps 1-2 of the write-after family: the client sends 64 bytes and the peer reads them all, so
    /// what the peer's close sends next (FIN or RST) comes from the close alone, not from unread data.
    /// </summary>
    internal static async Task<(byte[] Payload, byte[] Inbox)> SendAndDrainAsync(ScenarioContext context, ScenarioStep send, ScenarioStep receive, Socket client, Socket peer)
    {
        byte[] payload = new byte[64];
        byte[] inbox = new byte[payload.Length];
        await context.CallAsync(send, SocketCalls.Send(client, payload), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(receive, SocketCalls.ReceiveExactly(peer, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
        return (payload, inbox);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPAbortOnData", 1, "the peer aborts with SO_LINGER {on, 0}", "net/ipv4/tcp.c __tcp_close(): SO_LINGER {on, 0} -> tcp_disconnect()"),
        CounterExpectation.Linux("TcpOutRsts", 1, "its RST", "net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "both ends reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
