namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The server accepts, then resets at once (SO_LINGER {on, 0}, close), before it sends anything: a
/// proxy with no backend, a server that refuses the client after the handshake. The connect
/// succeeded, so a probe that stops at connect() says "open"; the client's read gives ECONNRESET.
/// </summary>
public sealed class AcceptThenReset : Scenario
{
    private static readonly ScenarioStep Connect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep Accept = new(2, Actors.Peer, "Accept");
    private static readonly ScenarioStep Reset = new(3, Actors.Peer, "Close");
    private static readonly ScenarioStep Read = new(4, Actors.Client, "Receive");
    private static readonly ScenarioStep Write = new(5, Actors.Client, "Send");

    private const string Observed = "observed on Linux 6.18";

    public override string Name => "AcceptThenReset";
    public override string Description => "The server accepts, then resets at once (SO_LINGER {on, 0}, close): the client's connect succeeded, its read gives ECONNRESET.";
    public override string Textbook => "connect succeeds (a connect-only probe says open); recv ECONNRESET (Stevens UNP 5.16: RST on an open connection)";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the kernel completes the handshake before accept(); " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        Reset.Linux("Success", null, "net/ipv4/tcp.c __tcp_close(): zero linger -> tcp_disconnect() -> tcp_send_active_reset(); " + Observed),
        Read.Linux("Error", "ECONNRESET",
            "net/ipv4/tcp_input.c tcp_reset(): ESTABLISHED -> sk_err = ECONNRESET; tcp_recvmsg_locked() returns sock_error(); " + Observed),
        Write.Linux("Error", "EPIPE",
            LinuxSendPaths.AfterErrorTaken + "; " + Observed),

        Connect.MacOS("Success", null, "connect(2): the handshake completes before accept"),
        Accept.MacOS("Success", null, "accept(2): the completed connection is on so_comp"),
        Reset.MacOS("Success", null, "xnu bsd/netinet/tcp_usrreq.c tcp_disconnect(): SO_LINGER with zero linger -> tcp_drop(), which sends RST"),
        Read.MacOS("Error", "ECONNRESET",
            "xnu bsd/netinet/tcp_input.c: RST in ESTABLISHED sets so_error = ECONNRESET; bsd/kern/uipc_socket.c soreceive() returns so_error when nothing is queued"),
        Write.MacOS("Error", "EPIPE",
            "xnu bsd/kern/uipc_socket.c sosendcheck(): SS_CANTSENDMORE (soisdisconnected() in tcp_close) is checked before so_error -> EPIPE"),

        Connect.Windows("Success", null, "connect function"),
        Accept.Windows("Success", null, "accept function"),
        Reset.Windows("Success", null, "closesocket function: l_onoff nonzero, l_linger zero = hard (abortive) close"),
        Read.Windows("Error", "WSAECONNRESET",
            "closesocket function: after a hard close \"any recv call on the remote side of the circuit will fail with WSAECONNRESET\""),
        Write.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await ObservedHandshake.ConnectAndAcceptAsync(context, Connect, Accept).ConfigureAwait(false);
        if (pair is null) return;
        var (client, server) = (pair.Client, pair.Server);

        server.LingerState = new LingerOption(true, 0);
        var close = await context.MeasureAsync(Reset, SocketCalls.Close(server), stateOf: client).ConfigureAwait(false);
        context.Emit(close.WithNote("SO_LINGER {on, 0}: close sends RST, not FIN, before the server sent a byte"));
        string arrival = await ObservedHandshake.WaitForResetAsync(context, client, "the close").ConfigureAwait(false);

        var buffer = new byte[256];
        var read = await context.MeasureAsync(Read, SocketCalls.Receive(client, buffer), stateOf: client, isReceive: true).ConfigureAwait(false);
        context.Emit(read.WithNote(arrival));
        await context.CallAsync(Write, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnData", 1, "data met a socket already closed in FIN_WAIT (or a zero-linger close); 0 or 1 side by side: +1 in two runs alone", "net/ipv4/tcp_input.c tcp_rcv_state_process(); net/ipv4/tcp.c __tcp_close()"),
    };
}
