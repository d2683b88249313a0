namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A connected UDP socket sends to a loopback port nobody binds. The send succeeds (UDP has no
/// handshake); the kernel's ICMP (ICMPv6) port unreachable comes back asynchronously and is
/// reported on the next call. Stevens UNP 8.9 and 8.11: only a connected UDP socket is told.
/// </summary>
public sealed class UdpPortUnreachable : Scenario
{
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientSend = new(2, Actors.Client, "Send");
    private static readonly ScenarioStep ClientReceive = new(3, Actors.Client, "Receive");

    public override string Name => "UdpPortUnreachable";
    public override string Description => "A connected UDP socket sends to a port nobody binds: the send succeeds, the ICMP port unreachable fails the next call.";
    public override string Textbook => "Linux: next recv ECONNREFUSED; Windows: WSAECONNRESET";
    public override string Cmdlet => FrontDoors.InvokeSocketScenario;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Success", null, "net/ipv4/datagram.c __ip4_datagram_connect(): UDP connect only records the peer; observed on Linux 6.18"),
        ClientSend.Linux("Success", null, "UDP send has no handshake; observed on Linux 6.18"),
        ClientReceive.Linux("Error", "ECONNREFUSED", "net/ipv4/udp.c __udp4_lib_err() / net/ipv6/udp.c __udp6_lib_err(): port unreachable -> ECONNREFUSED (icmp_err_convert / icmpv6_err_convert), stored in sk_err of a connected socket; observed on Linux 6.18"),

        ClientConnect.MacOS("Success", null, "connect(2) macOS man page: datagram sockets record the peer"),
        ClientSend.MacOS("Success", null, "send(2) macOS man page"),
        ClientReceive.MacOS("Error", "ECONNREFUSED", "Stevens UNP 8.11: the asynchronous ICMP error reaches a connected UDP socket as ECONNREFUSED"),

        ClientConnect.Windows("Success", null, "connect function: datagram sockets set a default destination"),
        ClientSend.Windows("Success", null, "send function (winsock2.h)"),
        ClientReceive.Windows("Error", "WSAECONNRESET", "recv function: WSAECONNRESET 10054 for UDP, a previous send was answered by ICMP Port Unreachable (SIO_UDP_CONNRESET on by default)"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        int port = ClosedUdpPort(loopback);
        context.Logger.LogInformation("UDP port {Port} on {Address} was bound and closed: nobody is there", port, loopback);

        using var client = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        context.Own(ProtocolType.Udp, port); // -Capture: the datagram and the ICMP error about it are this run's
        await context.CallAsync(ClientConnect,
            SocketCalls.Connect(client, new IPEndPoint(loopback, port))).ConfigureAwait(false);
        byte[] datagram = "anyone there?"u8.ToArray();
        await context.CallAsync(ClientSend, SocketCalls.Send(client, datagram)).ConfigureAwait(false);
        // The ICMP error is asynchronous: the receive returns as soon as it has arrived (on loopback, at once).
        var receive = await context.MeasureAsync(ClientReceive, SocketCalls.Receive(client, new byte[64]), isReceive: true).ConfigureAwait(false);
        string icmp = loopback.AddressFamily == AddressFamily.InterNetworkV6
            ? "ICMPv6 destination unreachable, code 4 (port unreachable)"
            : "ICMP destination unreachable, code 3 (port unreachable)";
        context.Emit(receive.WithNote(receive.Result == Results.Error ? $"how the kernel reports the {icmp} that answered step 2's datagram" : null));
    }

    /// <summary>A UDP port that was free a moment ago: bind to port 0, read the port, close.</summary>
    private static int ClosedUdpPort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("UdpNoPorts", 1, "the datagram to a port nobody binds (IPv4 run; Udp6NoPorts over IPv6)", "net/ipv4/udp.c __udp4_lib_rcv()"),
        CounterExpectation.Linux("IcmpOutDestUnreachs", 1, "the kernel answers ICMP port unreachable (Icmp6OutDestUnreachs over IPv6)", "net/ipv4/icmp.c __icmp_send()"),
        CounterExpectation.Linux("IcmpInDestUnreachs", 1, "the client socket receives it: the next receive fails ECONNREFUSED (Icmp6InDestUnreachs over IPv6)", "net/ipv4/icmp.c icmp_unreach() -> udp_err()"),
        CounterExpectation.Documented(OsPlatform.Windows, "UdpNoPorts", "the datagram to a port nobody binds", "iphlpapi GetUdpStatisticsEx2 MIB_UDPSTATS2.dwNoPorts"),
    };
}
