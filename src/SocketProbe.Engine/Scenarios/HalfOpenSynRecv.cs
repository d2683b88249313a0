namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The client believes it is connected, the server never did: the handshake's final ACK (and every
/// ACK after it) is lost on the path, the server's SYN_RECV request runs out of SYN-ACK retries and
/// is dropped, and when the path heals the client's first segment finds only the listener, which
/// answers RST. The request really expires (TCP_SYNCNT on the listener bounds its SYN-ACK retries).
/// </summary>
public sealed class HalfOpenSynRecv : LabScenario
{
    private static readonly ScenarioStep LoseAck = new(1, Actors.Peer, "LoseAck");
    private static readonly ScenarioStep Connect = new(2, Actors.Client, "Connect");
    private static readonly ScenarioStep Expire = new(3, Actors.Peer, "RequestExpired");
    private static readonly ScenarioStep Heal = new(4, Actors.Peer, "Heal");
    private static readonly ScenarioStep Send = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep Receive = new(6, Actors.Client, "Receive");
    private static readonly ScenarioStep SendAgain = new(7, Actors.Client, "Send");

    private const string Observed = "observed on Linux 6.18";

    /// <summary>The server's SYN-ACK retries (TCP_SYNCNT on the listener): (2^(n+1) - 1) s.</summary>
    public override double? ExpectedWaitMs(ScenarioRequest request) =>
        request.SynRetries is int n ? ((2 << n) - 1) * 1000.0 : KernelDefaultWaitMs;
    public override string Name => "HalfOpenSynRecv";
    public override string Description => "The handshake's final ACK is lost and the server's SYN_RECV request expires: the client believes it is connected, its first segment draws RST.";
    public override string Textbook => "half-open connection (RFC 793 3.4): the client's first segment is answered by RST: ECONNRESET";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "tcp_rcv_synsent_state_process(): the SYN-ACK completes the client's side; its ACK is lost; " + Observed),
        Send.Linux("Success", null, "tcp_sendmsg_locked() queues the bytes; " + Observed),
        Receive.Linux("Error", "ECONNRESET",
            "net/ipv4/inet_connection_sock.c reqsk_timer_handler(): SYN-ACK retries (the listener's TCP_SYNCNT, else tcp_synack_retries) exhausted -> " +
            "inet_csk_reqsk_queue_drop_and_put(); the data segment finds only the listener: tcp_rcv_state_process() TCP_LISTEN with ACK set returns 1 -> " +
            "tcp_v4_send_reset(); client tcp_reset(): ECONNRESET; " + Observed),
        SendAgain.Linux("Error", "EPIPE", LinuxSendPaths.AfterErrorTaken + "; " + Observed),

        Connect.MacOS("Success", null, "connect(2): the handshake completes at the client on the SYN-ACK"),
        Receive.MacOS("Error", "ECONNRESET",
            "xnu bsd/netinet/tcp_input.c: an ACK to a listening socket with no matching connection gets dropwithreset; RST in ESTABLISHED sets ECONNRESET"),
        SendAgain.MacOS("Error", "EPIPE", "xnu bsd/kern/uipc_socket.c sosendcheck(): SS_CANTSENDMORE after the reset -> EPIPE"),

        Connect.Windows("Success", null, "connect function"),
        Receive.Windows("Error", "WSAECONNRESET", "Windows Sockets Error Codes: WSAECONNRESET 10054, the remote host reset the connection"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var listener = LabSteps.Listen(context, lab, 4);
        // reqsk_timer_handler() takes the listener's TCP_SYNCNT as its SYN-ACK retry count.
        SocketOptions.SynRetries(listener, context.Request.SynRetries, context.Logger);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        using var client = LabSteps.BoundClient(context, lab, out int clientPort);

        LabSteps.Fault(context, LoseAck,
            $"nft drops every segment of client port {clientPort} to {server} after its SYN: the final ACK, and every ACK after it, is lost on the path",
            () => lab.LoseSegmentsAfterSyn(server, clientPort));
        var connect = await context.MeasureAsync(Connect, LabSteps.Connect(client, server), client).ConfigureAwait(false);
        context.Emit(connect.WithNote($"the server's side of port {clientPort}: {LabTables.StateOf(server.Port, clientPort) ?? "not listed"} (/proc/net/tcp)"));
        if (connect.Result != Results.Success) return;

        var clock = Stopwatch.StartNew();
        bool gone = await LabSteps.WaitUntilAsync(() => LabTables.StateOf(server.Port, clientPort) is null,
            context.Request.CallTimeoutMs, context.Cancellation).ConfigureAwait(false);
        string retries = context.Request.SynRetries is int n ? $"TCP_SYNCNT {n} on the listener: {n + 1} SYN-ACKs sent" : "the kernel's tcp_synack_retries";
        context.Event(Expire, gone ? Results.Success : Results.TimedOut, clock.Elapsed.TotalMilliseconds,
            gone
                ? $"the server's SYN_RECV request for port {clientPort} is gone from /proc/net/tcp after {clock.Elapsed.TotalMilliseconds:F0} ms ({retries}, each ACK lost); the client stays {TcpInfo.StateOf(client)}"
                : $"the server's request for port {clientPort} was still listed after our bound of {context.Request.CallTimeoutMs} ms ({retries})");

        LabSteps.Fault(context, Heal, "nft rules removed: the path works again", lab.Heal);
        await context.CallAsync(Send, SocketCalls.Send(client, LabSteps.Payload), client).ConfigureAwait(false);
        var buffer = new byte[256];
        await context.CallAsync(Receive, SocketCalls.Receive(client, buffer), client, isReceive: true).ConfigureAwait(false);
        await context.CallAsync(SendAgain, SocketCalls.Send(client, LabSteps.Payload), client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpRetransSegs", 1, "segments retransmitted into the fault", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPSynRetrans", 1, "the SYN-ACK retransmitted", "net/ipv4/tcp_output.c tcp_rtx_synack()"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 2, "retransmission timer expiries", "net/ipv4/tcp_timer.c tcp_retransmit_timer(), tcp_syn_ack_timeout()"),
    };
}
