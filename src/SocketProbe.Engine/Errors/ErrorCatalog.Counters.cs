namespace SocketProbe.Engine.Errors;

// Which kernel counters (nstat's names, Linux) move with each error, on each side of the connection:
// measured by running the catalogue scenarios that reproduce it in a namespace of their own
// (Get-TcpCounter's Scenarios names them), meanings in Counters/CounterCatalog.cs.
public static partial class ErrorCatalog
{
    private static readonly Dictionary<string, string> CountersByKey = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ECONNREFUSED"] =
            "Linux. Server side: TcpOutRsts (the RST that answers a SYN to a closed port; tcp_v4_send_reset()); UDP: UdpNoPorts and " +
            "IcmpOutDestUnreachs. Client side: TcpAttemptFails (SYN_SENT closed by the RST; tcp_done()); UDP: IcmpInDestUnreachs. " +
            "In one namespace both sides count: N refused connects move TcpAttemptFails +N and TcpOutRsts +N (ConnectRefused).",
        ["ECONNRESET"] =
            "Linux. Server side (the one that resets): TcpOutRsts always, with why: TcpExtTCPAbortOnClose (closed with unread data: " +
            "PeerKilledWithUnreadData), TcpExtTCPAbortOnData (SO_LINGER {on, 0} close: PeerAbort; or data for an already-closed socket), " +
            "TcpExtTCPAbortOnLinger (TCP_LINGER2 < 0), or no socket at all (a rebooted host or forgotten flow: PeerReboot). " +
            "Client side: TcpEstabResets (an ESTABLISHED connection reset; tcp_set_state()). Both sides count where they share a namespace.",
        ["ECONNABORTED"] =
            "Linux (ResetBeforeAccept): the client's abort after the handshake moves TcpExtTCPAbortOnData and TcpOutRsts on the client " +
            "side and TcpEstabResets on both (the queued server connection is reset before accept()); Linux reports no accept() error. " +
            "An RST that arrives before the final ACK (SYN_RECV) moves TcpExtEmbryonicRsts and TcpAttemptFails on the listener instead (tcp_check_req()).",
        ["ETIMEDOUT"] =
            "Linux, the side that gives up: TcpExtTCPAbortOnTimeout (tcp_write_err()). At connect with TcpAttemptFails, TcpExtTCPSynRetrans, " +
            "TcpRetransSegs and TcpExtTCPTimeouts (ConnectTimeout); while established with TcpEstabResets (PeerHostCrash); by keepalive with " +
            "TcpExtTCPKeepAlive and a last TcpOutRsts (PeerHostCrashKeepalive). A connect stuck behind a full accept queue: the server moves " +
            "TcpExtListenOverflows and TcpExtListenDrops, the client TcpExtTCPSynRetrans (AcceptQueueFull).",
        ["EHOSTUNREACH"] =
            "Linux. Router side: IcmpOutDestUnreachs. Client side: IcmpInDestUnreachs; at connect nothing else (ConnectHostUnreachable); " +
            "while established the retransmissions go on as TcpRetransSegs and TcpExtTCPTimeouts, one ICMP each, until TcpExtTCPAbortOnTimeout " +
            "reports the soft error (IcmpUnreachableEstablished).",
        ["ENETUNREACH"] =
            "Linux, client side: IpOutNoRoutes (the route lookup in connect() failed; no SYN leaves, so no TCP counter moves) (ConnectNoRoute).",
        ["EPIPE"] =
            "Linux. The side that reset: TcpOutRsts, with TcpExtTCPAbortOnData (an SO_LINGER {on, 0} abort, WriteAfterReset; or data for a socket " +
            "closed in FIN_WAIT2, WriteAfterFin). The writer: TcpEstabResets. The EPIPE itself moves no counter.",
    };

    /// <summary>The counters that usually move with the error <paramref name="key"/>; null when none are known.</summary>
    public static string? CountersFor(string key) => CountersByKey.TryGetValue(key, out string? text) ? text : null;
}
