namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The server accepts, then closes at once with FIN, before it sends anything (a service that
/// closes before answering, a server over its connection limit). The client's read gives end of
/// stream; a write is still accepted locally, draws the closed peer's RST, and the next write fails.
/// </summary>
public sealed class AcceptThenClose : Scenario
{
    private static readonly ScenarioStep Connect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep Accept = new(2, Actors.Peer, "Accept");
    private static readonly ScenarioStep Close = new(3, Actors.Peer, "Close");
    private static readonly ScenarioStep Read = new(4, Actors.Client, "Receive");
    private static readonly ScenarioStep Write = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep WriteAgain = new(6, Actors.Client, "Send");

    private const string Observed = "observed on Linux 6.18";

    public override string Name => "AcceptThenClose";
    public override string Description => "The server accepts, then closes at once (FIN): the client's read gives end of stream; its write is accepted, the next one fails.";
    public override string Textbook => "recv 0 (EOF); 1st send ok, the peer answers RST; 2nd send EPIPE (Stevens UNP 5.12-5.13)";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the kernel completes the handshake before accept(); " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        Close.Linux("Success", null, "net/ipv4/tcp.c __tcp_close(): nothing unread, no zero linger -> tcp_close_state() + tcp_send_fin(); " + Observed),
        Read.Linux("EndOfStream", null, "net/ipv4/tcp_input.c tcp_fin(): RCV_SHUTDOWN and SOCK_DONE -> tcp_recvmsg_locked() returns 0; " + Observed),
        Write.Linux("Success", null,
            "CLOSE_WAIT may still send (tcp_sendmsg_locked()); the server's orphaned socket answers the data with RST; " + Observed),
        WriteAgain.Linux("Error", "EPIPE",
            "net/ipv4/tcp_input.c tcp_reset(): an RST in CLOSE_WAIT sets sk_err = EPIPE; tcp_sendmsg_locked() -> sk_stream_error(); " + Observed),

        Connect.MacOS("Success", null, "connect(2)"),
        Accept.MacOS("Success", null, "accept(2)"),
        Close.MacOS("Success", null, "xnu bsd/netinet/tcp_usrreq.c tcp_disconnect(): nothing unread -> tcp_usrclosed() sends FIN"),
        Read.MacOS("EndOfStream", null, "xnu bsd/kern/uipc_socket.c soreceive(): SS_CANTRCVMORE (socantrcvmore() on FIN) with nothing queued -> 0"),
        Write.MacOS("Success", null, "xnu sosendcheck(): CLOSE_WAIT is not SS_CANTSENDMORE, the bytes are queued"),
        WriteAgain.MacOS("Error", "EPIPE",
            "xnu tcp_input.c: RST in CLOSE_WAIT -> so_error = ECONNRESET, tcp_close() -> soisdisconnected(); sosendcheck() checks SS_CANTSENDMORE first -> EPIPE"),

        Connect.Windows("Success", null, "connect function"),
        Accept.Windows("Success", null, "accept function"),
        Close.Windows("Success", null, "closesocket function: graceful close by default"),
        Read.Windows("EndOfStream", null, "recv function: returns zero when the connection has been gracefully closed"),
        Write.Windows("Success", null, "send function: a successful send does not mean the data arrived"),
        WriteAgain.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await ObservedHandshake.ConnectAndAcceptAsync(context, Connect, Accept).ConfigureAwait(false);
        if (pair is null) return;
        var (client, server) = (pair.Client, pair.Server);

        await context.CallAsync(Close, SocketCalls.Close(server), stateOf: client).ConfigureAwait(false);
        var buffer = new byte[256];
        await context.CallAsync(Read, SocketCalls.Receive(client, buffer), stateOf: client, isReceive: true).ConfigureAwait(false);
        await context.CallAsync(Write, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
        string arrival = await ObservedHandshake.WaitForResetAsync(context, client, "the accepted write").ConfigureAwait(false);
        var again = await context.MeasureAsync(WriteAgain, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
        context.Emit(again.WithNote(arrival));
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        new(OsPlatform.Linux, "TcpExtTCPAbortOnData", null, "data met a socket already closed in FIN_WAIT (or a zero-linger close); 0 or 1 side by side: +1 in two runs alone", "net/ipv4/tcp_input.c tcp_rcv_state_process(); net/ipv4/tcp.c __tcp_close(); measured in a namespace of its own on Linux 6.18", Verified: true),
    };
}
