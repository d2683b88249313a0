namespace SocketProbe.Engine.Watch;

/// <summary>What forgot the idle connections, as the shortest failing idle time showed it.</summary>
public enum IdleTimeoutKind
{
    /// <summary>Every connection survived its probe, up to -MaxSeconds.</summary>
    None,
    /// <summary>Something answered with RST (a middlebox that forgot the flow, or the server itself).</summary>
    Reset,
    /// <summary>The probe went unanswered: the kernel gave up (ETIMEDOUT), as behind a firewall that drops forgotten flows.</summary>
    Silent,
    /// <summary>The server closed the connection with FIN on its own, before the probe.</summary>
    Closed,
    /// <summary>No connection could be established (see Message).</summary>
    NotConnected,
    /// <summary>Our own side could not make the connections (a local limit, a self-connect): says nothing about the target.</summary>
    LocalError,
    /// <summary>The server sends on its own more often than the shortest failing idle time: it keeps its connections busy itself.</summary>
    Busy,
    /// <summary>The server ended every connection right after connect (FIN or RST), before any idle time: it has no idle timeout; it keeps no connection.</summary>
    EndedAtConnect,
}

/// <summary>Where each connection's idle began, and so which timer a server's close measured.</summary>
public enum IdleStart
{
    /// <summary>At connect, no request sent (no -Send): a server's close is its wait for a first request (nginx client_header_timeout), not what a pooled connection meets.</summary>
    Connect,
    /// <summary>After -Send's request and its answer: what a pooled connection meets (nginx keepalive_timeout).</summary>
    Answer,
}

/// <summary>
/// One address's answer: how long a connection may stay idle there. Its wire fields are those of the
/// connection that decided the answer (the shortest dead one, else the longest alive one).
/// </summary>
public sealed class IdleTimeoutResult : Wire.WireFieldsResult
{
    public string Target { get; set; } = "";
    public string? Address { get; set; }
    public string? AddressFamily { get; set; }
    public int Port { get; set; }
    /// <summary>The longest idle time (s) after which a connection still answered its probe, below the shortest that failed.</summary>
    public int? LongestAliveSeconds { get; set; }
    /// <summary>The shortest idle time (s) after which the connection had been forgotten.</summary>
    public int? ShortestDeadSeconds { get; set; }
    /// <summary>What ended the idle connections (<see cref="IdleTimeoutKind"/>), as its name.</summary>
    public string Kind { get => KindValue.ToString(); set => KindValue = Enum.Parse<IdleTimeoutKind>(value, ignoreCase: true); }
    internal IdleTimeoutKind KindValue { get; set; }
    /// <summary>Connect (no -Send: the server's wait for a first request) or Answer (-Send answered: the timer a pooled connection meets).</summary>
    public string IdleAfter { get => IdleAfterKind.ToString(); set => IdleAfterKind = Enum.Parse<IdleStart>(value, ignoreCase: true); }
    internal IdleStart IdleAfterKind { get; set; }
    /// <summary>For Closed (and a Reset that came before the probe): when the far side's own FIN or RST came, in seconds since the idle began (connect, or -Send's answer).</summary>
    public double? ObservedSeconds { get; set; }
    /// <summary>What the server said right before it closed, as printable text (HTTP 408, SMTP/FTP 421): a goodbye is a close too.</summary>
    public string? Goodbye { get; set; }
    /// <summary>Connections opened for this address.</summary>
    public int Tried { get; set; }
    /// <summary>The most connections to this address that were open at one moment.</summary>
    public int MostOpen { get; set; }
    /// <summary>KeepAlive or Send.</summary>
    public string ProbeWith { get; set; } = "";
    /// <summary>Wall time of this address's search (s), from its first connect to its answer.</summary>
    public double ElapsedSeconds { get; set; }
    /// <summary>A keepalive idle (s) below LongestAliveSeconds, or empty when none is known to be safe.</summary>
    public int? RecommendedIdleSeconds { get; set; }
    public string Recommendation { get; set; } = "";
    /// <summary>When the server closes idle connections: each HTTP client's pool idle setting below the server's timer, its retry, and its source (see <see cref="PoolAdvice"/>).</summary>
    public string[]? ClientSettings { get; set; }
    public string? Message { get; set; }

