namespace SocketProbe.Engine.Scenarios;

/// <summary>Connect to an address the lab namespace has no route to: the kernel refuses before sending anything.</summary>
public sealed class ConnectNoRoute : LabScenario
{
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");

    public override string Name => "ConnectNoRoute";
    public override double? ExpectedWaitMs(ScenarioRequest request) => 0;   // an immediate answer (ICMP, no route, RST)
    public override string Description => "Connect to an address with no route: the local kernel fails the connect without sending a packet.";
    public override string Textbook => "ENETUNREACH";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Error", "ENETUNREACH", "ip_route_connect() finds no route: fib lookup -ENETUNREACH (IPv6: ip6_dst_lookup_flow(), 2001:db8::1); observed on Linux 6.18"),
        ClientConnect.MacOS("Error", "ENETUNREACH", "connect(2) man page, macOS: [ENETUNREACH] 51"),
        ClientConnect.Windows("Error", "WSAENETUNREACH", "Windows Sockets Error Codes, WSAENETUNREACH 10051"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        var family = context.Request.AddressFamily;
        var unroutable = LabNetwork.UnroutableOf(family);
        using var client = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        lab.RequireNoRoute(unroutable);
        await LabSteps.ConnectAsync(context, ClientConnect, client, unroutable, 80).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("IpOutNoRoutes", 1, "connect() finds no route to 192.0.2.1: ENETUNREACH before any SYN", "net/ipv4/route.c ip_route_output_key_hash_rcu() (IPSTATS_MIB_OUTNOROUTES)"),
    };
}
