namespace SocketProbe.Engine.Capture;

/// <summary>
/// One TCP connection read from a capture file (Read-TcpCapture): Zeek-compatible ConnState and
/// History, then what Zeek does not say: how it ended, who sent the reset (or whether the path forged
/// it), how long it sat idle first, and the catalogue scenario that reproduces it.
/// </summary>
public sealed class TcpConnectionRecord
{
    /// <summary>The capture file it was read from.</summary>
    public string Path { get; set; } = "";
    /// <summary>The originator (Zeek's id.orig_h/p): the sender of the first packet seen, normally the SYN.</summary>
    public string Client { get; set; } = "";
    public int ClientPort { get; set; }
    public string Server { get; set; } = "";
    public int ServerPort { get; set; }
    public string AddressFamily { get; set; } = "";
    /// <summary>The first and last packet: ISO 8601 UTC with milliseconds, as every SocketProbe time (DurationSeconds keeps the capture's precision).</summary>
    public string Start { get => Probe.ProbeResult.Iso(StartTime)!; set => StartTime = Probe.ProbeResult.ParseIso(value) ?? default; }
    public string End { get => Probe.ProbeResult.Iso(EndTime)!; set => EndTime = Probe.ProbeResult.ParseIso(value) ?? default; }
    internal DateTime StartTime { get; set; }
    internal DateTime EndTime { get; set; }
    public double DurationSeconds { get; set; }
    public long ClientPackets { get; set; }
    public long ServerPackets { get; set; }
    /// <summary>Payload bytes the client sent, retransmissions counted once.</summary>
    public long ClientBytes { get; set; }
    public long ServerBytes { get; set; }
    /// <summary>Zeek's conn_state: S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH.</summary>
    public string ConnState { get; set; } = "";
    /// <summary>Zeek's history letters (upper case: client; lower case: server).</summary>
    public string History { get; set; } = "";
    /// <summary>Refused, Unanswered, Unreachable, Reset, Closed, HalfClosed, StillOpen, Partial.</summary>
    public string Fate { get; set; } = "";
    /// <summary>Who sent the first FIN or RST: Client, Server, Path (a RST forged on the way); empty when nothing ended it.</summary>
    public string? EndedBy { get; set; }
    /// <summary>Client, Server, or Path when the RST's TTL differs from that side's earlier segments; empty without a RST.</summary>
    public string? ResetBy { get; set; }
    /// <summary>What ResetBy rests on: the RST's TTL (hop limit), IP ID and window against the claimed side's last segment.</summary>
    public string? ResetEvidence { get; set; }
    /// <summary>The longest silence among the last packets before the first FIN or RST (seconds).</summary>
    public double? IdleBeforeEndSeconds { get; set; }
    /// <summary>Handshake, AfterAccept, AfterRequest, AfterResponse, Idle, MidTransfer; Open when nothing ended it; Unknown when it began before the capture.</summary>
    public string EndPhase { get; set; } = "";
    /// <summary>Segments whose payload (or SYN) did not advance the sender's sequence: retransmissions.</summary>
    public long Retransmissions { get; set; }
    /// <summary>Zero-window advertisements (not with or after a RST).</summary>
    public long ZeroWindows { get; set; }
    /// <summary>ICMP errors that quote this connection, with their sender.</summary>
    public string? IcmpErrors { get; set; }
    /// <summary>The catalogue scenario that reproduces this ending (Invoke-SocketScenario -Name); empty for a normal one.</summary>
    public string? Scenario { get; set; }
    /// <summary>Other catalogue scenarios whose connections end the same way on the wire (a capture cannot tell them apart).</summary>
    public string? SameOnTheWire { get; set; }
    /// <summary>What the client's application saw: an errno name (ECONNRESET …), EndOfStream, or nothing.</summary>
    public string? ClientSaw { get; set; }
    /// <summary>What the server's application saw.</summary>
    public string? ServerSaw { get; set; }
    /// <summary>Get-SocketErrorInfo's account of what each side saw, and why.</summary>
    public string? Explanation { get; set; }
    /// <summary>-Detailed: the connection's segments as Wire rows (the rows -Capture gives).</summary>
    public Observation[]? Segments { get; set; }
}
