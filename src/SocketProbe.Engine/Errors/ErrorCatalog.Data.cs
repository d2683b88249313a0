namespace SocketProbe.Engine.Errors;

// The catalogue's facts. Numbers and names: Linux include/uapi/asm-generic/errno-base.h and errno.h,
// Apple xnu bsd/sys/errno.h, Microsoft's "Windows Sockets Error Codes" (winsock2.h). Messages: glibc
// strerror (checked against the running system by ErrorCatalogTests on Linux), Apple Libc gen/errlst.c,
// the Windows page's title text. .NET: dotnet/runtime SocketErrorPal.Unix.cs maps errno -> SocketError;
// SocketException(SocketError) rebuilds NativeErrorCode from SocketError on Unix (SocketException.Unix.cs),
// so a few errnos come back as a neighbour. Errnos outside that table become SocketError.SocketError,
// NativeErrorCode -131074, message "Unknown socket error" (observed on .NET 10, Linux).
public static partial class ErrorCatalog
{
    private const string LinuxBase = "Linux include/uapi/asm-generic/errno-base.h; message: glibc strerror()";
    private const string LinuxMore = "Linux include/uapi/asm-generic/errno.h; message: glibc strerror()";
    private const string MacErrno = "xnu bsd/sys/errno.h; message: Apple Libc gen/errlst.c (strerror)";
    private const string DotNetUnix = ".NET mapping: dotnet/runtime SocketErrorPal.Unix.cs";
    private const string WinDoc = "Microsoft Windows Sockets Error Codes (windows-sockets-error-codes-2), winsock2.h";
    private const string DotNetWin = ".NET: SocketError values are the WSA codes (dotnet/runtime SocketError.cs)";
    private const string DotNetDns = ".NET: pal_networking.c ConvertGetAddrInfoAndGetNameInfoErrorsToPal, NameResolutionPal.Unix.cs, Dns.cs";

    // Linux errno: errno-base.h holds 1-34, errno.h the rest.
    private static PlatformError Lx(string name, int number, string message, string socketError, int? dotNet = null) =>
        new(OsPlatform.Linux, name, number, message, socketError, $"{(number <= 34 ? LinuxBase : LinuxMore)}; {DotNetUnix}")
        { DotNetNativeErrorCode = dotNet ?? number };

    private static PlatformError Mac(string name, int number, string message, string socketError, int? dotNet = null) =>
        new(OsPlatform.MacOS, name, number, message, socketError, $"{MacErrno}; {DotNetUnix}")
        { DotNetNativeErrorCode = dotNet ?? number };

    private static PlatformError Win(string name, int number, string message, string socketError) =>
        new(OsPlatform.Windows, name, number, message, socketError, $"{WinDoc}; {DotNetWin}");

    private static string[] S(params string[] scenarios) => scenarios;

