namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The client's host runs out of ephemeral ports for one destination: net.ipv4.ip_local_port_range
/// narrowed to two ports in the lab namespace. Two connects take them, the third fails with
/// EADDRNOTAVAIL before any packet is sent, and a port whose connection was closed stays taken while
/// its TIME_WAIT lasts. A LOCAL error: the target is never at fault.
/// </summary>
public sealed class EphemeralPortExhaustion : LabScenario
{
    private const int Ports = 2;

    private static readonly ScenarioStep PortRange = new(1, Actors.Client, "PortRange");
    private static readonly ScenarioStep First = new(2, Actors.Client, "Connect");
    private static readonly ScenarioStep Second = new(3, Actors.Client, "Connect");
    private static readonly ScenarioStep Exhausted = new(4, Actors.Client, "Connect");
    private static readonly ScenarioStep CloseFirst = new(5, Actors.Client, "Close");
    private static readonly ScenarioStep ServerClose = new(6, Actors.Peer, "Close");
    private static readonly ScenarioStep HeldByTimeWait = new(7, Actors.Client, "Connect");

    private const string Observed = "observed on Linux 6.18";
    private const string Local = "LOCAL error: this host has no free local port for the destination; no packet was sent, the target is not at fault";

    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // no kernel timer: answers at once
    public override string Name => "EphemeralPortExhaustion";
    public override string Description => "The client's ephemeral ports run out (ip_local_port_range of two ports): connect fails with EADDRNOTAVAIL, and a closed connection's port stays taken in TIME_WAIT. A local error.";
    public override string Textbook => "connect EADDRNOTAVAIL (connect(2): no more free local ports); TIME_WAIT holds a port for 2 MSL (Stevens UNP 2.7)";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        First.Linux("Success", null, "__inet_hash_connect() picks a free port of ip_local_port_range; " + Observed),
        Second.Linux("Success", null, "__inet_hash_connect() picks the other port; " + Observed),
        Exhausted.Linux("Error", "EADDRNOTAVAIL",
            "net/ipv4/inet_hashtables.c __inet_hash_connect(): every port of inet_get_local_port_range() is bound or taken for this 4-tuple -> -EADDRNOTAVAIL; " + Observed),
        CloseFirst.Linux("Success", null, "close(2) sends FIN; the server's FIN then puts this side in TIME_WAIT (tcp_time_wait()); " + Observed),
        ServerClose.Linux("Success", null, "close(2) of the accepted socket sends FIN; " + Observed),
        HeldByTimeWait.Linux("Error", "EADDRNOTAVAIL",
            "__inet_check_established() -> tcp_twsk_unique(): with tcp_tw_reuse 0 a TIME_WAIT socket keeps its 4-tuple for TCP_TIMEWAIT_LEN (60 s) -> -EADDRNOTAVAIL; " + Observed),

        First.MacOS("Success", null, "connect(2): an ephemeral port from net.inet.ip.portrange.first..last"),
        Exhausted.MacOS("Error", "EADDRNOTAVAIL",
            "xnu bsd/netinet/in_pcb.c in_pcbbind(): the ephemeral port search ends with 'if (count-- < 0) ... error = EADDRNOTAVAIL' (completely used)"),
        HeldByTimeWait.MacOS("Error", "EADDRNOTAVAIL", "xnu in_pcbbind(): a port held by a TIME_WAIT pcb is not free for an automatic bind"),

        First.Windows("Success", null, "connect function"),
        Exhausted.Windows("Error", "WSAENOBUFS|WSAEADDRINUSE",
            "KB 196271 (connect from exhausted ephemeral ports: WSAENOBUFS 10055); Troubleshoot port exhaustion issues (Microsoft Learn)"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        // The listener takes its port before the range narrows, and the range leaves it out.
        using var listener = LabSteps.Listen(context, lab, 8);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        int low = server.Port is >= 40000 and < 40000 + Ports ? 50000 : 40000;
        string range = $"{low} {low + Ports - 1}";
        LabSteps.Fault(context, PortRange,
            $"net.ipv4.ip_local_port_range = {range} ({Ports} ports) and net.ipv4.tcp_tw_reuse = 0 (/proc, this namespace): " +
            "tcp_tw_reuse's default 2 reuses TIME_WAIT ports to loopback only, and this lab's destination is a loopback address standing for a remote one",
            () =>
            {
                lab.Sysctl("net.ipv4.ip_local_port_range", range);
                lab.Sysctl("net.ipv4.tcp_tw_reuse", "0");
            });

        using var clients = new SocketList();
        using var accepted = new SocketList();
        foreach (ScenarioStep step in new[] { First, Second, Exhausted })
        {
            var client = new Socket(context.Request.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            clients.Add(client);
            var connect = await context.MeasureAsync(step, LabSteps.Connect(client, server), client).ConfigureAwait(false);
            context.Emit(connect.WithNote(connect.Result == Results.Success
                ? $"local port {((IPEndPoint)client.LocalEndPoint!).Port}"
                : $"{Local}; ports {range} are held by connections 1 and 2"));
        }
        if (clients.Take(2).Any(c => !c.Connected)) return;
        int firstPort = ((IPEndPoint)clients[0].LocalEndPoint!).Port;
        for (int i = 0; i < 2; i++) accepted.Add(await listener.AcceptAsync(context.Cancellation).ConfigureAwait(false));
        Socket firstServer = accepted.First(s => ((IPEndPoint)s.RemoteEndPoint!).Port == firstPort);

        // The client closes first, so the TIME_WAIT is on its side (the side that closes first keeps it).
        await context.CallAsync(CloseFirst, SocketCalls.Close(clients[0])).ConfigureAwait(false);
        await LabSteps.WaitUntilAsync(() => LabTables.StateOf(server.Port, firstPort) == "CLOSE_WAIT", 1_000, context.Cancellation).ConfigureAwait(false);
        var serverClose = await context.MeasureAsync(ServerClose, SocketCalls.Close(firstServer)).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        bool timeWait = await LabSteps.WaitUntilAsync(() => LabTables.StateOf(firstPort, server.Port) == "TIME_WAIT", 1_000, context.Cancellation).ConfigureAwait(false);
        context.Emit(serverClose.WithNote(timeWait
            ? $"the client's port {firstPort} is now TIME_WAIT (/proc/net/tcp, {clock.Elapsed.TotalMilliseconds:F1} ms after)"
            : $"the client's port {firstPort} reads {LabTables.StateOf(firstPort, server.Port) ?? "not listed"} (/proc/net/tcp), not TIME_WAIT, after 1 s"));

        var again = new Socket(context.Request.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        clients.Add(again);
        var held = await context.MeasureAsync(HeldByTimeWait, LabSteps.Connect(again, server), again).ConfigureAwait(false);
        context.Emit(held.WithNote(held.Result == Results.Success
            ? $"local port {((IPEndPoint)again.LocalEndPoint!).Port}"
            : $"{Local}; port {firstPort} is {LabTables.StateOf(firstPort, server.Port) ?? "not listed"} (/proc/net/tcp): a closed connection's port stays taken for 60 s"));
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTW", 2, "orderly closes entering TIME_WAIT; no reset, abort or retransmit moves", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule()"),
    };
}
