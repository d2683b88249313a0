using System.Buffers.Binary;

namespace SocketProbe.Engine;

/// <summary>
/// What Linux TCP_INFO says about a socket at one moment: the fields a watcher needs (state,
/// retransmissions, unanswered probes, round-trip time). Offsets follow struct tcp_info in
/// include/uapi/linux/tcp.h, which only ever grows at its end.
/// </summary>
public sealed record TcpInfoSnapshot(
    string State,
    int Retransmits,   // tcpi_retransmits: consecutive RTO retransmissions of the current segment
    int Probes,        // tcpi_probes: keepalive / zero-window probes sent and not answered
    int Unacked,       // tcpi_unacked: segments sent and not acknowledged
    int LastDataRecvMs, // tcpi_last_data_recv: ms since the last data segment arrived
    int LastAckRecvMs, // tcpi_last_ack_recv: ms since the last ACK arrived
    double RttMs,      // tcpi_rtt (µs), smoothed
    int? TotalRetransmits); // tcpi_total_retrans, where the kernel's struct has it

/// <summary>Reads the kernel's TCP state of a socket (Linux TCP_INFO: tcpi_state is its first byte).</summary>
public static class TcpInfo
{
    private const int IpProtoTcp = 6;
    private const int TcpInfoOption = 11; // TCP_INFO, include/uapi/linux/tcp.h

    // include/net/tcp_states.h, in enum order starting at 1
    private static readonly string[] StateNames =
    {
        "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    };

    /// <summary>The state name, or null where the platform cannot tell or the socket is gone.</summary>
    public static string? StateOf(Socket socket) => Read(socket)?.State;

    /// <summary>The fields of TCP_INFO a watcher reports, or null where the platform cannot tell or the socket is gone.</summary>
    public static TcpInfoSnapshot? Read(Socket socket)
    {
        if (!OperatingSystem.IsLinux() || socket.SafeHandle.IsClosed) return null;
        try
        {
            Span<byte> info = stackalloc byte[104];
            int length = socket.GetRawSocketOption(IpProtoTcp, TcpInfoOption, info);
            if (length < 1) return null;
            int state = info[0];
            string name = state > 0 && state < StateNames.Length ? StateNames[state] : $"state {state}";
            if (length < 76) return new TcpInfoSnapshot(name, info[2], info[3], 0, 0, 0, 0, null);
            return new TcpInfoSnapshot(name,
                Retransmits: info[2],
                Probes: info[3],
                Unacked: U32(info, 24),
                LastDataRecvMs: U32(info, 52),
                LastAckRecvMs: U32(info, 56),
                RttMs: U32(info, 68) / 1000.0,
                TotalRetransmits: length >= 104 ? U32(info, 100) : null);
        }
        catch (SocketException) { return null; }
        catch (ObjectDisposedException) { return null; }
    }

    private static int U32(ReadOnlySpan<byte> info, int offset) =>
        (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(info[offset..]));
}