    public override string ToString() =>
        $"{Target} {Address} port {Port}: {Kind}, alive at {LongestAliveSeconds?.ToString() ?? "-"} s, dead at {ShortestDeadSeconds?.ToString() ?? "-"} s ({Tried} connections, {ElapsedSeconds:F1} s)";
}

/// <summary>What one connection of the search saw (with -Detailed).</summary>
public enum IdleVerdict
{
    /// <summary>Answered its probe: the connection was still known after this idle time.</summary>
    Alive,
    Reset,
    Silent,
    Closed,
    /// <summary>Could not connect: not part of the answer.</summary>
    NotConnected,
    /// <summary>Not needed: the answer was known before this connection's probe.</summary>
    NotProbed,
    /// <summary>Another socket error (see SocketError).</summary>
    Failed,
    /// <summary>Our own side could not make this connection (a local limit, a self-connect): not part of the answer.</summary>
    LocalError,
    /// <summary>The server kept sending on its own: in twice the idle time the connection was never idle that long.</summary>
    Busy,
}

/// <summary>One connection of Find-TcpIdleTimeout's search (-Detailed).</summary>
public sealed class IdleConnectionResult : Wire.WireFieldsResult, Errors.IFailureFields
{
    public string Target { get; set; } = "";
    public string? Address { get; set; }
    public int Port { get; set; }
    public int IdleSeconds { get; set; }
    /// <summary>When it was connected, s after the search began.</summary>
    public double StartedAtSeconds { get; set; }
    /// <summary>How this connection was judged (<see cref="IdleVerdict"/>), as its name.</summary>
    public string Verdict { get => VerdictKind.ToString(); set => VerdictKind = Enum.Parse<IdleVerdict>(value, ignoreCase: true); }
    internal IdleVerdict VerdictKind { get; set; }
    /// <summary>Ms from connect to the end the connection saw (empty when it was still established when judged).</summary>
    public double? EndedAfterMs { get; set; }
    /// <summary>-Send: bytes of the answer read before the idle (0: none came within -ReadMs or the idle time); empty without -Send.</summary>
    public long? AnswerBytes { get; set; }
    /// <summary>-Send: ms from connect to the answer's first byte; empty when none came.</summary>
    public double? AnswerMs { get; set; }
    /// <summary>-Send: ms from connect to the start of the idle (the last byte of the exchange); empty without -Send (the idle starts at connect).</summary>
    public double? IdleFromMs { get; set; }
    public string? Operation { get; set; }
    public string? SocketError { get; set; }
    public int? Errno { get; set; }
    public string? ErrnoName { get; set; }
    public string? TcpState { get; set; }
    /// <summary>TCP_INFO's unanswered probes when the connection was judged (0: the probe was answered).</summary>
    public int? Probes { get; set; }
    public double? RttMs { get; set; }
    public string? Message { get; set; }
    /// <summary>Bytes the server sent after the idle began and before our probe, then closed: its goodbye, as printable text.</summary>
    public string? Goodbye { get; set; }
    /// <summary>When the far side ended this connection on its own (not drawn by our probe), s since the idle began; what ObservedSeconds takes the least of.</summary>
    internal double? OwnEndSeconds { get; set; }
    /// <summary>-Send's exchange ended with the connection (its "answer" was a goodbye, or none came before the close).</summary>
    internal bool EndedInExchange { get; set; }
    /// <summary>This connection's own local endpoint (what -Capture matches its segments by); empty when it never connected.</summary>
    public string? LocalAddress { get; set; }
    public int? LocalPort { get; set; }

    public override string ToString() => $"{Target} {Address} port {Port} idle {IdleSeconds} s: {Verdict}";
}
