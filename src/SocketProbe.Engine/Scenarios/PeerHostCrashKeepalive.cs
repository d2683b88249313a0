using System.Net.Sockets;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer host goes silent while the client idles with SO_KEEPALIVE: the probes find it dead.</summary>
public sealed class PeerHostCrashKeepalive : LabScenario
{
    public override string Name => "PeerHostCrashKeepalive";
    public override double ExpectedWaitMs(ScenarioRequest request) =>
        request is { KeepAliveIdleSeconds: int idle, KeepAliveIntervalSeconds: int interval, KeepAliveCount: int count }
            ? (idle + interval * count) * 1000.0 : KernelDefaultWaitMs;
    public override string MemberName => "HostCrash";
    public override string Description => "The peer host goes silent while the client idles with SO_KEEPALIVE: unanswered probes end the connection.";
    public override string Textbook => "recv ETIMEDOUT after keepalive probes";
    public override string Cmdlet => "Invoke-PeerCrash";
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Keepalive };

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 1, "Client", "Connect", "Success", null, "the handshake completes; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 3, "Client", "Receive", "Error", "ETIMEDOUT",
            "tcp_keepalive_timer(): TCP_KEEPCNT probes unanswered -> tcp_write_err() ETIMEDOUT; observed on Linux 6.18", Verified: true)
            { Window = r => TimeWindow.AfterKeepalive(r.KeepAliveIdleSeconds, r.KeepAliveIntervalSeconds, r.KeepAliveCount) },
        new(OsPlatform.MacOS, 3, "Client", "Receive", "Error", "ETIMEDOUT", "tcp(4) TCP_KEEPALIVE/TCP_KEEPCNT; Stevens UNP 7.5 SO_KEEPALIVE", Verified: false),
        new(OsPlatform.Windows, 3, "Client", "Receive", "Error", "WSAENETRESET|WSAECONNABORTED", "SO_KEEPALIVE docs: a failed keepalive gives WSAENETRESET 10052", Verified: false),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketOptions.KeepAlive(client, context.Request, context.Logger);
        using PeerProcess? peer = await LabSteps.ConnectToPeerAsync(context, client).ConfigureAwait(false);
        if (peer is null) return;
        LabSteps.Fault(context, 2, "HostCrash", $"nft drops every packet to and from {LabNetwork.PeerHost}", () => lab.Silence(LabNetwork.PeerHost));
        await LabSteps.ReceiveAsync(context, 3, client).ConfigureAwait(false);
    }
}
