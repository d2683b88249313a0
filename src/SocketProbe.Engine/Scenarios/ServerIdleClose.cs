namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The keep-alive race: the server closes a connection that stayed idle past its own timeout
/// (nginx keepalive_timeout, Redis timeout, a database's idle limit) while the client, holding it
/// in a pool, still thinks it usable. The client's next write is accepted; the server's kernel
/// answers it with RST; the client's read and its next write say what the platform makes of a FIN
/// followed by an RST.
/// The FIN must have reached the client before it writes, as it has for a connection that sat in a
/// pool: the run waits (bounded) until the client's socket is readable. Without the wait a loaded
/// machine may hold the FIN in a CPU's backlog (loopback delivers through netif_rx, and a deferred
/// softirq runs later) while the write's RST comes back first: the client, still ESTABLISHED, then
/// reads ECONNRESET (tcp_reset() sets sk_err with no SOCK_DONE), a different race than this one.
/// </summary>
public sealed class ServerIdleClose : Scenario
{
    /// <summary>The server's idle timeout: it closes a connection that stays silent this long.</summary>
    internal const int IdleCloseMs = 200;

    private static readonly ScenarioStep IdleWait = new(1, Actors.Peer, "Receive");
    private static readonly ScenarioStep IdleClose = new(2, Actors.Peer, "Close");
    private static readonly ScenarioStep Write = new(3, Actors.Client, "Send");
    private static readonly ScenarioStep Read = new(4, Actors.Client, "Receive");
    private static readonly ScenarioStep WriteAgain = new(5, Actors.Client, "Send");

    private const string Observed = "observed on Linux 6.18";

    /// <summary>How long the run waits for the server's FIN to reach the client before it writes anyway.</summary>
    private const int FinBoundMs = 2_000;

    public override string Name => "ServerIdleClose";
    public override string MemberName => "IdleClose";
    public override string Description => $"The server closes a connection idle for {IdleCloseMs} ms; the client, unaware, writes (accepted), reads, then writes again.";
    public override string Textbook => "the keep-alive race: the write succeeds, the read gives EOF or ECONNRESET, the next write fails";
    public override string Cmdlet => FrontDoors.TestWriteAfterRst;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        IdleWait.Linux("TimedOut", null, $"the client sends nothing: the server's idle wait ({IdleCloseMs} ms, our own bound) ends with nothing read; " + Observed),
        IdleClose.Linux("Success", null, "net/ipv4/tcp.c __tcp_close(): nothing unread -> FIN; the client goes to CLOSE_WAIT; " + Observed),
        Write.Linux("Success", null,
            "CLOSE_WAIT may still send (tcp_sendmsg_locked()); the server's orphaned socket answers the data with RST; " + Observed),
        Read.Linux("EndOfStream", null,
            "net/ipv4/tcp.c tcp_recvmsg_locked() checks SOCK_DONE (set by tcp_fin()) before sk_err: the FIN that came first wins and the read returns 0, though tcp_reset() in CLOSE_WAIT left sk_err = EPIPE; " + Observed),
        WriteAgain.Linux("Error", "EPIPE",
            LinuxSendPaths.PendingPipe + "; " + Observed),

        IdleWait.MacOS("TimedOut", null, "recv(2) blocks while nothing arrives; our own bound ends it"),
        IdleClose.MacOS("Success", null, "xnu bsd/netinet/tcp_usrreq.c tcp_disconnect(): nothing unread -> FIN"),
        Write.MacOS("Success", null, "xnu sosendcheck(): CLOSE_WAIT is not SS_CANTSENDMORE, the bytes are queued"),
        Read.MacOS("Error", "ECONNRESET",
            "xnu bsd/netinet/tcp_input.c: RST in CLOSE_WAIT sets so_error = ECONNRESET; bsd/kern/uipc_socket.c soreceive() reports so_error before SS_CANTRCVMORE when nothing is queued"),
        WriteAgain.MacOS("Error", "EPIPE", "xnu sosendcheck(): SS_CANTSENDMORE (soisdisconnected() in tcp_close) -> EPIPE"),

        IdleWait.Windows("TimedOut", null, "recv function blocks while nothing arrives; our own bound ends it"),
        IdleClose.Windows("Success", null, "closesocket function: graceful close"),
        Write.Windows("Success", null, "send function: a successful send does not mean the data arrived"),
        Read.Windows("Error", "WSAECONNRESET", "recv function: WSAECONNRESET 10054, the virtual circuit was reset by the remote side"),
        WriteAgain.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, server = pair.Peer;
        var buffer = new byte[256];

        // The server's idle timer: a read bounded by its timeout, as an event loop would arm it.
        var idle = await context.MeasureAsync(IdleWait, SocketCalls.Receive(server, buffer), stateOf: client,
            boundMs: IdleCloseMs, isReceive: true).ConfigureAwait(false);
        context.Emit(idle.WithNote($"the server's idle timeout: {IdleCloseMs} ms without a byte from the client"));
        var close = await context.MeasureAsync(IdleClose, SocketCalls.Close(server), stateOf: client).ConfigureAwait(false);
        // The pooled client does not look, but its kernel has had the FIN for a while: wait for it (readable, nothing sent).
        double? finMs = await LoopbackPair.WaitForAsync(client, SelectMode.SelectRead, FinBoundMs, context.Cancellation).ConfigureAwait(false);
        context.Emit(close.WithNote("the server closes the idle connection (FIN); the pooled client does not look; " + (finMs is double ms
            ? $"its kernel had the FIN {ms:F3} ms after the close ({TcpInfo.StateOf(client)})"
            : $"its kernel had no FIN within {FinBoundMs} ms of the close ({TcpInfo.StateOf(client)}): the write below races it")));

        await context.CallAsync(Write, SocketCalls.Send(client, "GET / HTTP/1.1\r\n\r\n"u8.ToArray()), stateOf: client).ConfigureAwait(false);
        string arrival = await ObservedHandshake.WaitForResetAsync(context, client, "the write").ConfigureAwait(false);
        var read = await context.MeasureAsync(Read, SocketCalls.Receive(client, buffer), stateOf: client, isReceive: true).ConfigureAwait(false);
        context.Emit(read.WithNote(arrival));
        await context.CallAsync(WriteAgain, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
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
