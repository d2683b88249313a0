using System.Net.Sockets;

namespace SocketProbe.Engine.Probe;

/// <summary>Why one connect attempt ended the way it did.</summary>
public enum ProbeOutcome
{
    /// <summary>The handshake completed: something listens (nmap: syn-ack).</summary>
    Open,
    /// <summary>The far stack answered the SYN with RST (nmap: conn-refused).</summary>
    Refused,
    /// <summary>Nothing came back within the bound: ours, or the kernel's SYN retries (nmap: no-response).</summary>
    TimedOut,
    /// <summary>A router or the local stack said the host cannot be reached (nmap: host-unreach).</summary>
    HostUnreachable,
    /// <summary>No route to the network (nmap: net-unreach).</summary>
    NetworkUnreachable,
    /// <summary>The name gave no address (of the requested family); nothing was sent to the port.</summary>
    NameNotResolved,
    /// <summary>Any other socket error; SocketError, Errno and Message say which.</summary>
    Error,
    /// <summary>
    /// Our own side failed, not the target: a local limit (EMFILE, ENFILE, ENOBUFS, ENOMEM,
    /// EADDRNOTAVAIL) that lasted the whole bound, a TCP self-connect on every try, or a call the
    /// kernel refused before anything was sent (EACCES binding -SourcePort, EINVAL for a link-local
    /// address without its scope). Says nothing about the target; -Summary counts it apart, and it
    /// never counts as loss.
    /// </summary>
    LocalError,
    /// <summary>
    /// The handshake completed, then the far side reset: ECONNRESET on the read (with -ReadMs), or on
    /// the connect itself when the RST beat the connect's completion (a server that accepts and aborts).
    /// </summary>
    Reset,
    /// <summary>The handshake completed, then the far side closed (FIN) before sending any byte (-ReadMs).</summary>
    Closed,
}

/// <summary>What the server did after the handshake, within -ReadMs.</summary>
public enum AfterConnectKind
{
    /// <summary>It sent bytes (a banner, or the answer to -Send).</summary>
    Data,
    /// <summary>It kept the connection open and sent nothing within the window.</summary>
    Silent,
    /// <summary>It closed the connection (FIN, the read gave end of stream) before any byte.</summary>
    Closed,
    /// <summary>It reset the connection (RST: ECONNRESET, or EPIPE on -Send) before any byte.</summary>
    Reset,
}

/// <summary>Maps what the socket call really returned to an outcome and nmap's reason word.</summary>
public static class ProbeClassifier
{
    public const string SynAck = "syn-ack";
    public const string ConnRefused = "conn-refused";
    public const string NoResponse = "no-response";
    public const string HostUnreach = "host-unreach";
    public const string NetUnreach = "net-unreach";
    /// <summary>Not an nmap word: nmap stops before scanning a name it cannot resolve.</summary>
    public const string NoResolve = "no-resolve";
    public const string Error = "error";
    /// <summary>Not an nmap word: our own side ran out of something (the errno says what).</summary>
    public const string LocalLimit = "local-limit";
    /// <summary>Not an nmap word: the kernel refused a call of our own before anything was sent (EACCES at bind, EINVAL at connect).</summary>
    public const string LocalRefusal = "local-error";
    /// <summary>Not an nmap word: the kernel connected the socket to itself (source == destination).</summary>
    public const string SelfConnect = "self-connect";
    /// <summary>nmap's word for an RST; here an RST after the handshake.</summary>
    public const string ResetWord = "reset";
    /// <summary>Not an nmap word: the server closed (FIN) before sending anything.</summary>
    public const string Fin = "fin";

    /// <summary>Outcome and reason of a connect that failed with <paramref name="error"/>.</summary>
    public static (ProbeOutcome Outcome, string Reason) Classify(SocketError error) => error switch
    {
        SocketError.Success => (ProbeOutcome.Open, SynAck),
        SocketError.ConnectionRefused => (ProbeOutcome.Refused, ConnRefused),
        // An RST that arrives after the SYN-ACK, before connect() returned: the handshake completed.
        SocketError.ConnectionReset => (ProbeOutcome.Reset, ResetWord),
        // The kernel gave up after its own SYN retries (ETIMEDOUT): still nobody answered.
        SocketError.TimedOut => (ProbeOutcome.TimedOut, NoResponse),
        SocketError.HostUnreachable or SocketError.HostDown => (ProbeOutcome.HostUnreachable, HostUnreach),
        SocketError.NetworkUnreachable or SocketError.NetworkDown => (ProbeOutcome.NetworkUnreachable, NetUnreach),
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData or SocketError.NoRecovery
            => (ProbeOutcome.NameNotResolved, NoResolve),
        _ when Probe.LocalLimit.IsLocal(error) => (ProbeOutcome.LocalError, LocalLimit),
        // EACCES (-SourcePort below 1024 without the privilege), EINVAL (fe80::1 without a scope id), EPERM
        // (a local firewall rule): our own call was refused, nothing left this host.
        SocketError.AccessDenied or SocketError.InvalidArgument => (ProbeOutcome.LocalError, LocalRefusal),
        _ => (ProbeOutcome.Error, Error),
    };

    /// <summary>True for outcomes that say something about the target (everything but LocalError).</summary>
    public static bool IsTargets(ProbeOutcome outcome) => outcome != ProbeOutcome.LocalError;
}
