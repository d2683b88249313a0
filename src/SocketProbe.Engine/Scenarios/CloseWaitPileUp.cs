namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The server never closes its side after the client's FIN (a handler that returns without close(),
/// a leaked connection): every such connection stays in CLOSE_WAIT on the server, the pile-up that
/// `ss -tan state close-wait` shows. The client half-closes (shutdown(SHUT_WR)) and, while it holds
/// its socket, sits in FIN_WAIT2 with no timer at all; once it closes, the orphan lingers in FIN_WAIT2
/// for TCP_LINGER2 (here 1 s; tcp_fin_timeout, 60 s, by default) and then goes. The server's late
/// write meets no socket: RST, and its next write fails. Linux: states from TCP_INFO and /proc/net/tcp.
/// </summary>
public sealed class CloseWaitPileUp : Scenario
{
    /// <summary>TCP_LINGER2 on the client (seconds): how long its orphaned FIN_WAIT2 may last.</summary>
    internal const int Linger2Seconds = 1;

    /// <summary>How long the half-closed client waits to read (our own bound: nothing comes).</summary>
    internal const int ReadWaitMs = 200;

    private const int TCP_LINGER2 = 8; // include/uapi/linux/tcp.h

    private static readonly ScenarioStep Connect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep Accept = new(2, Actors.Peer, "Accept");
    private static readonly ScenarioStep HalfClose = new(3, Actors.Client, "Shutdown");
    private static readonly ScenarioStep ReadFin = new(4, Actors.Peer, "Receive");
    private static readonly ScenarioStep WriteAfterFin = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep ReadNothing = new(6, Actors.Client, "Receive");
    private static readonly ScenarioStep Close = new(7, Actors.Client, "Close");
    private static readonly ScenarioStep FinWait2Expired = new(8, Actors.Client, "FinWait2Expired");
    private static readonly ScenarioStep LateWrite = new(9, Actors.Peer, "Send");
    private static readonly ScenarioStep LateWriteAgain = new(10, Actors.Peer, "Send");

    private const string Observed = "observed on Linux 6.18";

