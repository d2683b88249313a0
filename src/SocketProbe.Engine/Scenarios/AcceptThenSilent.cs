namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The server accepts and then never answers (a hung worker, a service stuck before its first
/// read). The client's request is accepted and acknowledged by the server's kernel, and its read
/// learns nothing: only our own bound ends it, with no errno.
/// </summary>
public sealed class AcceptThenSilent : Scenario
{
    /// <summary>How long the client waits for an answer that never comes (our own bound).</summary>
    internal const int SilentWaitMs = 500;

    private static readonly ScenarioStep Connect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep Accept = new(2, Actors.Peer, "Accept");
    private static readonly ScenarioStep Request = new(3, Actors.Client, "Send");
    private static readonly ScenarioStep Read = new(4, Actors.Client, "Receive");

    private const string Observed = "observed on Linux 6.18";
    private const string NothingComes = "nothing arrives, so the kernel has nothing to report: only our own bound ends the read";

    public override string Name => "AcceptThenSilent";
    public override string Description => $"The server accepts and never answers: the client's request is accepted, its read learns nothing (our own {SilentWaitMs} ms bound).";
    public override string Textbook => "recv blocks forever: only an application timeout (SO_RCVTIMEO) ends it";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the kernel completes the handshake before accept(); " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        Request.Linux("Success", null, "the server's kernel queues and acknowledges the bytes; nobody reads them; " + Observed),
        Read.Linux("TimedOut", null, $"{NothingComes} ({SilentWaitMs} ms); " + Observed),

        Connect.MacOS("Success", null, "connect(2)"),
        Accept.MacOS("Success", null, "accept(2)"),
        Request.MacOS("Success", null, "send(2): the bytes are queued"),
        Read.MacOS("TimedOut", null, $"recv(2) blocks until data arrives: {NothingComes}"),

        Connect.Windows("Success", null, "connect function"),
        Accept.Windows("Success", null, "accept function"),
        Request.Windows("Success", null, "send function"),
        Read.Windows("TimedOut", null, $"recv function blocks until data arrives: {NothingComes}"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await ObservedHandshake.ConnectAndAcceptAsync(context, Connect, Accept).ConfigureAwait(false);
        if (pair is null) return;
        var (client, server) = (pair.Client, pair.Server);

        await context.CallAsync(Request, SocketCalls.Send(client, "HEAD / HTTP/1.0\r\n\r\n"u8.ToArray()), stateOf: client).ConfigureAwait(false);
        var buffer = new byte[256];
        await context.CallAsync(Read, SocketCalls.Receive(client, buffer), stateOf: client,
            boundMs: Math.Min(SilentWaitMs, context.Request.CallTimeoutMs), isReceive: true).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnClose", 1, "a socket closed with unread data: RST instead of FIN", "net/ipv4/tcp.c __tcp_close(): data_was_unread"),
    };
}
