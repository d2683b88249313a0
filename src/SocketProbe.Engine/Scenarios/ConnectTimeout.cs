using System.Net.Sockets;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>Every SYN is silently dropped (nft, in the lab namespace); TCP_SYNCNT bounds the retries.</summary>
public sealed class ConnectTimeout : LabScenario
{
    public override string Name => "ConnectTimeout";
    public override double ExpectedWaitMs(ScenarioRequest request) =>
        request.SynRetries is int n ? ((2 << n) - 1) * 1000.0 : KernelDefaultWaitMs;   // (2^(n+1) - 1) s of SYN retries
    public override string Description => "SYNs to the peer host are silently dropped; connect retries the SYN, then gives up.";
    public override string Textbook => "ETIMEDOUT after the retries";
    public override string Cmdlet => "Test-TcpRefused";

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 2, "Client", "Connect", "Error", "ETIMEDOUT",
            "tcp_write_timeout(): SYN_SENT past TCP_SYNCNT retries -> tcp_write_err() ETIMEDOUT; observed on Linux 6.18 (3 s with TCP_SYNCNT 1)", Verified: true)
            { Window = r => TimeWindow.AfterSynRetries(r.SynRetries) },
        new(OsPlatform.MacOS, 2, "Client", "Connect", "Error", "ETIMEDOUT", "connect(2) man page, macOS: [ETIMEDOUT] 60", Verified: false),
        new(OsPlatform.Windows, 2, "Client", "Connect", "Error", "WSAETIMEDOUT", "Windows Sockets Error Codes, WSAETIMEDOUT 10060", Verified: false),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        LabSteps.Fault(context, 1, "HostCrash", $"nft drops every packet to and from {LabNetwork.PeerHost}", () => lab.Silence(LabNetwork.PeerHost));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketOptions.SynRetries(client, context.Request.SynRetries, context.Logger);
        await LabSteps.ConnectAsync(context, 2, client, LabNetwork.PeerHost, 7).ConfigureAwait(false);
    }
}
