namespace SocketProbe.Engine.Errors;

/// <summary>
/// What to run next for an error: the SocketProbe cmdlet that tells its causes apart on the real endpoint. When a log
/// line names the endpoint, the command carries it; otherwise &lt;host&gt; and &lt;port&gt; stand in.
/// </summary>
public static class NextSteps
{
    public static string For(ErrorEntry entry, string? host = null, int? port = null)
    {
        string h = string.IsNullOrEmpty(host) ? "<host>" : host.Contains(':') ? $"'{host}'" : host;
        string p = port is int n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "<port>";
        string probe = $"Test-TcpRefused -ComputerName {h} -Port {p}";
        return entry.Key switch
        {
            "ECONNREFUSED" => $"{probe} -Count 5 (refused every time: nothing listens; only sometimes: a restart or a full backlog)",
            "ECONNRESET" => $"{probe} -ReadMs 500 (reset right after accept?); Watch-TcpConnection -ComputerName {h} -Port {p} " +
                "(reset later, on a held connection?); Get-TcpCounter -NonZero while it happens",
            "EPIPE" => $"{probe} -ReadMs 500; Watch-TcpConnection -ComputerName {h} -Port {p} (when does the peer close or reset?); " +
                "Invoke-SocketScenario -Name WriteAfterReset shows the sequence",
            "ECONNABORTED" => $"{probe} -ReadMs 500; Get-TcpCounter -NonZero (retransmission timeouts, resets)",
            "ETIMEDOUT" => $"{probe} -TimeoutMs 3000 (at connect: SYNs dropped?); Find-TcpIdleTimeout -ComputerName {h} -Port {p} " +
                "(on an idle connection: a firewall or NAT forgetting the flow?)",
            "EOF" => $"{probe} -ReadMs 500 (closed right after accept?); Find-TcpIdleTimeout -ComputerName {h} -Port {p} " +
                "(closed after idling: keep your pool's idle timeout below the server's)",
            "EHOSTUNREACH" or "ENETUNREACH" or "EHOSTDOWN" or "ENETDOWN" =>
                $"{probe} (HostUnreachable / NetworkUnreachable per address); then the route: ip route get {h} (Linux), Find-NetRoute (Windows)",
            "EAI_NONAME" or "EAI_AGAIN" or "EAI_NODATA" => $"{probe} (NameNotResolved, with DnsMs); then the resolver: getent ahosts {h}, Resolve-DnsName {h}",
            "EADDRNOTAVAIL" => "A local limit, not the target: Get-TcpCounter -NonZero and ss -s (ephemeral ports in TIME_WAIT?); " +
                "Invoke-SocketScenario -Name EphemeralPortExhaustion",
            "EADDRINUSE" => "A local conflict: something already holds the port (ss -ltnp, Get-NetTCPConnection -LocalPort n)",
            "EMFILE" or "ENFILE" => "A local limit, not the target: ulimit -n and fs.file-max; count this process's sockets (ls /proc/<pid>/fd)",
            "EAGAIN" => "Not a failure by itself: a non-blocking call would block; Invoke-SocketScenario -Name SendBufferFull",
            _ when entry.Scenarios.Count > 0 => $"Invoke-SocketScenario -Name {entry.Scenarios[0]} reproduces it; Get-TcpCounter -NonZero",
            _ => "Get-TcpCounter -NonZero while it happens",
        };
    }
}
