using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// Failures of our own side: this process or this host ran out of something (file descriptors,
/// buffers, memory, ephemeral ports), or the kernel connected the socket to itself. None of them
/// says anything about the target, so the prober backs off and retries within the attempt's bound,
/// and otherwise reports <see cref="ProbeOutcome.LocalError"/>, never an outcome of the target.
/// </summary>
internal static class LocalLimit
{
    // Linux errno numbers (asm-generic/errno-base.h, errno.h).
    public const int ENOMEM = 12, ENFILE = 23, EMFILE = 24, EADDRNOTAVAIL = 99, ENOBUFS = 105;

    /// <summary>True for the SocketError values .NET gives our own resource failures.</summary>
    public static bool IsLocal(SocketError error) => error is
        SocketError.TooManyOpenSockets or        // EMFILE and ENFILE (.NET folds both into this one)
        SocketError.NoBufferSpaceAvailable or    // ENOBUFS, ENOMEM
        SocketError.AddressNotAvailable or       // EADDRNOTAVAIL: no ephemeral port left for this destination
        SocketError.AddressFamilyNotSupported or // EAFNOSUPPORT: this host makes no socket of the family
        SocketError.AddressAlreadyInUse;         // EADDRINUSE: -SourcePort is taken (or its tuple in TIME_WAIT)

    /// <summary>
    /// TCP self-connect (simultaneous open with itself): the kernel chose the target port as our
    /// source port on the target's own address, and the socket answered its own SYN. Nobody else
    /// answered. Every connecting cmdlet asks this one question after a connect that succeeded.
    /// </summary>
    public static bool IsSelfConnect(IPEndPoint target, IPEndPoint? local) => local is not null && target.Equals(local);

    /// <summary>A limit that may clear by itself (descriptors, buffers, ports) or a self-connect: worth another try within the bound.</summary>
    public static bool MayClear(SocketError error) => error is
        SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable or
        SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse;

    /// <summary>First back-off between tries of our own side, and the next one (doubling, at most 100 ms).</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(5);
    public static TimeSpan NextBackoff(TimeSpan backoff) => TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 100));

    /// <summary>The Message of an attempt our own side failed: what failed, how often it was tried, and that it says nothing about the target.</summary>
    public static string Explain(bool selfConnect, string? errnoName, int tries, double ms, int selfConnects)
    {
        string what = selfConnect
            ? "the kernel connected the socket to itself (source port = target port on the same address), so nothing here answered"
            : $"local error {errnoName}: {Describe(errnoName)}";
        return $"{what}; {tries} tr{(tries == 1 ? "y" : "ies")} over {ms:F0} ms" +
            (selfConnects > 0 && !selfConnect ? $" ({selfConnects} self-connects)" : "") +
            ". This says nothing about the target.";
    }

    /// <summary>
    /// The errno of a socket(2) failure as the OS gave it: .NET reports EMFILE as ENFILE, so for
    /// that one the OS is asked again (<see cref="SocketErrno"/>); any other is .NET's own.
    /// </summary>
    public static int ErrnoOf(SocketException ex, AddressFamily family) =>
        ex.SocketErrorCode == SocketError.TooManyOpenSockets && SocketErrno(family) is int errno and > 0 ? errno : ex.NativeErrorCode;

    /// <summary>What each local limit means, for the Message of a LocalError row.</summary>
    public static string Describe(string? errnoName) => errnoName switch
    {
        "EMFILE" => "this process has as many open files as its limit allows (ulimit -n)",
        "ENFILE" => "the system-wide table of open files is full",
        "ENOBUFS" => "the kernel had no buffer space for the socket",
        "ENOMEM" => "the kernel had no memory for the socket",
        "EADDRNOTAVAIL" => "no local port was free for this destination (ip_local_port_range exhausted, or ports in TIME_WAIT)",
        "EADDRINUSE" or "WSAEADDRINUSE" => "the source address and port are in use (-SourcePort: another socket, or the last connection's TIME_WAIT)",
        "EAFNOSUPPORT" or "WSAEAFNOSUPPORT" => "this host cannot make a socket of this address family (IPv6 switched off?)",
        "EACCES" or "WSAEACCES" => "this process may not make this call: a -SourcePort below 1024 needs privilege (CAP_NET_BIND_SERVICE, net.ipv4.ip_unprivileged_port_start), or a local rule refused it",
        "EPERM" => "a local firewall rule or policy refused the call before anything was sent",
        "EINVAL" or "WSAEINVAL" => "the kernel refused the call's arguments before anything was sent: e.g. a link-local IPv6 address needs its scope (fe80::1%eth0)",
        "WSAEMFILE" => "this process has too many open sockets",
        "WSAENOBUFS" => "no buffer space (or no ephemeral port) was available",
        "WSAEADDRNOTAVAIL" => "the local address or port is not available",
        _ => "a resource of our own side ran out",
    };

    /// <summary>
    /// The errno a socket(2) of <paramref name="family"/> gets right now, straight from the OS:
    /// .NET reports EMFILE as ENFILE (SocketErrorPal.Unix.cs maps both to TooManyOpenSockets and back
    /// to ENFILE), so after such a failure we ask socket(2) ourselves. 0 when it succeeds now (the
    /// descriptor is closed at once: the limit was momentary); null where we cannot ask (Windows).
    /// </summary>
    public static int? SocketErrno(AddressFamily family)
    {
        if (OperatingSystem.IsWindows()) return null;
        int domain = family == AddressFamily.InterNetworkV6 ? (OperatingSystem.IsMacOS() ? 30 : 10) : 2;
        try
        {
            int fd = Native.Libc.socket(domain, 1 /* SOCK_STREAM */, 0);
            if (fd >= 0)
            {
                Native.Libc.close(fd);
                return 0;
            }
            return Marshal.GetLastPInvokeError();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
