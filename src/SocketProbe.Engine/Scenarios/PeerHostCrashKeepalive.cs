namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer host goes silent while the client idles with SO_KEEPALIVE: the probes find it dead.
/// SO_KEEPALIVE goes on once the host is silent, right before the read, so the kernel's idle clock
/// starts with the call: on from the connect, the idle would count from the handshake's last
/// segment, and the read would end sooner than idle + count x interval by however long the peer's
/// report and the nft run took (0.4-1.1 s under four matrices at once: outside the window, though
/// the kernel kept its timers).
/// </summary>
public sealed class PeerHostCrashKeepalive : LabScenario
{
    private static readonly ScenarioStep HostCrashFault = new(2, Actors.Peer, "HostCrash");
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientReceive = new(3, Actors.Client, "Receive");

    public override string Name => "PeerHostCrashKeepalive";
    public override double? ExpectedWaitMs(ScenarioRequest request) =>
        request is { KeepAliveIdleSeconds: int idle, KeepAliveIntervalSeconds: int interval, KeepAliveCount: int count }
            ? (idle + interval * count) * 1000.0 : KernelDefaultWaitMs;
    public override string MemberName => "HostCrash";
    public override string Description => "The peer host goes silent while the client idles with SO_KEEPALIVE: unanswered probes end the connection.";
    public override string Textbook => "recv ETIMEDOUT after keepalive probes";
    public override string Cmdlet => FrontDoors.InvokePeerCrash;
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Keepalive };

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Success", null, "the handshake completes; observed on Linux 6.18"),
        ClientReceive.Linux("Error", "ETIMEDOUT", "tcp_keepalive_timer(): TCP_KEEPCNT probes unanswered -> tcp_write_err() ETIMEDOUT; observed on Linux 6.18") with { Window = r => TimeWindow.AfterKeepalive(r.KeepAliveIdleSeconds, r.KeepAliveIntervalSeconds, r.KeepAliveCount) },
        ClientReceive.MacOS("Error", "ETIMEDOUT", "tcp(4) TCP_KEEPALIVE/TCP_KEEPCNT; Stevens UNP 7.5 SO_KEEPALIVE"),
        ClientReceive.Windows("Error", "WSAENETRESET|WSAECONNABORTED", "SO_KEEPALIVE docs: a failed keepalive gives WSAENETRESET 10052"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using PeerConnection? connection = await LabSteps.ConnectToPeerAsync(context, ClientConnect, lab).ConfigureAwait(false);
        if (connection is null) return;
        Socket client = connection.Client;
        LabSteps.SilenceHost(context, HostCrashFault, lab, connection.Host);
        SocketOptions.KeepAlive(client, context.Request, context.Logger);
        await LabSteps.ReceiveAsync(context, ClientReceive, client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPKeepAlive", 2, "keepalive probes sent into the silence (TCP_KEEPCNT 2)", "net/ipv4/tcp_timer.c tcp_keepalive_timer() -> tcp_write_wakeup()"),
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "the probes went unanswered: ETIMEDOUT", "net/ipv4/tcp_timer.c tcp_write_err() from tcp_keepalive_timer()"),
        CounterExpectation.Linux("TcpOutRsts", 1, "Linux 6.x sends an RST when keepalive gives up (the silent host drops it)", "net/ipv4/tcp_timer.c tcp_keepalive_timer() -> net/ipv4/tcp_output.c tcp_send_active_reset()"),
        new(OsPlatform.Linux, "TcpExtTCPAbortFailed", null, "0 or 1: that RST could not be sent: nft drops it on output (1 before the lab dropped the silent host's input too, 0 after)", "net/ipv4/tcp_output.c tcp_send_active_reset(); measured in a namespace of its own on Linux 6.18", Verified: true),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection closed", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
