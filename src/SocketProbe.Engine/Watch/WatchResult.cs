namespace SocketProbe.Engine.Watch;

/// <summary>
/// One held connection, reported once: when it ended, or when the hold ended. Every observed field
/// comes from a real call at run time; every property is a scalar for Export-Csv. Its wire fields
/// (<see cref="Wire.WireFieldsResult"/>) are its last columns, as in every result that has them.
/// </summary>
public sealed class WatchResult : Wire.WireFieldsResult, Errors.IFailureFields
{
    /// <summary>The host as written, without its port.</summary>
    public string Target { get; set; } = "";
    public string? Address { get; set; }
    public string? AddressFamily { get; set; }
    public int Port { get; set; }
    /// <summary>1..Count: which of the connections to this address.</summary>
    public int Connection { get; set; }
    /// <summary>How it ended (<see cref="WatchFate"/>), as its name: JSON and CSV say the same word.</summary>
    public string Fate { get => FateKind.ToString(); set => FateKind = Enum.Parse<WatchFate>(value, ignoreCase: true); }
    internal WatchFate FateKind { get; set; }
    /// <summary>Ms from the connect's completion to the end (or to the end of the hold); empty when never connected.</summary>
    public double? AfterMs { get; set; }
    /// <summary>Ms since the last byte moved either way (or since connect when none did), at the end.</summary>
    public double? IdleMs { get; set; }
    /// <summary>The call that saw the end: Connect, Receive, Send, Hold (the hold ended, connection alive), Resolve.</summary>
    public string Operation { get; set; } = "";
    public string? SocketError { get; set; }
    public int? Errno { get; set; }
    public string? ErrnoName { get; set; }
    public string? Message { get; set; }
    public long BytesSent { get; set; }
    public long BytesReceived { get; set; }
    /// <summary>Time of the connect call alone (ms).</summary>
    public double? ConnectMs { get; set; }
    /// <summary>When the connect started: ISO 8601 UTC with milliseconds, as every SocketProbe time (2026-12-02T00:56:58.123Z).</summary>
    public string Timestamp { get => Probe.ProbeResult.Iso(StartedUtc)!; set => StartedUtc = Probe.ProbeResult.ParseIso(value) ?? default; }
    internal DateTime StartedUtc { get; set; }
    public string? LocalAddress { get; set; }
    public int? LocalPort { get; set; }
    /// <summary>TCP_INFO at the end (Linux): the state, consecutive retransmissions, unanswered probes, smoothed RTT.</summary>
    public string? TcpState { get; set; }
    public int? Retransmits { get; set; }
    public int? TotalRetransmits { get; set; }
    public int? Probes { get; set; }
    public double? RttMs { get; set; }

    public override string ToString() =>
        $"{Target} {Address} port {Port} #{Connection}: {Fate} via {Operation}{(AfterMs is double ms ? $" after {ms:F0} ms" : "")}{(ErrnoName is null ? "" : $" ({ErrnoName})")}";
}
