namespace SocketProbe.Engine.Probe;

/// <summary>
/// One connect attempt to one address of one target on one port, as it really happened. Every
/// property is a scalar so Export-Csv and Format-Table need no help.
/// </summary>
public sealed class ProbeResult
{
    /// <summary>The host as written, without its port (a name or an IP literal).</summary>
    public string Target { get; set; } = "";
    /// <summary>The address connected to; empty when the name gave none.</summary>
    public string? Address { get; set; }
    /// <summary>IPv4 or IPv6; empty when the name gave no address.</summary>
    public string? AddressFamily { get; set; }
    public int Port { get; set; }
    /// <summary>Round number, 1-based: -Count 3 gives 1, 2, 3 for every target/port/address.</summary>
    public int Sequence { get; set; }
    /// <summary>When the attempt started (UTC); for NameNotResolved, when the lookup started.</summary>
    public DateTime Timestamp { get; set; }
    public ProbeOutcome Outcome { get; set; }
    /// <summary>nmap's reason word: syn-ack, conn-refused, no-response, host-unreach, net-unreach (no-resolve, error: ours).</summary>
    public string Reason { get; set; } = "";
    /// <summary>System.Net.Sockets.SocketError name as .NET on this platform reported it; empty when the call succeeded or our own bound ran out.</summary>
    public string? SocketError { get; set; }
    /// <summary>Native code of the failure: errno on Linux/macOS, WSA code on Windows.</summary>
    public int? Errno { get; set; }
    public string? ErrnoName { get; set; }
    /// <summary>The platform's (or resolver's) message, or why there is none.</summary>
    public string? Message { get; set; }
    /// <summary>Time of the name lookup for this round (ms); 0 for an IP literal or localhost.</summary>
    public double DnsMs { get; set; }
    /// <summary>Time of the connect call alone (ms, Stopwatch); empty when nothing was connected.</summary>
    public double? ConnectMs { get; set; }
    /// <summary>Source address the kernel chose for the attempt (getsockname), where it had chosen one.</summary>
    public string? LocalAddress { get; set; }
    public int? LocalPort { get; set; }
    /// <summary>-Capture: TTL (IPv6: hop limit) of the target's SYN-ACK on this attempt's flow.</summary>
    public int? SynAckTtl { get; set; }
    /// <summary>-Capture: TTL (IPv6: hop limit) of the RST that answered this attempt.</summary>
    public int? ResetTtl { get; set; }
    /// <summary>-Capture: Peer (the RST came from as many hops away as the SYN-ACK), Path (it did not: forged on the way), Unknown (no SYN-ACK to compare); empty without a RST.</summary>
    public string? ResetFrom { get; set; }
    /// <summary>-Capture: the address of the router (or host) whose ICMP error answered this attempt.</summary>
    public string? IcmpFrom { get; set; }

    public override string ToString() =>
        $"{Target} {Address} port {Port} #{Sequence}: {Outcome} ({Reason}){(ConnectMs is double ms ? $" {ms:F3} ms" : "")}";
}
