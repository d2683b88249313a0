namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// net.ipv4.tcp_abort_on_overflow=1 and a handshake whose final ACK arrives when the accept queue is
/// already full: the server answers it with RST. With the queue full before the SYN, the SYN itself
/// is dropped (AcceptQueueFull), so the first client's final ACK is held back on the path while two
/// more connections fill the queue (backlog 1 holds 2), then let through, carried by its first data.
/// </summary>
public sealed class AcceptOverflowReset : LabScenario
{
    private const int Backlog = 1;

    private static readonly ScenarioStep HoldAck = new(1, Actors.Peer, "HoldAck");
    private static readonly ScenarioStep Connect = new(2, Actors.Client, "Connect");
    private static readonly ScenarioStep FillFirst = new(3, Actors.Client, "Connect");
    private static readonly ScenarioStep FillSecond = new(4, Actors.Client, "Connect");
    private static readonly ScenarioStep ReleaseAck = new(5, Actors.Peer, "ReleaseAck");
    private static readonly ScenarioStep Send = new(6, Actors.Client, "Send");
    private static readonly ScenarioStep Receive = new(7, Actors.Client, "Receive");

    private const string Observed = "observed on Linux 6.18";

    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // no kernel timer: answers at once
    public override string Name => "AcceptOverflowReset";
    public override string Description => "tcp_abort_on_overflow=1: a handshake whose final ACK finds the accept queue full is answered with RST; the client's connect had succeeded, its read gives ECONNRESET.";
    public override string Textbook => "RST after the handshake (tcp_abort_on_overflow, ip-sysctl.rst): the client sees ECONNRESET";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null,
            "tcp_rcv_synsent_state_process(): the SYN-ACK completes the client's side (tcp_finish_connect) whether or not its ACK arrives; " + Observed),
        FillFirst.Linux("Success", null, "tcp_check_req() -> tcp_v4_syn_recv_sock() -> inet_csk_complete_hashdance(): into the accept queue; " + Observed),
        FillSecond.Linux("Success", null, "backlog 1 holds 2: sk_acceptq_is_full() is ack_backlog > max_ack_backlog; " + Observed),
        Send.Linux("Success", null, "tcp_sendmsg_locked() queues the bytes; their segment carries the ACK the server waited for; " + Observed),
        Receive.Linux("Error", "ECONNRESET",
            "net/ipv4/tcp_minisocks.c tcp_check_req(): syn_recv_sock() fails on sk_acceptq_is_full() -> listen_overflow with " +
            "sysctl_tcp_abort_on_overflow -> embryonic_reset: send_reset (tcp_v4_send_reset); client tcp_reset(): ECONNRESET; " + Observed),

        Connect.MacOS("Success", null, "connect(2): the handshake completes at the client on the SYN-ACK; the server's half waits on the listener's so_incomp (SYN_RECEIVED)"),
        FillFirst.MacOS("Success", null,
            "xnu bsd/netinet/tcp_input.c: sonewconn() refuses (so_qlen >= so_qlimit, uipc_socket2.c sonewconn_internal()), tcps_listendrop++, then tcp_dropdropablreq() " +
            "evicts a connection of so_incomp, here the first client's (the first eviction in a second takes the queue's head; a busier second picks at random and may drop this SYN instead, so its retransmission gets in), " +
            "closes it with tcp_close() (no RST sent) and admits this one"),
        FillSecond.MacOS("Error", "ETIMEDOUT",
            "the queue holds the first filler, completed (so_comp), and so_incomp is empty: tcp_dropdropablreq() has nothing to evict and the SYN is dropped until connect gives up (or our own bound ends it first)").Or(Results.TimedOut),
        Send.MacOS("Success", null, "send(2) queues the bytes: the client is ESTABLISHED and does not know its server half was evicted"),
        Receive.MacOS("Error", "ECONNRESET",
            "xnu has no tcp_abort_on_overflow, but its eviction has the same effect: the segment finds no connection, only the listener; tcp_input() in LISTEN answers a segment with ACK set " +
            "by dropwithreset (\"bad ACK\", tcps_badsyn); the client's tcp_input() takes the RST in ESTABLISHED: so_error ECONNRESET, which the read reports"),

        Connect.Windows("Success", null, "connect function"),
        Receive.Windows("TimedOut", null,
            "no tcp_abort_on_overflow equivalent is documented; listen function: a full backlog refuses new connections (WSAECONNREFUSED) rather than resetting one whose handshake completed"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var listener = LabSteps.Listen(context, lab, Backlog);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        using var client = LabSteps.BoundClient(context, lab, out int clientPort);
        using var fillers = new SocketList();
        LabSteps.Fault(context, HoldAck,
            $"net.ipv4.tcp_abort_on_overflow = 1 (/proc, this namespace); nft drops every segment of client port {clientPort} to {server} after its SYN: the handshake's final ACK is lost on the path",
            () =>
            {
                lab.Sysctl("net.ipv4.tcp_abort_on_overflow", "1");
                lab.LoseSegmentsAfterSyn(server, clientPort);
            });

        var connect = await context.MeasureAsync(Connect, LabSteps.Connect(client, server), client).ConfigureAwait(false);
        context.Emit(connect.WithNote($"the server's side of port {clientPort}: {LabTables.StateOf(server.Port, clientPort) ?? "not listed"} (/proc/net/tcp): it never saw the final ACK"));
        if (connect.Result != Results.Success) return;

        foreach (ScenarioStep fill in new[] { FillFirst, FillSecond })
        {
            var filler = LabSteps.NewClient(context, lab);
            fillers.Add(filler);
            SocketOptions.SynRetries(filler, context.Request.SynRetries, context.Logger);
            var filled = await context.MeasureAsync(fill, LabSteps.Connect(filler, server), filler).ConfigureAwait(false);
            var queue = LabTables.Listener(server.Port);
            context.Emit(filled.WithNote(queue is null ? null : $"accept queue {queue.RxQueue} of backlog {Backlog} (/proc/net/tcp rx_queue of the listener), never accepted"));
        }

        LabSteps.Fault(context, ReleaseAck, "nft rules removed: the client's next segment reaches the server", lab.Heal);
        await context.CallAsync(Send, SocketCalls.Send(client, LabSteps.Payload), client).ConfigureAwait(false);
        var buffer = new byte[256];
        var read = await context.MeasureAsync(Receive, SocketCalls.Receive(client, buffer), client, isReceive: true).ConfigureAwait(false);
        var after = LabTables.Listener(server.Port);
        context.Emit(read.WithNote($"the ACK found the accept queue full ({after?.RxQueue} of backlog {Backlog}); the client had been ESTABLISHED since step {Connect.Number}"));
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 3, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 3, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpExtEmbryonicRsts", 1, "an RST for a connection still in SYN_RECV", "net/ipv4/tcp_minisocks.c tcp_check_req()"),
        CounterExpectation.Linux("TcpExtListenOverflows", 1, "the final ACK found the accept queue full", "net/ipv4/tcp_ipv4.c tcp_v4_syn_recv_sock() exit_overflow"),
        CounterExpectation.Linux("TcpExtListenDrops", 1, "the same drop, as a listener drop", "include/net/tcp.h tcp_listendrop()"),
    };
}
