namespace SocketProbe.Engine.Trace;

/// <summary>
/// One RST this host's TCP sent or received (or, with -IncludeDrops, one packet its kernel dropped),
/// as the kernel's tracepoints reported it. Every field is observed at run time; Verdict is worked out
/// from the kernel's reason and from whether a matching Sent was seen on this host.
/// </summary>
public sealed class TcpResetEvent
{
    /// <summary>When the kernel ran the event: ISO 8601 UTC with milliseconds, as every SocketProbe time (MonotonicSeconds orders events finer).</summary>
    public string Time { get => Probe.ProbeResult.Iso(TimeUtc)!; set => TimeUtc = Probe.ProbeResult.ParseIso(value) ?? default; }
    internal DateTime TimeUtc { get; set; }
    /// <summary>Sent, Received, or Dropped.</summary>
    public string Direction { get; set; } = "";
    public string? LocalAddress { get; set; }
    public int? LocalPort { get; set; }
    public string? RemoteAddress { get; set; }
    public int? RemotePort { get; set; }
    /// <summary>The socket's TCP state when the RST was sent (UNKNOWN: no socket).</summary>
    public string? State { get; set; }
    /// <summary>The kernel's own reason name (enum sk_rst_reason, or skb_drop_reason for drops); empty where the kernel has no reason field.</summary>
    public string? Reason { get; set; }
    public string? ReasonText { get; set; }
    /// <summary>Application, NoSocket, Kernel (sent here, by whom); SentHere (received, and this host sent it); NotSentHere (received, never sent here: the peer or a middlebox); Unknown; Dropped.</summary>
    public string Verdict { get; set; } = "";
    public string VerdictText { get; set; } = "";
    /// <summary>The process whose own system call the event ran in (close, exit, a read of its backlog); empty when the kernel ran it in softirq.</summary>
    public string? Process { get; set; }
    public int? ProcessId { get; set; }
    /// <summary>Drops: the kernel function that dropped it (nft_do_chain: a firewall rule).</summary>
    public string? Location { get; set; }
    public int Cpu { get; set; }
    /// <summary>Sent: bytes the socket had received and its application never read, at the socket's end (sock_diag; empty when the end was not seen).</summary>
    public int? UnreadBytes { get; set; }
    /// <summary>Sent: bytes written and not yet acknowledged at the socket's end.</summary>
    public int? UnsentBytes { get; set; }
    /// <summary>Sent: milliseconds since the socket last received data, at its end (empty: no data ever came, or the end was not seen).</summary>
    public long? IdleSinceReceiveMs { get; set; }
    /// <summary>Sent: segments the socket retransmitted over its life.</summary>
    public int? Retransmits { get; set; }
    public string? Note { get; set; }
    /// <summary>The event's CLOCK_MONOTONIC stamp in seconds (orders events; joins them to a run's clock).</summary>
    public double MonotonicSeconds { get; set; }
    /// <summary>The event's skb, hashed as the kernel prints it: a drop of the same skb belongs to the same flow.</summary>
    internal string? Skb { get; set; }
    /// <summary>Sent: the socket, hashed as the kernel prints it (all zero: none); a drop whose rx_sk is this socket belongs to its flow.</summary>
    internal string? SocketAddress { get; set; }

    public string Flow => $"{LocalAddress}:{LocalPort} <-> {RemoteAddress}:{RemotePort}";
}

/// <summary>The verdict names (<see cref="TcpResetEvent.Verdict"/>).</summary>
public static class ResetVerdicts
{
    public const string Application = "Application", NoSocket = "NoSocket", Kernel = "Kernel",
        SentHere = "SentHere", NotSentHere = "NotSentHere", Unknown = "Unknown", Dropped = "Dropped";
}
