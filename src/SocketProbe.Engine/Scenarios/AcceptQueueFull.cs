namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A listener whose accept queue is full and who never accepts. Linux holds backlog + 1 completed
/// connections (sk_acceptq_is_full: ack_backlog > max_ack_backlog), then drops further SYNs, so the
/// next connect retries its SYN until TCP_SYNCNT runs out.
/// </summary>
public sealed class AcceptQueueFull : Scenario
{
    private static readonly ScenarioStep ClientConnect1 = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientConnect2 = new(2, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientConnect3 = new(3, Actors.Client, "Connect");

    private const int Backlog = 1;

    public override string Name => "AcceptQueueFull";
    public override double? ExpectedWaitMs(ScenarioRequest request) =>
        request.SynRetries is int n ? ((2 << n) - 1) * 1000.0 : KernelDefaultWaitMs;   // (2^(n+1) - 1) s of SYN retries
    public override string Description => "A listener with a full accept queue never accepts: the next client's SYNs are dropped until connect gives up.";
    public override string Textbook => "connect stalls, then ETIMEDOUT (Linux)";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    private const string Observed = "observed on Linux 6.18";

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect1.Linux("Success", null, "completes into the accept queue; " + Observed),
        ClientConnect2.Linux("Success", null, "backlog 1 holds 2: sk_acceptq_is_full() is ack_backlog > max_ack_backlog; " + Observed),
        ClientConnect3.Linux("Error", "ETIMEDOUT", "tcp_conn_request() drops the SYN while sk_acceptq_is_full(); the client's SYNs go unanswered until TCP_SYNCNT: tcp_write_err() ETIMEDOUT; " + Observed),
        ClientConnect2.MacOS("Error", "ETIMEDOUT", "xnu bsd/kern/uipc_socket2.c sonewconn_internal(): refuses once so_qlen >= so_qlimit (kern.ipc.soqlimitcompat defaults to 1, so not 1.5 x backlog): backlog 1 holds one connection; tcp_input() then drops the SYN (tcps_listendrop) and connect times out (or our own bound ends it first)").Or(Results.TimedOut),
        ClientConnect3.MacOS("Error", "ETIMEDOUT", "xnu sonewconn_internal(): the queue is still full; the SYN is dropped (or our own bound ends the connect first)").Or(Results.TimedOut),
        ClientConnect3.Windows("Error", "WSAECONNREFUSED", "listen function: when the queue is full, WSAECONNREFUSED is returned to the client"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        using var listener = Loopback.Listen(loopback, Backlog);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        context.Logger.LogInformation("Listener on {Target} with backlog {Backlog} never accepts", target, Backlog);
        using var sockets = new SocketList();
        foreach (ScenarioStep step in new[] { ClientConnect1, ClientConnect2, ClientConnect3 }) // Backlog 1 holds two; the third waits
        {
            var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            sockets.Add(client);
            SocketOptions.SynRetries(client, context.Request.SynRetries, context.Logger);
            await context.CallAsync(step, SocketCalls.Connect(client, target), client).ConfigureAwait(false);
        }
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtListenOverflows", 3, "handshakes (SYN or final ACK) dropped because the accept queue was full", "net/ipv4/tcp_input.c tcp_conn_request(); net/ipv4/tcp_ipv4.c tcp_v4_syn_recv_sock()"),
        CounterExpectation.Linux("TcpExtListenDrops", 3, "the same drops, counted as listener drops", "include/net/tcp.h tcp_listendrop()"),
        CounterExpectation.Linux("TcpRetransSegs", 2, "the waiting client retransmits its SYN", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPSynRetrans", 2, "the same retransmissions, as SYN retransmits", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 3, "the SYN retransmission timer expiring", "net/ipv4/tcp_timer.c tcp_retransmit_timer()"),
        CounterExpectation.Linux("TcpAttemptFails", 1, "the stalled connect gives up", "net/ipv4/tcp.c tcp_done() from SYN_SENT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "its SYN retries ran out: ETIMEDOUT", "net/ipv4/tcp_timer.c tcp_write_err()"),
        CounterExpectation.Linux("TcpOutRsts", 2, "the queued connections reset when the listener closes at the end of the run", "net/ipv4/inet_connection_sock.c inet_csk_listen_stop() -> net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "those queued clients reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
