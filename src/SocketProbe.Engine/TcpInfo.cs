using System.Net.Sockets;

namespace SocketProbe.Engine;

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
    public static string? StateOf(Socket socket)
    {
        if (!OperatingSystem.IsLinux() || socket.SafeHandle.IsClosed) return null;
        try
        {
            Span<byte> info = stackalloc byte[8];
            int length = socket.GetRawSocketOption(IpProtoTcp, TcpInfoOption, info);
            if (length < 1) return null;
            int state = info[0];
            return state > 0 && state < StateNames.Length ? StateNames[state] : $"state {state}";
        }
        catch (SocketException) { return null; }
        catch (ObjectDisposedException) { return null; }
    }
}
