namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer host goes silent after the handshake (nft drops everything to and from it). A client
/// that sends retransmits until TCP_USER_TIMEOUT; an idle client learns nothing at all.
/// </summary>
public sealed class PeerHostCrash : LabScenario
{
    private static readonly ScenarioStep HostCrashFault = new(2, Actors.Peer, "HostCrash");
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientSend = new(3, Actors.Client, "Send");
    private static readonly ScenarioStep ClientReceive3 = new(3, Actors.Client, "Receive");
    private static readonly ScenarioStep ClientReceive4 = new(4, Actors.Client, "Receive");

    public override string Name => "PeerHostCrash";
    public override double? ExpectedWaitMs(ScenarioRequest request) =>
        Math.Max(request.IdleWaitMs, request.UserTimeoutMs ?? KernelDefaultWaitMs);
    public override string MemberName => "HostCrash";
    public override string Description => "The peer host goes silent after the handshake: a sending client retransmits, then gives up; an idle one waits forever.";
    public override string Textbook => "send: retransmits, then ETIMEDOUT (or EHOSTUNREACH); idle recv blocks forever";
    public override string Cmdlet => FrontDoors.InvokePeerCrash;
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send, ClientAction.Idle };

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Success", null, "the handshake completes; observed on Linux 6.18"),
        ClientSend.Linux("Success", null, "the local kernel queues the bytes; nothing acknowledges them; observed on Linux 6.18") with { When = "Send" },
        ClientReceive4.Linux("Error", "ETIMEDOUT", "tcp_write_timeout(): unacknowledged data older than TCP_USER_TIMEOUT -> tcp_write_err() ETIMEDOUT; observed on Linux 6.18") with { When = "Send", Window = r => TimeWindow.AfterTimer(r.UserTimeoutMs) },
        ClientReceive3.Linux("TimedOut", null, "an idle connection sends nothing, so nothing can fail: only our own bound ends the wait; observed on Linux 6.18") with { When = "Idle", Window = r => TimeWindow.AfterTimer(r.IdleWaitMs) },
        ClientReceive4.MacOS("Error", "ETIMEDOUT", "Stevens UNP 5.14 (BSD: retransmits, then ETIMEDOUT); tcp(4) TCP_RXT_CONNDROPTIME") with { When = "Send" },
        ClientReceive4.Windows("Error", "WSAECONNABORTED|WSAETIMEDOUT", "Windows Sockets Error Codes: 10053 after retransmission time-out; TCP_MAXRT") with { When = "Send" },
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using PeerConnection? connection = await LabSteps.ConnectToPeerAsync(context, ClientConnect, lab, userTimeout: true).ConfigureAwait(false);
        if (connection is null) return;
        Socket client = connection.Client;

        LabSteps.SilenceHost(context, HostCrashFault, lab, connection.Host);
        if (context.Request.ClientAction == ClientAction.Idle)
        {
            await LabSteps.ReceiveAsync(context, ClientReceive3, client, context.Request.IdleWaitMs).ConfigureAwait(false);
            return;
        }
        await LabSteps.SendAsync(context, ClientSend, client).ConfigureAwait(false);
        await LabSteps.ReceiveAsync(context, ClientReceive4, client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "the unacknowledged write ran out of TCP_USER_TIMEOUT: ETIMEDOUT", "net/ipv4/tcp_timer.c tcp_write_err() from tcp_write_timeout()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's established connection closed by the timeout", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