    private static List<ErrorEntry> BuildEntries() => new()
    {
        new("ECONNREFUSED", "Nobody listens on that address and port: the peer answered the SYN with RST.",
            "Nothing listens on the port (service stopped, crashed, not started yet, or bound to another address such as 127.0.0.1 only), " +
            "or a firewall rejects with TCP RST. On macOS and FreeBSD a firewall that rejects with ICMP administratively-prohibited also reads " +
            "as refused (xnu tcp_ctlinput() -> tcp_drop_syn_sent(): ECONNREFUSED in SYN_SENT). Arrives at once on Linux and macOS, unlike a timeout; " +
            "Windows re-sends the SYN after the RST (KB 175523), so there it takes about 1-2 s. On a connected UDP socket Linux and macOS report it " +
            "on the next send or receive after an ICMP port unreachable; Windows reports that UDP case as WSAECONNRESET (10054).",
            new[]
            {
                Lx("ECONNREFUSED", 111, "Connection refused", "ConnectionRefused"),
                Mac("ECONNREFUSED", 61, "Connection refused", "ConnectionRefused"),
                Win("WSAECONNREFUSED", 10061, "Connection refused.", "ConnectionRefused"),
            },
            S("ConnectRefused", "UdpPortUnreachable")),

        new("ECONNRESET", "The peer (or something between) reset an established connection with RST.",
            "The peer process was killed or closed with unread data in its receive buffer, closed abortively (SO_LINGER {on, 0}), " +
            "its host rebooted and no longer knows the connection, or a firewall, NAT or load balancer dropped its state and answers with RST. " +
            "After idle, the usual one is the pooled keep-alive connection reused just as the server closes it for idling (nginx " +
            "keepalive_timeout, a load balancer's idle timeout): the request arrives as the server closes, so the server closes with the " +
            "request unread and its kernel answers with RST, not FIN (ServerClosesUnreadRequest); when the server's FIN came first, Linux " +
            "reads EOF instead (ServerIdleClose). Fix: a pool idle timeout below the server's, and retry of idempotent requests. " +
            "Windows also reports WSAECONNRESET for a write after the peer's reset (where Unix says EPIPE) and for a UDP send that drew " +
            "an ICMP port unreachable.",
            new[]
            {
                Lx("ECONNRESET", 104, "Connection reset by peer", "ConnectionReset"),
                Mac("ECONNRESET", 54, "Connection reset by peer", "ConnectionReset"),
                Win("WSAECONNRESET", 10054, "Connection reset by peer.", "ConnectionReset"),
            },
            S("PeerKilledWithUnreadData", "ServerClosesUnreadRequest", "PeerAbort", "PeerReboot", "WriteAfterReset", "UdpPortUnreachable")),

        new("ECONNABORTED", "The local stack aborted the connection.",
            "On accept (POSIX): a client completed the handshake and then reset before the server accepted. Linux does not report it " +
            "there: accept() succeeds and the first read gives ECONNRESET (see ResetBeforeAccept); only a reset that arrives before the " +
            "handshake completes (the connection still in SYN_RECV) is dropped silently. On Windows WSAECONNABORTED (10053) is common on send or receive " +
            "after the local stack gave up on the connection (retransmission timeout) or after writing to a connection the peer reset.",
            new[]
            {
                Lx("ECONNABORTED", 103, "Software caused connection abort", "ConnectionAborted"),
                Mac("ECONNABORTED", 53, "Software caused connection abort", "ConnectionAborted"),
                Win("WSAECONNABORTED", 10053, "Software caused connection abort.", "ConnectionAborted"),
            },
            S("ResetBeforeAccept", "WriteAfterReset")),

        new("ETIMEDOUT", "The kernel gave up waiting for the peer.",
            "Connect: SYNs got no answer (host down or gone, packets silently dropped by a firewall, wrong address) until the SYN retries ran out " +
            "(Linux net.ipv4.tcp_syn_retries, about 2 minutes by default). Established: data was retransmitted unacknowledged until " +
            "net.ipv4.tcp_retries2 gave up, or keepalive probes went unanswered. A timeout set by the application or .NET has no errno and is not this.",
            new[]
            {
                Lx("ETIMEDOUT", 110, "Connection timed out", "TimedOut"),
                Mac("ETIMEDOUT", 60, "Operation timed out", "TimedOut"),
                Win("WSAETIMEDOUT", 10060, "Connection timed out.", "TimedOut"),
            },
            S("ConnectTimeout", "AcceptQueueFull", "PeerHostCrash", "PeerHostCrashKeepalive", "IcmpUnreachableEstablished", "MiddleboxIdleDrop", "MtuBlackhole")),

        new("EHOSTUNREACH", "The destination host cannot be reached.",
            "A router answered ICMP host unreachable (or administratively prohibited), or, for an address on the local link, ARP or IPv6 " +
            "neighbour discovery got no answer. On an established connection an ICMP unreachable is a soft error: it surfaces only when the " +
            "connection later times out, as EHOSTUNREACH or ETIMEDOUT.",
            new[]
            {
                Lx("EHOSTUNREACH", 113, "No route to host", "HostUnreachable"),
                Mac("EHOSTUNREACH", 65, "No route to host", "HostUnreachable"),
                Win("WSAEHOSTUNREACH", 10065, "No route to host.", "HostUnreachable"),
            },
            S("ConnectHostUnreachable", "PeerHostCrash", "IcmpUnreachableEstablished")),

        new("ENETUNREACH", "No route to the destination network.",
            "The local routing table has no route for the destination (no default gateway, interface down, IPv6 address without an IPv6 " +
            "route), or a router answered ICMP network unreachable. Returned at once by connect or sendto.",
            new[]
            {
                Lx("ENETUNREACH", 101, "Network is unreachable", "NetworkUnreachable"),
                Mac("ENETUNREACH", 51, "Network is unreachable", "NetworkUnreachable"),
                Win("WSAENETUNREACH", 10051, "Network is unreachable.", "NetworkUnreachable"),
            },
            S("ConnectNoRoute")),

        new("ENETDOWN", "The local network is down.",
            "The outgoing interface went down, or the network stack reports a dead network. Uncommon for TCP on Linux and macOS; on Windows " +
            "it can be reported at any time when the provider detects an underlying failure.",
            new[]
            {
                Lx("ENETDOWN", 100, "Network is down", "NetworkDown"),
                Mac("ENETDOWN", 50, "Network is down", "NetworkDown"),
                Win("WSAENETDOWN", 10050, "Network is down.", "NetworkDown"),
            },
            S()),

        new("EHOSTDOWN", "The destination host is known to be down.",
            "Rare for TCP: Linux and macOS usually report ETIMEDOUT or EHOSTUNREACH for a dead host, and the Windows documentation says " +
            "WSAETIMEDOUT is more likely.",
            new[]
            {
                Lx("EHOSTDOWN", 112, "Host is down", "HostDown"),
                Mac("EHOSTDOWN", 64, "Host is down", "HostDown"),
                Win("WSAEHOSTDOWN", 10064, "Host is down.", "HostDown"),
            },
            S()),

        new("EPIPE", "Write on a connection that can no longer send (broken pipe).",
            "The peer closed and then reset the connection after an earlier write was answered with RST, or this side already shut down " +
            "writing (Linux returns EPIPE, not ESHUTDOWN, for a TCP send after shutdown(SHUT_WR)). A Unix process with the default SIGPIPE " +
            "disposition dies by signal 13 instead of seeing it; .NET ignores SIGPIPE and sees the error. .NET reports EPIPE as " +
            "SocketError.Shutdown (NativeErrorCode 32 round-trips), the same SocketError name Windows uses for WSAESHUTDOWN. " +
            "Windows has no EPIPE: the same write fails with WSAECONNRESET (10054) or WSAECONNABORTED (10053).",
            new[]
            {
                Lx("EPIPE", 32, "Broken pipe", "Shutdown"),
                Mac("EPIPE", 32, "Broken pipe", "Shutdown"),
            },
            S("PeerExit", "PeerKilled", "PeerShutdown", "WriteAfterReset", "WriteAfterFin"))
        {
            Gaps = new[]
            {
                new PlatformGap(OsPlatform.Windows,
                    "Windows has no EPIPE (winsock2.h defines no WSAEPIPE) and no SIGPIPE: a send after the peer's reset fails with " +
                    "WSAECONNRESET (10054) or WSAECONNABORTED (10053).",
                    $"{WinDoc} (no EPIPE equivalent listed)"),
            },
        },

        new("EAGAIN", "A non-blocking call cannot complete now; try again later.",
            "The send buffer is full because the peer does not read, no data is queued for a receive, or no connection waits for accept. " +
            "Retry after poll/select; it is not a failure of the connection. On Linux a blocking socket with SO_SNDTIMEO/SO_RCVTIMEO also " +
            "returns it when the timeout expires. .NET reports SocketError.WouldBlock; its async methods handle it internally, so scripts " +
            "see it with Blocking = $false. EWOULDBLOCK is the same number (11 on Linux, 35 on macOS).",
            new[]
            {
                Lx("EAGAIN", 11, "Resource temporarily unavailable", "WouldBlock"),
                Mac("EAGAIN", 35, "Resource temporarily unavailable", "WouldBlock"),
                Win("WSAEWOULDBLOCK", 10035, "Resource temporarily unavailable.", "WouldBlock"),
            },
            S("SendBufferFull"))
        {
            Aliases = new[] { "EWOULDBLOCK" },
        },

        new("EINPROGRESS", "A non-blocking connect has started and will finish later.",
            "Not a failure: wait until the socket is writable and read SO_ERROR for the outcome. Windows returns WSAEWOULDBLOCK for a " +
            "non-blocking connect instead; WSAEINPROGRESS (10036) there means another blocking Winsock call is already running. " +
            "On Unix .NET maps both InProgress and IOPending to EINPROGRESS.",
            new[]
            {
                Lx("EINPROGRESS", 115, "Operation now in progress", "InProgress"),
                Mac("EINPROGRESS", 36, "Operation now in progress", "InProgress"),
                Win("WSAEINPROGRESS", 10036, "Operation now in progress.", "InProgress"),
            },
            S()),

        new("EALREADY", "A connect is already in progress on this socket.",
            "connect was called again on a non-blocking socket whose previous connect has not finished.",
            new[]
            {
                Lx("EALREADY", 114, "Operation already in progress", "AlreadyInProgress"),
                Mac("EALREADY", 37, "Operation already in progress", "AlreadyInProgress"),
                Win("WSAEALREADY", 10037, "Operation already in progress.", "AlreadyInProgress"),
            },
            S()),

        new("EISCONN", "The socket is already connected.",
            "connect on a socket that is already connected, or (some systems) sendto with an address on a connected socket.",
            new[]
            {
                Lx("EISCONN", 106, "Transport endpoint is already connected", "IsConnected"),
                Mac("EISCONN", 56, "Socket is already connected", "IsConnected"),
                Win("WSAEISCONN", 10056, "Socket is already connected.", "IsConnected"),
            },
            S()),

        new("ENOTCONN", "The socket is not connected.",
            "send, receive, shutdown or getpeername on a socket that never connected, or whose connection was already torn down " +
            "(for example shutdown after the peer's reset).",
            new[]
            {
                Lx("ENOTCONN", 107, "Transport endpoint is not connected", "NotConnected"),
                Mac("ENOTCONN", 57, "Socket is not connected", "NotConnected"),
                Win("WSAENOTCONN", 10057, "Socket is not connected.", "NotConnected"),
            },
            S()),

        new("EADDRINUSE", "The local address and port are already in use.",
            "bind or listen on a port another socket holds: another process listens there, a previous instance left connections in " +
            "TIME_WAIT and the new one did not set SO_REUSEADDR, or every ephemeral port is taken for a bind to port 0.",
            new[]
            {
                Lx("EADDRINUSE", 98, "Address already in use", "AddressAlreadyInUse"),
                Mac("EADDRINUSE", 48, "Address already in use", "AddressAlreadyInUse"),
                Win("WSAEADDRINUSE", 10048, "Address already in use.", "AddressAlreadyInUse"),
            },
            S()),

        new("EADDRNOTAVAIL", "The address is not available on this host.",
            "bind to an IP address the host does not have (removed, or an IPv6 address still tentative), connect to port 0 or an invalid " +
            "address, or on Linux connect when every local ephemeral port towards that destination is in use (check " +
            "net.ipv4.ip_local_port_range and the number of TIME_WAIT connections).",
            new[]
            {
                Lx("EADDRNOTAVAIL", 99, "Cannot assign requested address", "AddressNotAvailable"),
                Mac("EADDRNOTAVAIL", 49, "Can't assign requested address", "AddressNotAvailable"),
                Win("WSAEADDRNOTAVAIL", 10049, "Cannot assign requested address.", "AddressNotAvailable"),
            },
            S("EphemeralPortExhaustion")),

        new("EAFNOSUPPORT", "The address family is not supported here.",
            "An IPv6 address with IPv6 disabled in the kernel, or an address of one family used on a socket of the other " +
            "(IPv4 address on an IPv6-only socket).",
            new[]
            {
                Lx("EAFNOSUPPORT", 97, "Address family not supported by protocol", "AddressFamilyNotSupported"),
                Mac("EAFNOSUPPORT", 47, "Address family not supported by protocol family", "AddressFamilyNotSupported"),
                Win("WSAEAFNOSUPPORT", 10047, "Address family not supported by protocol family.", "AddressFamilyNotSupported"),
            },
            S()),

        new("EACCES", "Permission denied.",
            "bind to a port below 1024 without privilege (Linux net.ipv4.ip_unprivileged_port_start), send to a broadcast address without " +
            "SO_BROADCAST, or a security policy (SELinux, AppArmor, Windows exclusive address use) forbids it. On Linux a packet dropped by a " +
            "local firewall rule usually gives EPERM (1), which .NET also reports as AccessDenied but with NativeErrorCode 13 (EACCES): " +
            "EPERM does not round-trip.",
            new[]
            {
                Lx("EACCES", 13, "Permission denied", "AccessDenied"),
                Mac("EACCES", 13, "Permission denied", "AccessDenied"),
                Win("WSAEACCES", 10013, "Permission denied.", "AccessDenied"),
            },
            S()),

        new("EINTR", "A blocking call was interrupted.",
            "A signal arrived before a blocking call finished; callers normally retry. .NET's native layer retries EINTR itself on Unix, " +
            "so scripts rarely see it. On Windows a blocking call was cancelled (WSACancelBlockingCall) or its socket closed under it.",
            new[]
            {
                Lx("EINTR", 4, "Interrupted system call", "Interrupted"),
                Mac("EINTR", 4, "Interrupted system call", "Interrupted"),
                Win("WSAEINTR", 10004, "Interrupted function call.", "Interrupted"),
            },
            S()),

        new("EMSGSIZE", "The message is too long for the socket or path.",
            "A datagram larger than the protocol allows (UDP over 65,507 bytes on IPv4) or than the path MTU with don't-fragment set. On " +
            "Windows also a received datagram larger than the receive buffer (the rest is discarded).",
            new[]
            {
                Lx("EMSGSIZE", 90, "Message too long", "MessageSize"),
                Mac("EMSGSIZE", 40, "Message too long", "MessageSize"),
                Win("WSAEMSGSIZE", 10040, "Message too long.", "MessageSize"),
            },
            S()),

        new("ENOBUFS", "The system lacked buffer space or a queue was full.",
            "Socket buffer memory or an interface queue ran out (many sockets, a flood of sends). On Windows it is also the usual sign of " +
            "ephemeral port exhaustion or too many connections on connect or bind.",
            new[]
            {
                Lx("ENOBUFS", 105, "No buffer space available", "NoBufferSpaceAvailable"),
                Mac("ENOBUFS", 55, "No buffer space available", "NoBufferSpaceAvailable"),
                Win("WSAENOBUFS", 10055, "No buffer space available.", "NoBufferSpaceAvailable"),
            },
            S()),

        new("ESHUTDOWN", "The socket was already shut down in that direction.",
            "A send or receive after shutdown() in that direction. Linux returns EPIPE, not ESHUTDOWN, for a TCP send after " +
            "shutdown(SHUT_WR). On Unix .NET reports ESHUTDOWN as SocketError.Disconnecting (round-trips to ESHUTDOWN); on Windows " +
            "WSAESHUTDOWN is SocketError.Shutdown, the name .NET gives EPIPE on Unix.",
            new[]
            {
                Lx("ESHUTDOWN", 108, "Cannot send after transport endpoint shutdown", "Disconnecting"),
                Mac("ESHUTDOWN", 58, "Can't send after socket shutdown", "Disconnecting"),
                Win("WSAESHUTDOWN", 10058, "Cannot send after socket shutdown.", "Shutdown"),
            },
            S()),

        new("EINVAL", "Invalid argument, or a call that does not fit the socket's state.",
            "accept or listen on a socket that is not bound or not listening, an option value the protocol rejects, an address of the " +
            "wrong length.",
            new[]
            {
                Lx("EINVAL", 22, "Invalid argument", "InvalidArgument"),
                Mac("EINVAL", 22, "Invalid argument", "InvalidArgument"),
                Win("WSAEINVAL", 10022, "Invalid argument.", "InvalidArgument"),
            },
            S()),

        new("ENETRESET", "The network dropped the connection.",
            "Windows: keepalive detected a failure while an operation was in progress (later operations get WSAECONNRESET), or SO_KEEPALIVE " +
            "was set on a connection that had already failed. Rare for TCP on Linux and macOS.",
            new[]
            {
                Lx("ENETRESET", 102, "Network dropped connection on reset", "NetworkReset"),
                Mac("ENETRESET", 52, "Network dropped connection on reset", "NetworkReset"),
                Win("WSAENETRESET", 10052, "Network dropped connection on reset.", "NetworkReset"),
            },
            S()),

        new("EMFILE", "This process has too many open files (sockets count).",
            "The process reached its file-descriptor limit (ulimit -n, RLIMIT_NOFILE): sockets are leaking or the limit is too low for the " +
            "load. On Unix .NET maps EMFILE and ENFILE both to SocketError.TooManyOpenSockets and rebuilds NativeErrorCode as ENFILE (23) with " +
            "the message \"Too many open files in system\": EMFILE does not round-trip. Windows WSAEMFILE: too many sockets for the provider.",
            new[]
            {
                Lx("EMFILE", 24, "Too many open files", "TooManyOpenSockets", dotNet: 23),
                Mac("EMFILE", 24, "Too many open files", "TooManyOpenSockets", dotNet: 23),
                Win("WSAEMFILE", 10024, "Too many open files.", "TooManyOpenSockets"),
            },
            S()),

        new("ENFILE", "The whole system ran out of open-file slots.",
            "The system-wide file table is full (Linux fs.file-max), not just this process. .NET shows TooManyOpenSockets with " +
            "NativeErrorCode 23 for this and for the far more common per-process EMFILE, so check ulimit -n first.",
            new[]
            {
                Lx("ENFILE", 23, "Too many open files in system", "TooManyOpenSockets"),
                Mac("ENFILE", 23, "Too many open files in system", "TooManyOpenSockets"),
            },
            S())
        {
            Gaps = new[]
            {
                new PlatformGap(OsPlatform.Windows,
                    "Windows Sockets has no ENFILE equivalent (no code 10023): running out of socket resources shows as WSAEMFILE (10024) " +
                    "or WSAENOBUFS (10055).",
                    $"{WinDoc} (no ENFILE equivalent listed)"),
            },
        },

        // Not an errno anywhere, but the most common line in a log: the peer closed (FIN) and a read returned 0.
        new("EOF", "The peer closed the connection (FIN): a read returned 0 bytes. No errno on any platform.",
            "The server (or a proxy) closed the connection: it was idle longer than the server's keep-alive or idle timeout (the " +
            "keep-alive race: a pooled connection reused just as the server closes it, ServerIdleClose; Python's RemoteDisconnected, " +
            "Go's EOF and Node's \"socket hang up\" are this), the server process exited or restarted, or it " +
            "answered and closed. A read returns 0 (end of stream); the next write is usually accepted and draws RST, after which reads " +
            "fail with ECONNRESET and writes with EPIPE (Windows: WSAECONNRESET). Runtimes spell it EOF, unexpected EOF, \"prematurely " +
            "closed\", \"server closed the connection unexpectedly\", \"server has gone away\".",
            Array.Empty<PlatformError>(),
            S("ServerIdleClose", "PeerExit", "PeerKilled", "PeerShutdown", "WriteAfterFin"))
        {
            Gaps = new[]
            {
                new PlatformGap(OsPlatform.Linux, "No errno: recv()/read() return 0 (end of stream) after the peer's FIN.", "POSIX recv(3p): \"return 0\" on orderly shutdown; Linux tcp(7)"),
                new PlatformGap(OsPlatform.MacOS, "No errno: recv()/read() return 0 (end of stream) after the peer's FIN.", "POSIX recv(3p); Apple recv(2)"),
                new PlatformGap(OsPlatform.Windows, "No WSA code: recv() returns 0 when the connection has been gracefully closed.", "Microsoft recv function (winsock2.h) documentation"),
            },
            Aliases = new[] { "EndOfStream" },
        },

        // Name resolution: getaddrinfo() returns EAI_* codes (not errnos) on Unix; Windows uses WSA codes.
        new("EAI_NONAME", "The host name does not resolve.",
            "Typo, missing DNS record or hosts-file entry, wrong search domain, NXDOMAIN. .NET: SocketError.HostNotFound. On Linux and " +
            "macOS .NET loses the EAI code and shows NativeErrorCode -131073 (0xFFFDFFFF, a .NET-private value, not an errno); on Linux " +
            "its message is \"Name or service not known\". Windows: WSAHOST_NOT_FOUND (11001); ws2tcpip.h defines EAI_NONAME and EAI_NODATA " +
            "as that code.",
            new[]
            {
                new PlatformError(OsPlatform.Linux, "EAI_NONAME", -2, "Name or service not known", "HostNotFound",
                    $"glibc <netdb.h>; message: glibc gai_strerror(); {DotNetDns}")
                { Kind = NumberKind.GaiCode, DotNetNativeErrorCode = -131073 },
                new PlatformError(OsPlatform.MacOS, "EAI_NONAME", 8, "nodename nor servname provided, or not known", "HostNotFound",
                    $"Darwin <netdb.h>; message: Apple Libinfo gai_strerror() (si_getaddrinfo.c); {DotNetDns}")
                { Kind = NumberKind.GaiCode, DotNetNativeErrorCode = -131073 },
                Win("WSAHOST_NOT_FOUND", 11001, "Host not found.", "HostNotFound"),
            },
            S()),

        new("EAI_AGAIN", "Name resolution failed for now; a retry may succeed.",
            "The resolver got no answer: DNS server unreachable or timing out, SERVFAIL, network down. .NET: SocketError.TryAgain. On Unix " +
            ".NET rebuilds NativeErrorCode as EAGAIN (11 on Linux, 35 on macOS) with the message \"Resource temporarily unavailable\", " +
            "which hides that DNS failed. Windows: WSATRY_AGAIN (11002), which ws2tcpip.h also names EAI_AGAIN.",
            new[]
            {
                new PlatformError(OsPlatform.Linux, "EAI_AGAIN", -3, "Temporary failure in name resolution", "TryAgain",
                    $"glibc <netdb.h>; message: glibc gai_strerror(); {DotNetDns}")
                { Kind = NumberKind.GaiCode, DotNetNativeErrorCode = 11 },
                new PlatformError(OsPlatform.MacOS, "EAI_AGAIN", 2, "Temporary failure in name resolution", "TryAgain",
                    $"Darwin <netdb.h>; message: Apple Libinfo gai_strerror() (si_getaddrinfo.c); {DotNetDns}")
                { Kind = NumberKind.GaiCode, DotNetNativeErrorCode = 35 },
                Win("WSATRY_AGAIN", 11002, "Nonauthoritative host not found.", "TryAgain"),
            },
            S()),

        new("EAI_NODATA", "The name exists but has no address of the requested type.",
            "For example only an MX record, or only IPv6 when IPv4 was asked. On Linux and macOS .NET's native layer folds EAI_NODATA into " +
            "EAI_NONAME, so .NET reports HostNotFound (NativeErrorCode -131073); SocketError.NoData never comes from name resolution there " +
            "(its rebuilt code is ENODATA, 61 on Linux). Windows reports WSANO_DATA (11004) as SocketError.NoData.",
            new[]
            {
                new PlatformError(OsPlatform.Linux, "EAI_NODATA", -5, "No address associated with hostname", "HostNotFound",
                    $"glibc <netdb.h> (GNU extension); message: glibc gai_strerror(); {DotNetDns}")
                { Kind = NumberKind.GaiCode, DotNetNativeErrorCode = -131073 },
                new PlatformError(OsPlatform.MacOS, "EAI_NODATA", 7, "No address associated with nodename", "HostNotFound",
                    $"Darwin <netdb.h>; message: Apple Libinfo gai_strerror() (si_getaddrinfo.c); {DotNetDns}")
                { Kind = NumberKind.GaiCode, DotNetNativeErrorCode = -131073 },
                Win("WSANO_DATA", 11004, "Valid name, no data record of requested type.", "NoData"),
            },
            S()),
    };

