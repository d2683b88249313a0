using System.Globalization;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// One connect attempt to one address of one target on one port, as it really happened. Every
/// property is a scalar so Export-Csv and Format-Table need no help. Outcome and AfterConnect are
/// the enum names and Timestamp an ISO 8601 UTC string with milliseconds, so that CSV and JSON say
/// the same unambiguous thing (Export-Csv would write a DateTime in the culture's format without
/// milliseconds or zone, ConvertTo-Json an enum as its number); the engine works on <see cref="Kind"/>,
/// <see cref="After"/> and <see cref="Started"/>.
/// </summary>
public sealed class ProbeResult : Wire.WireFieldsResult
{
    /// <summary>The format of every probe time: 2026-12-02T00:56:58.123Z.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string? Iso(DateTime? time) => time is { } t
        ? (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).ToString(TimeFormat, CultureInfo.InvariantCulture)
        : null;

    public static DateTime? ParseIso(string? text) => string.IsNullOrEmpty(text)
        ? null
        : DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    internal ProbeOutcome Kind { get; set; }
    internal AfterConnectKind? After { get; set; }
    internal DateTime Started { get; set; }

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
    public string Timestamp
    {
        get => Iso(Started)!;
        set => Started = ParseIso(value) ?? default;
    }
    /// <summary>Open, Refused, TimedOut, HostUnreachable, NetworkUnreachable, NameNotResolved, Error, LocalError, Reset, Closed (<see cref="ProbeOutcome"/>).</summary>
    public string Outcome
    {
        get => Kind.ToString();
        set => Kind = Enum.Parse<ProbeOutcome>(value, ignoreCase: true);
    }
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
    /// <summary>With -ReadMs: what the server did after the handshake (Data, Silent, Closed, Reset); empty without it.</summary>
    public string? AfterConnect
    {
        get => After?.ToString();
        set => After = string.IsNullOrEmpty(value) ? null : Enum.Parse<AfterConnectKind>(value, ignoreCase: true);
    }
    /// <summary>With -ReadMs: ms from the connect's completion to the first byte (or to the FIN/RST); empty when none came.</summary>
    public double? FirstByteMs { get; set; }
    /// <summary>With -ReadMs: bytes read (the first answer, and what had already arrived with it).</summary>
    public int? BytesRead { get; set; }
    /// <summary>With -ReadMs: the first bytes (at most 64) as printable text; \r \n \t \\ and \xNN for the rest.</summary>
    public string? Banner { get; set; }
    /// <summary>With -ReadMs: Closed or Reset when the server ended the connection right after its answer (within the read); empty when it kept it open.</summary>
    public string? AnswerEnd { get; set; }
    /// <summary>With an HTTP request as -Send: the status code of the answer's status line (HTTP/1.1 503 gives 503); empty otherwise.</summary>
    public int? HttpStatus { get; set; }
    /// <summary>With -Expect: whether the answer matched the pattern; empty without -Expect.</summary>
    public bool? ExpectMatched { get; set; }
    /// <summary>The service answered as a healthy one does (see <see cref="ProbeHealth"/>): what -Healthy takes, attempt by attempt.</summary>
    public bool? Healthy { get; set; }
    /// <summary>Why the attempt is not healthy; empty when it is.</summary>
    public string? HealthNote { get; set; }

    public override string ToString() =>
        $"{Target} {Address} port {Port} #{Sequence}: {Outcome} ({Reason}){(ConnectMs is double ms ? $" {ms:F3} ms" : "")}" +
        (After is { } after ? $", then {after}{(BytesRead > 0 ? $" ({BytesRead} bytes)" : "")}" : "");
}
