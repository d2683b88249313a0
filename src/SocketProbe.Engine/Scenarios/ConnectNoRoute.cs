using System.Net.Sockets;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>Connect to an address the lab namespace has no route to: the kernel refuses before sending anything.</summary>
public sealed class ConnectNoRoute : LabScenario
{
    public override string Name => "ConnectNoRoute";
    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // an immediate answer (ICMP, no route, RST)
    public override string Description => "Connect to an address with no route: the local kernel fails the connect without sending a packet.";
    public override string Textbook => "ENETUNREACH";
    public override string Cmdlet => "Test-TcpRefused";

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 1, "Client", "Connect", "Error", "ENETUNREACH",
            "ip_route_connect() finds no route: fib lookup -ENETUNREACH; observed on Linux 6.18", Verified: true),
        new(OsPlatform.MacOS, 1, "Client", "Connect", "Error", "ENETUNREACH", "connect(2) man page, macOS: [ENETUNREACH] 51", Verified: false),
        new(OsPlatform.Windows, 1, "Client", "Connect", "Error", "WSAENETUNREACH", "Windows Sockets Error Codes, WSAENETUNREACH 10051", Verified: false),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lab.RequireNoRoute(LabNetwork.Unroutable);
        await LabSteps.ConnectAsync(context, 1, client, LabNetwork.Unroutable, 80).ConfigureAwait(false);
    }
}