    // Names of other errors a socket call can report (for NameOf only): the rest of the errnos in
    // .NET's SocketErrorPal table, and WSA codes .NET names in SocketError. Same sources as above.
    private static IEnumerable<(OsPlatform, int, string)> OtherNames()
    {
        var linux = new (int, string)[]
        {
            (1, "EPERM"), (2, "ENOENT"), (6, "ENXIO"), (9, "EBADF"), (14, "EFAULT"), (61, "ENODATA"), (88, "ENOTSOCK"),
            (89, "EDESTADDRREQ"), (91, "EPROTOTYPE"), (92, "ENOPROTOOPT"), (93, "EPROTONOSUPPORT"), (94, "ESOCKTNOSUPPORT"),
            (95, "EOPNOTSUPP"), (96, "EPFNOSUPPORT"), (109, "ETOOMANYREFS"), (125, "ECANCELED"),
        };
        var macos = new (int, string)[]
        {
            (1, "EPERM"), (2, "ENOENT"), (6, "ENXIO"), (9, "EBADF"), (14, "EFAULT"), (38, "ENOTSOCK"), (39, "EDESTADDRREQ"),
            (41, "EPROTOTYPE"), (42, "ENOPROTOOPT"), (43, "EPROTONOSUPPORT"), (44, "ESOCKTNOSUPPORT"), (45, "ENOTSUP"),
            (46, "EPFNOSUPPORT"), (59, "ETOOMANYREFS"), (89, "ECANCELED"), (96, "ENODATA"), (102, "EOPNOTSUPP"),
        };
        var windows = new (int, string)[]
        {
            (995, "WSA_OPERATION_ABORTED"), (997, "WSA_IO_PENDING"), (10009, "WSAEBADF"), (10014, "WSAEFAULT"),
            (10038, "WSAENOTSOCK"), (10039, "WSAEDESTADDRREQ"), (10041, "WSAEPROTOTYPE"), (10042, "WSAENOPROTOOPT"),
            (10043, "WSAEPROTONOSUPPORT"), (10044, "WSAESOCKTNOSUPPORT"), (10045, "WSAEOPNOTSUPP"), (10046, "WSAEPFNOSUPPORT"),
            (10059, "WSAETOOMANYREFS"), (10067, "WSAEPROCLIM"), (10091, "WSASYSNOTREADY"), (10092, "WSAVERNOTSUPPORTED"),
            (10093, "WSANOTINITIALISED"), (10101, "WSAEDISCON"), (10109, "WSATYPE_NOT_FOUND"), (11003, "WSANO_RECOVERY"),
        };
        foreach (var (n, name) in linux) yield return (OsPlatform.Linux, n, name);
        foreach (var (n, name) in macos) yield return (OsPlatform.MacOS, n, name);
        foreach (var (n, name) in windows) yield return (OsPlatform.Windows, n, name);
    }
}
