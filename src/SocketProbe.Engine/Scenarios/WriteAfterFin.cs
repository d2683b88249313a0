namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer closes normally (FIN, nothing unread) and the client keeps writing: the first write
/// is accepted by the client's own kernel (its socket is only half closed), the closed peer answers
/// that data with RST, and the writes after that fail. Stevens UNP 5.12-5.13. Both ends in process.
/// </summary>
public sealed class WriteAfterFin : Scenario
{
    private static readonly ScenarioStep ClientSend1 = new(1, Actors.Client, "Send");
    private static readonly ScenarioStep PeerReceive = new(2, Actors.Peer, "Receive");
    private static readonly ScenarioStep PeerClose = new(3, Actors.Peer, "Close");
    private static readonly ScenarioStep ClientSend4 = new(4, Actors.Client, "Send");
    private static readonly ScenarioStep ClientSend5 = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep ClientSend6 = new(6, Actors.Client, "Send");
    private static readonly ScenarioStep ClientReceive = new(7, Actors.Client, "Receive");

    public override string Name => "WriteAfterFin";
    public override string MemberName => "Fin";
    public override string Description => "The peer closes normally (FIN); the client's first write is accepted and answered by RST; later writes fail.";
    public override string Textbook => "1st send ok, peer answers RST; 2nd send EPIPE (SIGPIPE by default)";
    public override string Cmdlet => FrontDoors.TestWriteAfterRst;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientSend1.Linux("Success", null, "observed on Linux 6.18"),
        PeerReceive.Linux("Success", null, "observed on Linux 6.18"),
        PeerClose.Linux("Success", null, "net/ipv4/tcp.c __tcp_close(): nothing unread, no zero linger -> tcp_send_fin(); observed on Linux 6.18"),
        ClientSend4.Linux("Success", null, "net/ipv4/tcp.c tcp_sendmsg_locked(): CLOSE_WAIT may still send; the closed peer answers RST: tcp_minisocks.c tcp_timewait_state_process() (orphan in FIN_WAIT2: new data after half-duplex close -> TCP_TW_RST) or tcp_input.c tcp_rcv_state_process() (still FIN_WAIT1: TCPAbortOnData); observed on Linux 6.18"),
        ClientSend5.Linux("Error", "EPIPE", "net/ipv4/tcp_input.c tcp_reset(): CLOSE_WAIT -> sk_err = EPIPE (ECONNRESET only from other states); sk_stream_wait_connect() returns it; observed on Linux 6.18"),
        ClientSend6.Linux("Error", "EPIPE", "net/core/stream.c sk_stream_wait_connect(): no pending error, state CLOSE -> -EPIPE; observed on Linux 6.18"),
        ClientReceive.Linux("EndOfStream", null, "net/ipv4/tcp.c tcp_recvmsg_locked(): SOCK_DONE (set by tcp_fin()) -> 0; observed on Linux 6.18"),

        ClientSend1.MacOS("Success", null, "send(2) macOS man page"),
        PeerReceive.MacOS("Success", null, "recv(2) macOS man page"),
        PeerClose.MacOS("Success", null, "close(2) macOS man page"),
        ClientSend4.MacOS("Success", null, "shutdown(2)/send(2): a half-closed connection still sends"),
        ClientSend5.MacOS("Error", "EPIPE", "xnu bsd/netinet/tcp_input.c: the RST in CLOSE_WAIT sets so_error = ECONNRESET and tcp_close() -> soisdisconnected() sets SS_CANTSENDMORE; bsd/kern/uipc_socket.c sosendcheck() tests SS_CANTSENDMORE (EPIPE) before so_error, which stays pending"),
        ClientSend6.MacOS("Error", "EPIPE", "xnu sosendcheck(): SS_CANTSENDMORE -> EPIPE"),
        ClientReceive.MacOS("Error", "ECONNRESET", "xnu soreceive() reports the pending so_error (ECONNRESET) before SS_CANTRCVMORE's 0; FreeBSD tcp-testsuite state-event-engine/rcv-rst-close-wait: SO_ERROR ECONNRESET (Linux gives EPIPE here)"),

        ClientSend1.Windows("Success", null, "send function (winsock2.h)"),
        PeerReceive.Windows("Success", null, "recv function (winsock2.h)"),
        PeerClose.Windows("Success", null, "closesocket function: graceful close"),
        ClientSend4.Windows("Success", null, "shutdown function: the other direction stays open after a graceful close"),
        ClientSend5.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
        ClientSend6.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
        ClientReceive.Windows("EndOfStream|Error", null, "recv function: 0 after a graceful close, WSAECONNRESET 10054 after a reset"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;

        // Nothing is left unread, so close() sends FIN (unread data would make it an RST at once).
        var (payload, inbox) = await WriteAfterReset.SendAndDrainAsync(context, ClientSend1, PeerReceive, client, peer).ConfigureAwait(false);
        var close = await context.MeasureAsync(PeerClose, SocketCalls.Close(peer), stateOf: client).ConfigureAwait(false);
        context.Emit(close.WithNote("normal close: FIN"));

        // Let the FIN cross loopback (the client becomes readable: end of stream), bounded.
        double? finMs = await LoopbackPair.WaitForAsync(client, SelectMode.SelectRead, WriteAfterReset.RstBoundMs, context.Cancellation).ConfigureAwait(false);
        var first = await context.MeasureAsync(ClientSend4, SocketCalls.Send(client, payload), stateOf: client).ConfigureAwait(false);
        context.Emit(first.WithNote(finMs is double f
            ? $"the FIN had arrived {f:F3} ms after the close; this write goes out and the closed peer answers RST"
            : $"no FIN seen within {WriteAfterReset.RstBoundMs} ms of the close"));

        // Let the peer's RST cross loopback: poll for the pending socket error it leaves, bounded.
        double? rstMs = await LoopbackPair.WaitForAsync(client, SelectMode.SelectError, WriteAfterReset.RstBoundMs, context.Cancellation).ConfigureAwait(false);
        string arrival = rstMs is double r
            ? $"the RST was pending (POLLERR) {r:F3} ms after step 4"
            : $"no pending error seen within {WriteAfterReset.RstBoundMs} ms of step 4";
        context.Logger.LogInformation("{Arrival}", arrival);
        var second = await context.MeasureAsync(ClientSend5, SocketCalls.Send(client, payload), stateOf: client).ConfigureAwait(false);
        context.Emit(second.WithNote(arrival));
        await context.CallAsync(ClientSend6, SocketCalls.Send(client, payload), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(ClientReceive, SocketCalls.Receive(client, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "the peer's closed socket answers the client's first write with RST", "net/ipv4/tcp_input.c tcp_rcv_state_process(): data for a socket closed in FIN_WAIT; net/ipv4/tcp_output.c tcp_send_active_reset()"),
        new(OsPlatform.Linux, "TcpExtTCPAbortOnData", null, "0 or 1: the peer socket, closed in FIN_WAIT2, receives the client's data and resets; when it is already gone the RST comes from no socket (1 every time alone, 0 once side by side on Linux 6.18)", "net/ipv4/tcp_input.c tcp_rcv_state_process(): data for a socket closed in FIN_WAIT; measured in a namespace of its own on Linux 6.18", Verified: true),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
