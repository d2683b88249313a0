namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// Connect to a loopback port nobody listens on. The port is made free for certain by binding an
/// ephemeral port and closing it; the kernel answers the SYN with RST.
/// </summary>
public sealed class ConnectRefused : Scenario
{
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");

    public override string Name => "ConnectRefused";
    public override string Description => "Connect to a loopback port nobody listens on: the SYN is answered by RST.";
    public override string Textbook => "ECONNREFUSED at once";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Error", "ECONNREFUSED", "net/ipv4/tcp_input.c tcp_reset(): SYN_SENT -> ECONNREFUSED; observed on Linux 6.18"),
        ClientConnect.MacOS("Error", "ECONNREFUSED", "xnu bsd/netinet/tcp_input.c: an RST in SYN_SENT -> tcp_drop(tp, ECONNREFUSED); connect(2) man page [ECONNREFUSED] 61"),
        ClientConnect.Windows("Error", "WSAECONNREFUSED", "Windows Sockets Error Codes, WSAECONNREFUSED 10061; KB 175523 (Winsock TCP connection performance to unused ports): after an RST to its SYN " +
            "Winsock re-sends the SYN up to TcpMaxConnectRetransmissions times at the base time-out, so the error arrives after about 1-2 s, not at once"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        int port = Loopback.ClosedPort(loopback);
        context.Logger.LogInformation("Port {Port} on {Address} was bound and closed: nobody listens there", port, loopback);

        using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await context.CallAsync(ClientConnect, SocketCalls.Connect(client, new IPEndPoint(loopback, port)),
            stateOf: client).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpAttemptFails", 1, "the client's SYN_SENT socket is closed by the RST", "net/ipv4/tcp.c tcp_done() from SYN_SENT"),
        CounterExpectation.Linux("TcpOutRsts", 1, "the RST that refuses the SYN (no socket on the port)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset()"),
        CounterExpectation.Documented(OsPlatform.Windows, "TcpAttemptFails", "RFC 4022 tcpAttemptFails: SYN_SENT -> CLOSED", "iphlpapi GetTcpStatisticsEx2 MIB_TCPSTATS2.dwAttemptFails"),
        CounterExpectation.Documented(OsPlatform.Windows, "TcpOutRsts", "the RST that refuses the SYN", "iphlpapi GetTcpStatisticsEx2 MIB_TCPSTATS2.dwOutRsts"),
    };
}
