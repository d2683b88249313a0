namespace SocketProbe.Engine.Capture;

/// <summary>
/// Catalogue scenarios that a capture cannot tell apart. Each connection reads back as one scenario
/// (ConnectionVerdict picks the plainest); these are the others whose wire ending is the same, so a
/// reader knows what else could have made it. Measured: every scenario run with -PcapPath over IPv4
/// and IPv6 and read back (tests/Read-TcpCapture.Tests.ps1 checks each against this table).
/// </summary>
public static class WireLookAlikes
{
    /// <summary>Scenario read back → the other scenarios whose connections end the same way on the wire.</summary>
    private static readonly Dictionary<string, string[]> SameEnding = new(StringComparer.Ordinal)
    {
        // The server's FIN, then the client's data drew its RST: which process or call closed the
        // server's side (exit, SIGKILL, shutdown, an idle timer under 1 s) leaves the same segments.
        ["AcceptThenClose"] = ["PeerExit", "PeerKilled", "PeerShutdown", "ServerIdleClose", "WriteAfterFinSigpipe"],
        // The client's data, then the server's RST with nothing answered: a close with unread data,
        // whether the server was killed, wrote to a reset peer, filled its send buffer, stayed silent,
        // overflowed its accept queue or had forgotten a half-open connection.
        ["PeerKilledWithUnreadData"] = ["WriteAfterReset", "SendBufferFull", "AcceptThenSilent", "HalfOpenSynRecv", "AcceptOverflowReset"],
        // A RST right after the handshake: an abortive close, a listener closed with its queue, or a
        // connection the kernel dropped from a full accept queue.
        ["AcceptThenReset"] = ["PeerAbort", "ListenerClosedWithQueue", "AcceptOverflowReset"],
        // The client closed, then sat idle until the server's RST: a queued connection never accepted.
        ["PeerAbort"] = ["AcceptQueueFull"],
        // A SYN answered by RST, or not answered at all: a full accept queue gives both.
        ["ConnectRefused"] = ["AcceptQueueFull"],
        ["ConnectTimeout"] = ["AcceptQueueFull"],
        // The client's data retransmitted unanswered until it gave up: a dead host, or a path that
        // drops the large segments only.
        ["PeerHostCrash"] = ["MtuBlackhole"],
    };

    /// <summary>Scenarios whose failure leaves no trace in a TCP capture, and why.</summary>
    public static IReadOnlyDictionary<string, string> NotOnTheWire { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ConnectNoRoute"] = "this host has no route: connect() fails at the route lookup (ENETUNREACH) and sends no segment (a router's ICMP net-unreachable, when one answers, reads back as ConnectNoRoute)",
        ["ByteOrderMismatch"] = "the two applications disagree on framing; TCP itself ends in an orderly close",
        ["EphemeralPortExhaustion"] = "the failing connect() is refused locally (EADDRNOTAVAIL) and sends no segment; the other connections close normally",
        ["WriteAfterShutdown"] = "EPIPE comes from the client's own shutdown(SHUT_WR); the wire shows an orderly close",
        ["MtuBlackholeProbing"] = "the kernel recovers (a smaller MSS after retransmissions) and the connection closes normally",
        ["UdpPortUnreachable"] = "UDP: Read-TcpCapture reads TCP connections",
    };

    /// <summary>The other scenarios that end the same way on the wire as <paramref name="scenario"/>; empty when none.</summary>
    public static IReadOnlyList<string> Of(string? scenario) =>
        scenario is not null && SameEnding.TryGetValue(scenario, out var others) ? others : [];

    /// <summary>The same, as the record's text ("A, B, C"); null when none. Joined once, not per connection.</summary>
    public static string? TextOf(string? scenario) =>
        scenario is not null && SameEndingText.TryGetValue(scenario, out var text) ? text : null;

    private static readonly Dictionary<string, string> SameEndingText =
        SameEnding.ToDictionary(kv => kv.Key, kv => string.Join(", ", kv.Value), StringComparer.Ordinal);
}
