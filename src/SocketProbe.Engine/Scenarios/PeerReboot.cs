using System.Net.Sockets;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer host crashes (silent), loses all connection state, and comes back: the client's next
/// segment reaches a kernel with no socket for it, which answers RST.
/// </summary>
public sealed class PeerReboot : LabScenario
{
    public override string Name => "PeerReboot";
    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // an immediate answer (ICMP, no route, RST)
    public override string MemberName => "Reboot";
    public override string Description => "The peer host crashes and comes back with no connection state: the client's next segment is answered by RST.";
    public override string Textbook => "next send answered by RST: ECONNRESET";
    public override string Cmdlet => "Invoke-PeerCrash";
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send };

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 1, "Client", "Connect", "Success", null, "the handshake completes; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 5, "Client", "Send", "Success", null, "the local kernel accepts the bytes; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 6, "Client", "Receive", "Error", "ECONNRESET",
            "the peer kernel has no socket: tcp_v4_send_reset(); here tcp_reset() in ESTABLISHED sets ECONNRESET; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 7, "Client", "Send", "Error", "EPIPE", "tcp_done() set SEND_SHUTDOWN: sk_stream_error() EPIPE; observed on Linux 6.18", Verified: true),
        new(OsPlatform.MacOS, 6, "Client", "Receive", "Error", "ECONNRESET", "Stevens UNP 5.15 (crash and reboot of server host)", Verified: false),
        new(OsPlatform.Windows, 6, "Client", "Receive", "Error", "WSAECONNRESET", "Windows Sockets Error Codes, WSAECONNRESET 10054", Verified: false),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketOptions.UserTimeout(client, context.Request.UserTimeoutMs, context.Logger);
        using PeerProcess? peer = await LabSteps.ConnectToPeerAsync(context, client).ConfigureAwait(false);
        if (peer is null) return;

        LabSteps.Fault(context, 2, "HostCrash", $"nft drops every packet to and from {LabNetwork.PeerHost}", () => lab.Silence(LabNetwork.PeerHost));
        await LabSteps.LoseStateAsync(context, 3, peer).ConfigureAwait(false);
        LabSteps.Fault(context, 4, "Reboot", "nft rules removed: the host is back, with no connection state", lab.Heal);
        await LabSteps.SendAsync(context, 5, client).ConfigureAwait(false);
        await LabSteps.ReceiveAsync(context, 6, client).ConfigureAwait(false);
        await LabSteps.SendAsync(context, 7, client).ConfigureAwait(false);
    }
}
