using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SocketProbe.Engine.Trace;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>sock_diag's destroy notifications (tcp_info at a socket's end) and their join to Sent rows.</summary>
public class TcpSocketEndTests
{
    [Fact]
    public void A_message_laid_out_as_inet_diag_h_says_gives_its_ends_and_tcp_info()
    {
        // nlmsghdr, inet_diag_msg (AF_INET, 127.0.0.1:8080 -> 127.0.0.2:50000, rqueue 5, wqueue 7), one INET_DIAG_INFO rtattr.
        byte[] message = new byte[16 + 72 + 4 + 232];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), 20);
        Span<byte> diag = message.AsSpan(16);
        diag[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(diag[4..], 8080);
        BinaryPrimitives.WriteUInt16BigEndian(diag[6..], 50000);
        new byte[] { 127, 0, 0, 1 }.CopyTo(diag[8..]);
        new byte[] { 127, 0, 0, 2 }.CopyTo(diag[24..]);
        BinaryPrimitives.WriteUInt32LittleEndian(diag[56..], 5);
        BinaryPrimitives.WriteUInt32LittleEndian(diag[60..], 7);
        Span<byte> rta = diag[72..];
        BinaryPrimitives.WriteUInt16LittleEndian(rta, 4 + 232);
        BinaryPrimitives.WriteUInt16LittleEndian(rta[2..], 2);
        Span<byte> info = rta[4..];
        BinaryPrimitives.WriteUInt32LittleEndian(info[52..], 1234);   // tcpi_last_data_recv
        BinaryPrimitives.WriteUInt32LittleEndian(info[100..], 3);     // tcpi_total_retrans
        BinaryPrimitives.WriteUInt32LittleEndian(info[152..], 1);     // tcpi_data_segs_in
        var ends = new List<SocketEnd>();
        SocketEndListener.ParseDatagram(message, 42.0, ends);
        SocketEnd end = Assert.Single(ends);
        Assert.Equal(new SocketEnd("127.0.0.1", 8080, "127.0.0.2", 50000, 5, 7, 1234, 3, 42.0), end);
        // No data ever received: the idle time would be the time since the handshake, so none is claimed.
        BinaryPrimitives.WriteUInt32LittleEndian(info[152..], 0);
        ends.Clear();
        SocketEndListener.ParseDatagram(message, 42.0, ends);
        Assert.Null(Assert.Single(ends).IdleSinceReceiveMs);
    }

    private static TcpResetEvent Sent(string state, double at, int localPort = 8080) => new()
    {
        Direction = "Sent", State = state, MonotonicSeconds = at,
        LocalAddress = "127.0.0.1", LocalPort = localPort, RemoteAddress = "127.0.0.2", RemotePort = 50000,
    };

    [Fact]
    public void A_Sent_row_waits_for_its_socket_s_end_and_rows_keep_their_order()
    {
        var matcher = new SocketEndMatcher();
        var output = new List<TcpResetEvent>();
        TcpResetEvent sent = Sent("CLOSE", 10.0), noSocket = Sent("UNKNOWN", 10.01, 9);
        var received = new TcpResetEvent { Direction = "Received", MonotonicSeconds = 10.02 };
        matcher.Offer(new List<TcpResetEvent> { sent, noSocket, received });
        matcher.Release(10.1, output);
        Assert.Empty(output);                                         // the first waits, so the rest wait behind it
        // An end of an earlier socket on the same four ends (read before the send) is not this one's.
        matcher.AddEnds(new List<SocketEnd> { new("127.0.0.1", 8080, "127.0.0.2", 50000, 99, 0, null, 0, 9.5) });
        matcher.Release(10.1, output);
        Assert.Empty(output);
        matcher.AddEnds(new List<SocketEnd> { new("127.0.0.1", 8080, "127.0.0.2", 50000, 5, 0, 40, 2, 10.15) });
        matcher.Release(10.2, output);
        Assert.Equal(new[] { sent, noSocket, received }, output);
        Assert.Equal((5, 0, 40L, 2), (sent.UnreadBytes!.Value, sent.UnsentBytes!.Value, sent.IdleSinceReceiveMs!.Value, sent.Retransmits!.Value));
        Assert.Null(noSocket.UnreadBytes);                             // NO_SOCKET: there was no socket to end
    }

    [Fact]
    public void A_Sent_row_whose_socket_lives_on_goes_without_after_the_wait()
    {
        var matcher = new SocketEndMatcher();
        var output = new List<TcpResetEvent>();
        TcpResetEvent sent = Sent("ESTABLISHED", 10.0);
        matcher.Offer(new List<TcpResetEvent> { sent });
        matcher.Release(10.0 + SocketEndMatcher.WaitSeconds / 2, output);
        Assert.Empty(output);
        matcher.Release(10.0 + SocketEndMatcher.WaitSeconds, output);
        Assert.Same(sent, Assert.Single(output));
        Assert.Null(sent.UnreadBytes);
    }

    [Fact]
    public void The_kernel_reports_a_loopback_socket_closed_with_unread_data_as_it_dies()
    {
        if (!OperatingSystem.IsLinux()) return;
        using SocketEndListener listener = SocketEndListener.TryOpen(out string? whyNot) ?? throw new InvalidOperationException(whyNot);
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint!);
        var accepted = server.Accept();
        var ends = (IPEndPoint)accepted.LocalEndPoint!;
        var peer = (IPEndPoint)accepted.RemoteEndPoint!;
        client.Send(new byte[5]);
        // Wait (bounded) until the 5 bytes are queued at the accepted socket, then close it unread.
        for (int i = 0; i < 200 && accepted.Available < 5; i++) Thread.Sleep(5);
        Assert.Equal(5, accepted.Available);
        accepted.Close();
        var seen = new List<SocketEnd>();
        SocketEnd? mine = null;
        for (int i = 0; i < 100 && mine is null; i++)
        {
            Thread.Sleep(20);
            listener.Read(seen);
            mine = seen.FirstOrDefault(e => e.LocalPort == ends.Port && e.RemotePort == peer.Port);
        }
        Assert.NotNull(mine);
        Assert.Equal(5, mine!.UnreadBytes);
        Assert.Equal("127.0.0.1", mine.RemoteAddress);
        Assert.NotNull(mine.IdleSinceReceiveMs);
    }
}
