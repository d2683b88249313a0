using System.Runtime.CompilerServices;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

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

    /// <summary>A connect that succeeded: Open, unless the kernel connected the socket to itself (never Open: nobody answered, the socket did).</summary>
    public static void Connected(ProbeResult result, System.Net.IPEndPoint endpoint, System.Net.IPEndPoint? local) =>
        (result.Kind, result.Reason) = Probe.LocalLimit.IsSelfConnect(endpoint, local)
            ? (ProbeOutcome.LocalError, SelfConnect)
            : (ProbeOutcome.Open, SynAck);

    /// <summary>Our own bound ran out: the kernel said nothing, so there is no errno.</summary>
    public static void TimedOut(ProbeResult result, int timeoutMs)
    {
        (result.Kind, result.Reason) = (ProbeOutcome.TimedOut, NoResponse);
        result.Message = $"no answer within our bound of {timeoutMs} ms; the kernel returned nothing";
    }

    /// <summary>A failed call's codes (<see cref="SocketFailure"/>), and with <paramref name="classify"/> the outcome they mean.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Failed(ProbeResult result, SocketFailure failure, bool classify = true)
    {
        if (classify) (result.Kind, result.Reason) = Classify(failure.Error);
        result.SocketError = failure.Error.ToString();
        result.Errno = failure.Errno;
        result.ErrnoName = failure.ErrnoName;
        result.Message = failure.Message;
    }
}
