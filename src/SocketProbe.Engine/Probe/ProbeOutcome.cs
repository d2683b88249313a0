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
    /// EADDRNOTAVAIL) that lasted the whole bound, or a TCP self-connect on every try. Says nothing
    /// about the target; -Summary counts it apart, and it never counts as loss.
    /// </summary>
    LocalError,
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
    /// <summary>Not an nmap word: the kernel connected the socket to itself (source == destination).</summary>
    public const string SelfConnect = "self-connect";

    /// <summary>Outcome and reason of a connect that failed with <paramref name="error"/>.</summary>
    public static (ProbeOutcome Outcome, string Reason) Classify(SocketError error) => error switch
    {
        SocketError.Success => (ProbeOutcome.Open, SynAck),
        SocketError.ConnectionRefused => (ProbeOutcome.Refused, ConnRefused),
        // The kernel gave up after its own SYN retries (ETIMEDOUT): still nobody answered.
        SocketError.TimedOut => (ProbeOutcome.TimedOut, NoResponse),
        SocketError.HostUnreachable or SocketError.HostDown => (ProbeOutcome.HostUnreachable, HostUnreach),
        SocketError.NetworkUnreachable or SocketError.NetworkDown => (ProbeOutcome.NetworkUnreachable, NetUnreach),
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData or SocketError.NoRecovery
            => (ProbeOutcome.NameNotResolved, NoResolve),
        _ when Probe.LocalLimit.IsLocal(error) => (ProbeOutcome.LocalError, LocalLimit),
        _ => (ProbeOutcome.Error, Error),
    };

    /// <summary>True for outcomes that say something about the target (everything but LocalError).</summary>
    public static bool IsTargets(ProbeOutcome outcome) => outcome != ProbeOutcome.LocalError;
}
