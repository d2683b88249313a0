namespace SocketProbe.Engine;

/// <summary>Per-socket kernel timers (never system-wide), each logged with its value.</summary>
public static class SocketOptions
{
    private const int IpProtoTcp = 6;
    private const int TcpSynCount = 7;    // TCP_SYNCNT, include/uapi/linux/tcp.h
    private const int TcpUserTimeout = 18; // TCP_USER_TIMEOUT

    public static void SynRetries(Socket socket, int? retries, ILogger logger)
    {
        if (retries is not int n || !OperatingSystem.IsLinux()) return;
        socket.SetRawSocketOption(IpProtoTcp, TcpSynCount, BitConverter.GetBytes(n));
        // How long that takes depends on the kernel (tcp_syn_linear_timeouts on recent ones): measured, not computed.
        logger.LogInformation("TCP_SYNCNT = {Retries}: connect gives up after that many SYN retransmissions", n);
    }

    public static void UserTimeout(Socket socket, int? milliseconds, ILogger logger)
    {
        if (milliseconds is not int ms || !OperatingSystem.IsLinux()) return;
        socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, BitConverter.GetBytes(ms));
        logger.LogInformation("TCP_USER_TIMEOUT = {Ms} ms: unacknowledged data fails the connection after that", ms);
    }

    public static void KeepAlive(Socket socket, ScenarioRequest request, ILogger logger)
    {
        // The timers first, SO_KEEPALIVE last. Linux: switching it on arms the timer for TCP_KEEPIDLE
        // from now (net/ipv4/tcp.c tcp_set_keepalive()); TCP_KEEPIDLE set while it is on re-arms it
        // from the last segment received instead (tcp_sock_set_keepidle_locked()).
        if (request.KeepAliveIdleSeconds is int idle) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
        if (request.KeepAliveIntervalSeconds is int interval) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
        if (request.KeepAliveCount is int count) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        logger.LogInformation("SO_KEEPALIVE on: idle {Idle} s, interval {Interval} s, {Count} probes",
            request.KeepAliveIdleSeconds?.ToString() ?? "default", request.KeepAliveIntervalSeconds?.ToString() ?? "default",
            request.KeepAliveCount?.ToString() ?? "default");
    }
}
