namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer host crashes (silent), loses all connection state, and comes back: the client's next
/// segment reaches a kernel with no socket for it, which answers RST.
/// </summary>
public sealed class PeerReboot : LabScenario
{
    private static readonly ScenarioStep HostCrashFault = new(2, Actors.Peer, "HostCrash");
    private static readonly ScenarioStep RebootFault = new(4, Actors.Peer, "Reboot");
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientSend5 = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep ClientReceive = new(6, Actors.Client, "Receive");
    private static readonly ScenarioStep ClientSend7 = new(7, Actors.Client, "Send");

    public override string Name => "PeerReboot";
    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // an immediate answer (ICMP, no route, RST)
    public override string MemberName => "Reboot";
    public override string Description => "The peer host crashes and comes back with no connection state: the client's next segment is answered by RST.";
    public override string Textbook => "next send answered by RST: ECONNRESET";
    public override string Cmdlet => FrontDoors.InvokePeerCrash;
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send };

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Success", null, "the handshake completes; observed on Linux 6.18"),
        ClientSend5.Linux("Success", null, "the local kernel accepts the bytes; observed on Linux 6.18"),
        ClientReceive.Linux("Error", "ECONNRESET", "the peer kernel has no socket: tcp_v4_send_reset() (IPv6: tcp_v6_send_reset()); here tcp_reset() in ESTABLISHED sets ECONNRESET; observed on Linux 6.18"),
        ClientSend7.Linux("Error", "EPIPE", LinuxSendPaths.AfterErrorTaken + "; observed on Linux 6.18"),
        ClientReceive.MacOS("Error", "ECONNRESET", "Stevens UNP 5.15 (crash and reboot of server host)"),
        ClientReceive.Windows("Error", "WSAECONNRESET", "Windows Sockets Error Codes, WSAECONNRESET 10054"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using PeerConnection? connection = await LabSteps.ConnectToPeerAsync(context, ClientConnect, lab, userTimeout: true).ConfigureAwait(false);
        if (connection is null) return;
        Socket client = connection.Client;

        LabSteps.SilenceHost(context, HostCrashFault, lab, connection.Host);
        await LabSteps.LoseStateAsync(context, 3, connection.Peer).ConfigureAwait(false);
        LabSteps.Fault(context, RebootFault, "nft rules removed: the host is back, with no connection state", lab.Heal);
        await LabSteps.SendAsync(context, ClientSend5, client).ConfigureAwait(false);
        await LabSteps.ReceiveAsync(context, ClientReceive, client).ConfigureAwait(false);
        await LabSteps.SendAsync(context, ClientSend7, client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 2, "the rebooted peer knows no connection: its kernel answers the client's write with RST; and the old peer socket's abort", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpExtTCPAbortOnData", 1, "the peer process's socket aborted (SO_LINGER {on, 0}) while the host was silent", "net/ipv4/tcp.c __tcp_close(): SO_LINGER {on, 0} -> tcp_disconnect()"),
        new(OsPlatform.Linux, "TcpExtTCPAbortFailed", null, "0 or 1: that abort's RST dropped by the silent-host rule (1 before the lab dropped the silent host's input too, 0 after)", "net/ipv4/tcp_output.c tcp_send_active_reset(); measured in a namespace of its own on Linux 6.18", Verified: true),
        CounterExpectation.Linux("TcpEstabResets", 2, "both ends' connections reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
