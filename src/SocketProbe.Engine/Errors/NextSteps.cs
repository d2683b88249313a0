using System.Globalization;
using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Errors;

/// <summary>What to run next: <see cref="Command"/> alone (one command, ready to paste), and <see cref="Text"/>, the same command followed by what to look for and what else to try.</summary>
public sealed record NextStep(string Command, string Text);

/// <summary>
/// What to run next for an error: the SocketProbe cmdlet that tells its causes apart on the real endpoint. When a log
/// line or a piped result names the endpoint, the command carries it, but only as a value that is what it claims to be
/// (see <see cref="Argument"/>): a log line is text anyone may have written, and a suggested command gets pasted.
/// </summary>
public static class NextSteps
{
    public const string HostPlaceholder = "'<host>'";
    public const string PortPlaceholder = "'<port>'";
    /// <summary>-Send's placeholder: the request depends on the protocol, and a suggested command holds constants only.</summary>
    public const string RequestPlaceholder = "'<the request your client sends>'";
    private const string SendHint = "-Send is the request your client sends, e.g. \"GET / HTTP/1.1`r`nHost: x`r`n`r`n\" for HTTP";

    public static NextStep For(ErrorEntry entry, string? host = null, int? port = null)
    {
        string h = HostArgument(host);
        string p = PortArgument(port);
        string probe = $"Test-TcpEndpoint -ComputerName {h} -Port {p}";
        (string command, string rest) = entry.Key switch
        {
            "ECONNREFUSED" => ($"{probe} -Count 5", " (refused every time: nothing listens; only sometimes: a restart or a full backlog)"),
            "ECONNRESET" => ($"Find-TcpIdleTimeout -ComputerName {h} -Port {p} -Send {RequestPlaceholder}", $" (reset after the connection " +
                $"sat idle in a pool? it finds the server's keep-alive timeout and your client's pool setting; {SendHint}); {probe} -ReadMs 500 " +
                $"(reset right after accept?); Watch-TcpConnection -ComputerName {h} -Port {p} (reset later, on a held connection?); " +
                $"Get-TcpCounter -NonZero while it happens; on Linux as root, Watch-TcpReset -Port {p} while it happens settles who reset: " +
                "the kernel's reason when this host sent the RST, or that it never sent it (the peer or a middlebox)"),
            "EPIPE" => ($"{probe} -ReadMs 500", $"; Watch-TcpConnection -ComputerName {h} -Port {p} (when does the peer close or reset?); " +
                $"Invoke-SocketScenario -Name WriteAfterReset shows the sequence; on Linux as root, Watch-TcpReset -Port {p} says who sent the RST before it and why"),
            "ECONNABORTED" => ($"{probe} -ReadMs 500", "; Get-TcpCounter -NonZero (retransmission timeouts, resets)"),
            "ETIMEDOUT" => ($"{probe} -TimeoutMs 3000", $" (at connect: SYNs dropped?); Find-TcpIdleTimeout -ComputerName {h} -Port {p} " +
                "(on an idle connection: a firewall or NAT forgetting the flow?)"),
            "EOF" => ($"{probe} -ReadMs 500", $" (closed right after accept?); Find-TcpIdleTimeout -ComputerName {h} -Port {p} -Send {RequestPlaceholder} " +
                $"(closed after idling in a pool: keep your pool's idle timeout below the server's; {SendHint})"),
            "EHOSTUNREACH" or "ENETUNREACH" or "EHOSTDOWN" or "ENETDOWN" =>
                (probe, $" (HostUnreachable / NetworkUnreachable per address); then the route: ip route get {h} (Linux), Find-NetRoute (Windows)"),
            "EAI_NONAME" or "EAI_AGAIN" or "EAI_NODATA" => (probe, $" (NameNotResolved, with DnsMs); then the resolver: getent ahosts {h}, Resolve-DnsName {h}"),
            "EADDRNOTAVAIL" => ("Get-TcpCounter -NonZero", " and ss -s: a local limit, not the target (ephemeral ports in TIME_WAIT?); " +
                "Invoke-SocketScenario -Name EphemeralPortExhaustion"),
            "EADDRINUSE" => ("ss -ltnp", " (Linux) or Get-NetTCPConnection -LocalPort n (Windows): a local conflict, something already holds the port"),
            "EMFILE" or "ENFILE" => ("ulimit -n", " and fs.file-max: a local limit, not the target; count this process's sockets (ls /proc/<pid>/fd)"),
            "EAGAIN" => ("Invoke-SocketScenario -Name SendBufferFull", ": not a failure by itself, a non-blocking call would block"),
            _ when entry.Scenarios.Count > 0 => ($"Invoke-SocketScenario -Name {entry.Scenarios[0]}", " reproduces it; Get-TcpCounter -NonZero"),
            _ => ("Get-TcpCounter -NonZero", " while it happens"),
        };
        return new NextStep(command, command + rest);
    }

    /// <summary>
    /// A host as a PowerShell argument: an IP address (strict form: four decimal numbers, or IPv6 with at most a
    /// well-formed scope id) or a host name by RFC 1123, single-quoted; anything else is the placeholder.
    /// </summary>
    public static string HostArgument(string? host)
    {
        if (string.IsNullOrEmpty(host)) return HostPlaceholder;
        var kind = AddressSyntax.Classify(host, scopeMustExist: false, out _, out _);
        bool valid = kind == HostKind.Address || (kind == HostKind.Name && AddressSyntax.IsRfc1123Name(host));
        return valid ? Argument(host) : HostPlaceholder;
    }

    /// <summary>A port as a PowerShell argument: a number 1-65535, else the placeholder.</summary>
    public static string PortArgument(int? port) =>
        port is int n and >= 1 and <= 65535 ? n.ToString(CultureInfo.InvariantCulture) : PortPlaceholder;

    /// <summary>
    /// Any text as one single-quoted PowerShell string constant: every quote character PowerShell accepts as a
    /// single quote (' and the typographic ‘ ’ ‚ ‛) is doubled, so nothing inside can end the string.
    /// </summary>
    public static string Argument(string text)
    {
        var quoted = new System.Text.StringBuilder(text.Length + 2).Append('\'');
        foreach (char c in text)
        {
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B') quoted.Append(c);
            quoted.Append(c);
        }
        return quoted.Append('\'').ToString();
    }
}