    public override string Name => "CloseWaitPileUp";
    public override string Description =>
        $"The server never closes after the client's FIN: its socket stays in CLOSE_WAIT; the client's orphaned FIN_WAIT2 lasts TCP_LINGER2 ({Linger2Seconds} s), then the server's late write draws RST.";
    public override string Textbook => "peer reads EOF and must close (UNP 5.12); FIN_WAIT2 ends only by the peer's FIN or, once orphaned, tcp_fin_timeout (tcp(7) TCP_LINGER2)";
    public override string Cmdlet => FrontDoors.InvokeSocketScenario;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the kernel completes the handshake before accept(); " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        HalfClose.Linux("Success", null, "net/ipv4/tcp.c tcp_shutdown(): SEND_SHUTDOWN -> FIN: FIN_WAIT1 as the call returns, FIN_WAIT2 once the server's ACK is in; " + Observed),
        ReadFin.Linux("EndOfStream", null, "net/ipv4/tcp_input.c tcp_fin(): ESTABLISHED -> CLOSE_WAIT, recv returns 0; " + Observed),
        WriteAfterFin.Linux("Error", "EPIPE", "net/ipv4/tcp.c tcp_sendmsg_locked(): SEND_SHUTDOWN -> sk_stream_error() -> EPIPE (its own shutdown); " + Observed),
        ReadNothing.Linux("TimedOut", null,
            "the server neither sends nor closes, and a FIN_WAIT2 socket its owner still holds has no timer (tcp_rcv_state_process() arms one only for SOCK_DEAD): " +
            $"only our own {ReadWaitMs} ms bound ends the read; " + Observed),
        Close.Linux("Success", null, $"net/ipv4/tcp.c __tcp_close(): an orphan in FIN_WAIT2 -> tcp_time_wait(TCP_FIN_WAIT2, tcp_fin_time()) = TCP_LINGER2 {Linger2Seconds} s; " + Observed),
        LateWrite.Linux("Success", null, "CLOSE_WAIT may still send (tcp_sendmsg_locked()); the client's host has no socket left and answers RST; " + Observed),
        LateWriteAgain.Linux("Error", "EPIPE", "net/ipv4/tcp_input.c tcp_reset(): an RST in CLOSE_WAIT sets sk_err = EPIPE; " + Observed),
    };

    public override string? WhyCannotRun(ScenarioRequest request) =>
        !OperatingSystem.IsLinux()
            ? "TCP_LINGER2 and /proc/net/tcp (the FIN_WAIT2 and CLOSE_WAIT states this scenario reads) are Linux's"
            : LoopbackPair.WhyUnavailable(request.AddressFamily);

    /// <summary>The orphaned FIN_WAIT2's TCP_LINGER2, plus the half-closed read's own bound.</summary>
    public override double? ExpectedWaitMs(ScenarioRequest request) => Linger2Seconds * 1000 + ReadWaitMs;

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await ObservedHandshake.ConnectAndAcceptAsync(context, Connect, Accept).ConfigureAwait(false);
        if (pair is null) return;
        var (client, server) = (pair.Client, pair.Server);
        client.SetRawSocketOption((int)SocketOptionLevel.Tcp, TCP_LINGER2, BitConverter.GetBytes(Linger2Seconds));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port, serverPort = ((IPEndPoint)server.LocalEndPoint!).Port;

        await context.CallAsync(HalfClose, SocketCalls.Shutdown(client, SocketShutdown.Send), stateOf: client).ConfigureAwait(false);
        var buffer = new byte[256];
        var fin = await context.MeasureAsync(ReadFin, SocketCalls.Receive(server, buffer), stateOf: server, isReceive: true).ConfigureAwait(false);
        context.Emit(fin.WithNote($"TcpState is the server's: it read the FIN and never closes, so its socket stays {TcpInfo.StateOf(server)} (one per such connection)"));
        await context.CallAsync(WriteAfterFin, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(ReadNothing, SocketCalls.Receive(client, buffer), stateOf: client,
            boundMs: Math.Min(ReadWaitMs, context.Request.CallTimeoutMs), isReceive: true).ConfigureAwait(false);

        var closed = await context.MeasureAsync(Close, SocketCalls.Close(client)).ConfigureAwait(false);
        context.Emit(closed.WithNote($"right after: client port {clientPort} {LabTables.StateOf(clientPort, serverPort) ?? "not listed"}, " +
            $"server {LabTables.StateOf(serverPort, clientPort) ?? "not listed"} (/proc/net/tcp)"));

        // The kernel's own timer: the orphan is listed until TCP_LINGER2 runs out.
        var clock = Stopwatch.StartNew();
        bool gone = await LabSteps.WaitUntilAsync(() => LabTables.StateOf(clientPort, serverPort) is null,
            Linger2Seconds * 1000 * 3, context.Cancellation).ConfigureAwait(false);
        double waited = clock.Elapsed.TotalMilliseconds;
        context.Event(FinWait2Expired, gone ? Results.Success : Results.TimedOut, waited, gone
            ? $"client port {clientPort} gone from /proc/net/tcp {waited:F0} ms after close (TCP_LINGER2 {Linger2Seconds} s); the server is still {LabTables.StateOf(serverPort, clientPort) ?? "not listed"}"
            : $"client port {clientPort} still listed {waited:F0} ms after close (TCP_LINGER2 {Linger2Seconds} s)");

        await context.CallAsync(LateWrite, SocketCalls.Send(server, new byte[16]), stateOf: server).ConfigureAwait(false);
        string arrival = await ObservedHandshake.WaitForResetAsync(context, server, "the server's late write").ConfigureAwait(false);
        var again = await context.MeasureAsync(LateWriteAgain, SocketCalls.Send(server, new byte[16]), stateOf: server).ConfigureAwait(false);
        context.Emit(again.WithNote(arrival));
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs, IPv4); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTWKilled", 1, "the client's orphan left FIN_WAIT2 at TCP_LINGER2 (1 s): a timewait entry whose timer was 4 s or less is counted killed, not waited",
            "net/ipv4/tcp_minisocks.c tcp_time_wait(sk, TCP_FIN_WAIT2, tmo); net/ipv4/inet_timewait_sock.c inet_twsk_schedule() tw_kill = timeo <= 4*HZ, tw_timer_handler() LINUX_MIB_TIMEWAITKILLED"),
        CounterExpectation.Linux("TcpOutRsts", 1, "the server's late write found no client socket: an RST for a segment with no socket", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the server's CLOSE_WAIT socket taken down by that RST", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
