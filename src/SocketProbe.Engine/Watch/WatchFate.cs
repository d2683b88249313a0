using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Watch;

/// <summary>How a held connection ended, or that it had not when the hold ended.</summary>
public enum WatchFate
{
    /// <summary>Still established when the hold ended.</summary>
    Alive,
    /// <summary>The far side closed: FIN, the read returned 0 bytes (or a send said EPIPE).</summary>
    Closed,
    /// <summary>An RST arrived: ECONNRESET (or ECONNABORTED).</summary>
    Reset,
    /// <summary>The kernel gave up: retransmissions or keepalive probes unanswered (ETIMEDOUT).</summary>
    TimedOut,
    /// <summary>An ICMP error or the routing table said the host or network cannot be reached.</summary>
    Unreachable,
    /// <summary>The connect itself was refused (RST to the SYN): never established.</summary>
    Refused,
    /// <summary>Never established for another reason: no address, no answer within the connect bound, a local error.</summary>
    NotConnected,
    /// <summary>Any other socket error on an established connection (see SocketError and ErrnoName).</summary>
    Failed,
    /// <summary>
    /// Our own side failed, not the target: a local limit (EMFILE, ENFILE, ENOBUFS, EADDRNOTAVAIL ...)
    /// that lasted the whole connect bound, or a TCP self-connect on every try. Says nothing about the target.
    /// </summary>
    LocalError,
}

/// <summary>A socket call's failure as the watchers report it: the call, .NET's name, the errno and its name.</summary>
public sealed record SocketEnd(WatchFate Fate, string Operation, string? SocketError = null, int? Errno = null,
    string? ErrnoName = null, string? Message = null)
{
    /// <summary>Put this end's codes in <paramref name="result"/>'s columns.</summary>
    public void CopyCodesTo(Errors.IFailureFields result) =>
        (result.SocketError, result.Errno, result.ErrnoName, result.Message) = (SocketError, Errno, ErrnoName, Message);

    /// <summary>The fate a socket error means, and its codes as .NET and the platform gave them.</summary>
    /// <param name="family">The socket's family, to ask the OS for the errno .NET bends (EMFILE said as ENFILE); null: take .NET's.</param>
    public static SocketEnd FromError(string operation, SocketException ex, bool established, AddressFamily? family = null)
    {
        WatchFate fate = ex.SocketErrorCode switch
        {
            System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.ConnectionAborted => WatchFate.Reset,
            System.Net.Sockets.SocketError.TimedOut => WatchFate.TimedOut,
            System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.HostDown or System.Net.Sockets.SocketError.NetworkDown => WatchFate.Unreachable,
            System.Net.Sockets.SocketError.ConnectionRefused => established ? WatchFate.Reset : WatchFate.Refused,
            // EPIPE: the connection was already closed for writing (FIN then RST from the peer, or our own shutdown).
            System.Net.Sockets.SocketError.Shutdown => WatchFate.Closed,
            _ when !established && Probe.LocalLimit.IsLocal(ex.SocketErrorCode) => WatchFate.LocalError,
            _ => established ? WatchFate.Failed : WatchFate.NotConnected,
        };
        var failure = SocketFailure.Of(ex, family is AddressFamily f ? Probe.LocalLimit.ErrnoOf(ex, f) : null);
        string message = fate == WatchFate.LocalError ? $"{failure.Message}: {Probe.LocalLimit.Describe(failure.ErrnoName)}. This says nothing about the target." : failure.Message;
        return new SocketEnd(fate, operation, failure.Error.ToString(), failure.Errno, failure.ErrnoName, message);
    }
}
