using System.Net;
using System.Net.Sockets;
using SocketProbe.Engine.Wire;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// The shared capture on lo under other traffic on lo (other tests, other tools): a run must keep
/// its own segments, its connection's end included. Needs root or CAP_NET_RAW (skips otherwise).
/// </summary>
public class CaptureLoadTests
{
    /// <summary>More foreign packets than the ring once held (4,096 frames), sent faster than it was drained (100 ms).</summary>
    private const int ForeignDatagrams = 20_000;

    [SkippableFact]
    public void A_burst_of_foreign_packets_on_lo_costs_the_run_neither_its_RST_nor_any_packet()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "capture runs on Linux");
        string? cannot = WireCapture.WhyUnavailable();
        Skip.If(cannot is not null, cannot);
        using var lease = WireHub.Acquire();

        // Someone else's traffic on lo: datagrams to a socket of their own (no ICMP answers them).
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var flooder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var one = new byte[1];
        for (int i = 0; i < ForeignDatagrams; i++) flooder.SendTo(one, sink.LocalEndPoint!);

        // The run's own connection, ended by the client's RST (SO_LINGER 0) after the burst.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        List<WireSegment> segments = lease.Take();
        var mine = segments.Where(s => s.Protocol == WireProtocol.Tcp && (s.SourcePort == clientPort || s.DestinationPort == clientPort)).ToList();
        Assert.Equal("S S. . R.", string.Join(" ", mine.Select(s => s.FlagLetters())));
        Assert.Equal(0, lease.Lost);
        Assert.Equal(ForeignDatagrams, segments.Count(s => s.Protocol == WireProtocol.Udp && s.DestinationPort == ((IPEndPoint)sink.LocalEndPoint!).Port));
    }
}
