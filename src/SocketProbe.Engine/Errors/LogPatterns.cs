using System.Globalization;
using System.Text.RegularExpressions;

namespace SocketProbe.Engine.Errors;

/// <summary>
/// One wording a runtime, library or proxy prints for a socket error, as a regular expression that may match
/// anywhere in a log line. Either <see cref="Key"/> names the catalogue entry, or the expression captures it:
/// group <c>name</c> (an errno or WSA name), <c>num</c> (a number, with <c>msg</c> to tell platforms apart),
/// <c>msg</c> (the platform's message text) or <c>kind</c> (a runtime's own error kind, see <see cref="LogPatterns.Kinds"/>).
/// </summary>
public sealed record LogPattern(string Id, string Runtime, string Expression, string? Key, string Source, string Sample)
{
    /// <summary>The platform the wording implies (a Windows FormatMessage text, a WinError number), when it implies one.</summary>
    public OsPlatform? Platform { get; init; }

    /// <summary>What a reader must know beyond the catalogue entry (the wording is the runtime's own timeout, not an errno…).</summary>
    public string? Note { get; init; }

    /// <summary>Text every match contains (any one of them, any letter case): the expression only runs near these.</summary>
    public IReadOnlyList<string> Anchors => LogPatterns.AnchorsOf(Id, Expression);

    private Regex? _regex;
    internal Regex Regex => _regex ??= LogPatterns.Compile(Expression, RegexOptions.IgnoreCase);
}

/// <summary>What one pattern found in one line: the entry it means, the text that matched, and the endpoint the line names.</summary>
public sealed record LogMatch(ErrorEntry Entry, LogPattern Pattern, string Matched)
{
    /// <summary>The platform the line's wording or number implies, when it implies one.</summary>
    public OsPlatform? Platform { get; init; }
    /// <summary>The remote host the line names (Go's local->remote, nginx's upstream, curl's "to host port N"…).</summary>
    public string? Host { get; init; }
    public int? Port { get; init; }
}

/// <summary>
/// The wordings of socket errors in real log lines: C libraries (glibc, musl, macOS), Windows (FormatMessage texts,
/// WSA names and numbers), .NET, Java, Go, Node.js, Python, Rust, curl, nginx, HAProxy, Envoy and database drivers.
/// Each pattern carries the source its wording comes from and a real sample line (tested in LogPatternTests).
/// </summary>
public static class LogPatterns
{
    private const string WinMsg = "Microsoft \"Windows Sockets Error Codes\" (windows-sockets-error-codes-2): the FormatMessage text of the WSA code";
    private const string GoNet = "golang/go src/net/net.go (OpError.Error: op net src->addr: err), src/os/error.go (SyscallError: syscall: err)";
    private const string GoErrno = "golang/go src/syscall/zerrors_linux_amd64.go (errors table: the lower-case strerror texts)";
    private const string NodeUv = "nodejs/node lib/internal/errors.js (UVException / ErrnoException: message \"<syscall> <code>\"), doc/api/errors.md \"Common system errors\"";
    private const string PyOs = "cpython Objects/exceptions.c (OSError_str: \"[Errno %S] %S\", \"[WinError %S] %S\"), Doc/library/exceptions.rst (OS exceptions)";
    private const string JavaNio = "openjdk src/java.base/share/classes/sun/nio/ch/NioSocketImpl.java (\"Connection reset\"), sun/nio/ch/Net.java; JDK 8 SocketInputStream.c / SocketOutputStream.c";
    private const string RustIo = "rust-lang/rust library/std/src/io/error.rs (Display: \"{detail} (os error {code})\"; Debug: Os { code, kind, message }), library/std/src/sys/pal/unix/mod.rs decode_error_kind";
    private const string Curl = "curl docs/libcurl/libcurl-errors.md (CURLcode numbers), lib/cf-socket.c (\"Failed to connect to %s port %u after %ld ms: %s\", \"Recv failure: %s\", \"Send failure: %s\")";
    private const string Nginx = "nginx src/http/ngx_http_upstream.c (\"upstream prematurely closed connection\", \"upstream timed out\"), src/os/unix/ngx_recv.c, src/core/ngx_log.c (\" (%d: %s)\" errno suffix)";
    private const string Haproxy = "HAProxy doc/configuration.txt section 8.5 \"Session state at disconnection\" (termination state, first two characters)";
    private const string Envoy = "envoyproxy/envoy source/common/router/router.cc (\"upstream connect error or disconnect/reset before headers. reset reason: \"), source/common/http/utility.cc resetReasonToString; docs: access log RESPONSE_FLAGS (UF, UC)";
    private const string PooledIdle = "Most often the keep-alive race: a pooled connection reused as the server closed it for idling (scenario ServerIdleClose); Find-TcpIdleTimeout -Send measures the server's timer.";
    private const string DotNet = "dotnet/runtime src/libraries/System.Net.Primitives/src/System/Net/SocketException.cs (ToString: \"SocketException (code): message\"), System.Net.Sockets Strings.resx net_io_readfailure / net_io_writefailure";

    /// <summary>Runtime error kinds and exception names that name an error by themselves (Rust io::ErrorKind, Python OSError subclasses, Node codes that are not errnos).</summary>
    public static IReadOnlyDictionary<string, string> Kinds { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // Rust io::ErrorKind (library/std/src/io/error.rs)
        ["ConnectionReset"] = "ECONNRESET", ["ConnectionRefused"] = "ECONNREFUSED", ["ConnectionAborted"] = "ECONNABORTED",
        ["BrokenPipe"] = "EPIPE", ["TimedOut"] = "ETIMEDOUT", ["AddrInUse"] = "EADDRINUSE", ["AddrNotAvailable"] = "EADDRNOTAVAIL",
        ["NotConnected"] = "ENOTCONN", ["HostUnreachable"] = "EHOSTUNREACH", ["NetworkUnreachable"] = "ENETUNREACH",
        ["NetworkDown"] = "ENETDOWN", ["WouldBlock"] = "EAGAIN", ["UnexpectedEof"] = "EOF",
        // Python OSError subclasses (Doc/library/exceptions.rst)
        ["ConnectionResetError"] = "ECONNRESET", ["ConnectionRefusedError"] = "ECONNREFUSED", ["ConnectionAbortedError"] = "ECONNABORTED",
        ["BrokenPipeError"] = "EPIPE", ["BlockingIOError"] = "EAGAIN",
        // Node.js codes that are not errnos (lib/internal/errors.js dnsException: EAI_NONAME/EAI_NODATA -> ENOTFOUND)
        ["ENOTFOUND"] = "EAI_NONAME",
    };

    /// <summary>The runtime- and product-specific patterns, most specific first.</summary>
    public static IReadOnlyList<LogPattern> All { get; } = new LogPattern[]
    {
        // --- Go ---
        new("go-op", "Go (net.OpError)",
            @"\b(?:dial|read|write|accept) (?:tcp|udp)[46]? (?:\S+->)?\S+: (?:(?:read|write|connect|connectex|wsarecv|wsasend|accept|sendto|recvfrom): )?(?<msg>[^:]+?)\.?\s*$",
            null, $"{GoNet}; {GoErrno}", "read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer"),
        new("go-eof", "Go (io.EOF, io.ErrUnexpectedEOF)", @"(?:^|: )(?:unexpected )?EOF\s*$", "EOF",
            "golang/go src/io/io.go (EOF = \"EOF\", ErrUnexpectedEOF = \"unexpected EOF\")", "Get \"http://10.0.0.9:8080/health\": EOF") { Note = PooledIdle },
        new("go-no-such-host", "Go (net.DNSError)", @"\blookup \S+(?: on \S+)?: no such host\b", "EAI_NONAME",
            "golang/go src/net/net.go (errNoSuchHost = \"no such host\"), src/net/dnsclient_unix.go", "dial tcp: lookup db.internal on 10.0.0.2:53: no such host"),
        new("go-timeout", "Go (os.ErrDeadlineExceeded)", @"\bi/o timeout\b", "ETIMEDOUT",
            "golang/go src/internal/poll/fd.go (DeadlineExceededError: \"i/o timeout\")", "dial tcp 10.0.0.9:5432: i/o timeout")
            { Note = "Go's own deadline ran out (Dialer.Timeout, SetDeadline, http.Client.Timeout), not the kernel's ETIMEDOUT. The causes are the same: no answer in time." },
        new("go-http-closed", "Go (net/http)", @"server closed idle connection|transport connection broken", "EOF",
            "golang/go src/net/http/transport.go (errServerClosedIdle \"http: server closed idle connection\")",
            "Post \"http://api:8080/v1\": http: server closed idle connection") { Note = PooledIdle },

        // --- Node.js ---
        new("node-syscall", "Node.js (libuv)", @"\b(?:read|write|connect|accept|getaddrinfo|listen|bind|send|recv|writev|shutdown) (?<name>(?-i:E[A-Z_]{3,}))\b",
            null, NodeUv, "Error: read ECONNRESET"),
        new("node-code", "Node.js", @"\bcode:\s*'(?<name>(?-i:E[A-Z_]{3,}))'", null, NodeUv,
            "{ errno: -104, code: 'ECONNRESET', syscall: 'read' }"),
        new("node-hangup", "Node.js (http)", @"\bsocket hang up\b", "EOF",
            "nodejs/node lib/_http_client.js (connResetException('socket hang up'), code 'ECONNRESET')",
            "Error: socket hang up") { Note = "Node gives it code 'ECONNRESET', but it means the server closed (FIN or RST) before any response arrived. " + PooledIdle },

        // --- Python ---
        new("python-errno", "Python (OSError)", @"\[Errno (?<num>-?\d+)\] (?<msg>[^'""\]\)\n]+)", null, PyOs,
            "ConnectionResetError: [Errno 104] Connection reset by peer"),
        new("python-winerror", "Python (OSError on Windows)", @"\[WinError (?<num>\d+)\] (?<msg>[^'""\]\)\n]+)", null, PyOs,
            "ConnectionResetError: [WinError 10054] An existing connection was forcibly closed by the remote host")
            { Platform = OsPlatform.Windows },
        new("python-class", "Python (OSError subclass)", @"\b(?<kind>ConnectionResetError|ConnectionRefusedError|ConnectionAbortedError|BrokenPipeError)\b",
            null, PyOs, "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"),
        new("python-remote-disconnected", "Python (http.client)", @"Remote end closed connection without response", "EOF",
            "cpython Lib/http/client.py (RemoteDisconnected(\"Remote end closed connection without response\"))",
            "http.client.RemoteDisconnected: Remote end closed connection without response") { Note = PooledIdle },

        // --- Java ---
        new("java-reset", "Java (java.net.SocketException)", @"\b(?:java\.net\.SocketException|java\.io\.IOException|sun\.net\.ConnectionResetException): Connection reset(?: by peer)?\b",
            "ECONNRESET", JavaNio, "java.net.SocketException: Connection reset"),
        new("java-broken-pipe", "Java (java.net.SocketException)", @"\b(?:java\.net\.SocketException|java\.io\.IOException): Broken pipe\b",
            "EPIPE", JavaNio, "java.net.SocketException: Broken pipe (Write failed)"),
        new("java-refused", "Java (java.net.ConnectException)", @"\bjava\.net\.ConnectException: Connection refused\b",
            "ECONNREFUSED", $"{JavaNio} (Net.pollConnect / NET_ThrowByNameWithLastError)", "java.net.ConnectException: Connection refused (Connection refused)"),
        new("java-timedout", "Java (java.net.ConnectException)", @"\bjava\.net\.ConnectException: Connection timed out\b",
            "ETIMEDOUT", JavaNio, "java.net.ConnectException: Connection timed out: connect"),
        new("java-noroute", "Java (java.net.NoRouteToHostException)", @"\bjava\.net\.NoRouteToHostException\b",
            "EHOSTUNREACH", "openjdk src/java.base/share/classes/java/net/NoRouteToHostException.java (EHOSTUNREACH from connect)",
            "java.net.NoRouteToHostException: No route to host (Host unreachable)"),
        new("java-unknown-host", "Java (java.net.UnknownHostException)", @"\bjava\.net\.UnknownHostException\b",
            "EAI_NONAME", "openjdk src/java.base/share/classes/java/net/UnknownHostException.java, Inet6AddressImpl.c",
            "java.net.UnknownHostException: db.internal: Name or service not known"),

        // --- .NET ---
        new("dotnet-socketexception", ".NET (SocketException)", @"SocketException \((?<num>-?\d+)\): (?<msg>[^\r\n(]+)", null, DotNet,
            "System.Net.Sockets.SocketException (104): Connection reset by peer"),
        new("dotnet-transport", ".NET (IOException)", @"Unable to (?:read data from|write data to) the transport connection: (?<msg>[^\r\n]+)", null, DotNet,
            "System.IO.IOException: Unable to read data from the transport connection: Connection reset by peer."),
        new("dotnet-http", ".NET (HttpRequestException)", @"HttpRequestException: (?<msg>[^(\r\n]+)", null, DotNet,
            "System.Net.Http.HttpRequestException: Connection refused (localhost:5000)"),
        new("dotnet-response-ended", ".NET (HttpClient)", @"The response ended prematurely", "EOF",
            "dotnet/runtime System.Net.Http Strings.resx net_http_invalid_response_premature_eof (HttpRequestError.ResponseEnded)",
            "System.Net.Http.HttpIOException: The response ended prematurely. (ResponseEnded)"),

        // --- Rust ---
        new("rust-os-error", "Rust (std::io::Error)", @"(?<msg>[A-Za-z][^(:]*?) \(os error (?<num>\d+)\)", null, RustIo,
            "Error: Connection reset by peer (os error 104)"),
        new("rust-kind", "Rust (std::io::ErrorKind)", @"\bkind: (?<kind>ConnectionReset|ConnectionRefused|ConnectionAborted|BrokenPipe|TimedOut|AddrInUse|AddrNotAvailable|NotConnected|HostUnreachable|NetworkUnreachable|NetworkDown|UnexpectedEof)\b",
            null, RustIo, "Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" }"),

        // --- curl ---
        new("curl-recv", "curl (CURLE_RECV_ERROR 56)", @"\bRecv failure: (?<msg>[^\r\n]+)", null, Curl,
            "curl: (56) Recv failure: Connection reset by peer"),
        new("curl-send", "curl (CURLE_SEND_ERROR 55)", @"\bSend failure: (?<msg>[^\r\n]+)", null, Curl,
            "curl: (55) Send failure: Broken pipe"),
        new("curl-connect", "curl (CURLE_COULDNT_CONNECT 7)", @"\bFailed to connect to \S+ port \d+(?: after \d+ ms)?: (?<msg>[^\r\n]+)", null, Curl,
            "curl: (7) Failed to connect to 10.0.0.9 port 8080 after 2 ms: Connection refused"),
        new("curl-couldnt-connect", "curl (CURLE_COULDNT_CONNECT 7)", @"curl: \(7\).*Couldn't connect to server", "ECONNREFUSED", Curl,
            "curl: (7) Failed to connect to 10.0.0.9 port 8080 after 0 ms: Couldn't connect to server")
            { Note = "curl 8 no longer prints the errno here: refused is the usual cause, but unreachable or timed out give the same line (curl -v shows the errno)." },
        new("curl-resolve", "curl (CURLE_COULDNT_RESOLVE_HOST 6)", @"curl: \(6\)|Could not resolve host", "EAI_NONAME", Curl,
            "curl: (6) Could not resolve host: api.internal"),
        new("curl-empty-reply", "curl (CURLE_GOT_NOTHING 52)", @"curl: \(52\)|Empty reply from server", "EOF", Curl,
            "curl: (52) Empty reply from server"),
        new("curl-timeout", "curl (CURLE_OPERATION_TIMEDOUT 28)", @"curl: \(28\)", "ETIMEDOUT", Curl,
            "curl: (28) Connection timed out after 5001 milliseconds")
            { Note = "curl's own --connect-timeout or --max-time ran out; the kernel's ETIMEDOUT did not necessarily fire. The causes are the same: no answer in time." },

        // --- nginx ---
        new("nginx-syscall", "nginx", @"\b(?:recv|send|writev|readv|connect|sendfile|SSL_do_handshake|SSL_read|SSL_write)\(\) (?:to \S+ )?failed \((?<num>\d+): (?<msg>[^)]+)\)",
            null, Nginx, "recv() failed (104: Connection reset by peer) while reading response header from upstream"),
        new("nginx-upstream-timeout", "nginx", @"\bupstream timed out \((?<num>\d+): (?<msg>[^)]+)\)", null, Nginx,
            "upstream timed out (110: Connection timed out) while reading response header from upstream")
            { Note = "nginx's own proxy_read_timeout / proxy_connect_timeout ran out (nginx prints ETIMEDOUT's text for it)." },
        new("nginx-premature", "nginx", @"\bupstream prematurely closed connection\b", "EOF", Nginx,
            "upstream prematurely closed connection while reading response header from upstream"),

        // --- HAProxy ---
        new("haproxy-SC", "HAProxy (termination state SC)", @"(?-i)\sSC[-A-Za-z]{2}\s", "ECONNREFUSED", Haproxy,
            "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/-1/-1/0 503 217 - - SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"")
            { Note = "SC: the server (or something on the path) refused the connection: RST or an ICMP error in answer to the SYN." },
        new("haproxy-sC", "HAProxy (termination state sC)", @"(?-i)\ssC[-A-Za-z]{2}\s", "ETIMEDOUT", Haproxy,
            "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/-1/-1/5001 503 217 - - sC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"")
            { Note = "sC: HAProxy's own 'timeout connect' ran out before the server accepted." },
        new("haproxy-SH", "HAProxy (termination state SH)", @"(?-i)\sSH[-A-Za-z]{2}\s", "EOF", Haproxy,
            "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/-1/2 502 209 - - SH-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"")
            { Note = "SH: the server closed (or reset) before sending its complete response headers." },
        new("haproxy-SD", "HAProxy (termination state SD)", @"(?-i)\sSD[-A-Za-z]{2}\s", "ECONNRESET", Haproxy,
            "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/1/9 200 1024 - - SD-- 1/1/0/0/0 0/0 \"GET /big HTTP/1.1\"")
            { Note = "SD: the connection to the server died with an error during the data transfer." },
        new("haproxy-CD", "HAProxy (termination state CD)", @"(?-i)\sCD[-A-Za-z]{2}\s", "ECONNRESET", Haproxy,
            "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/1/9 200 1024 - - CD-- 1/1/0/0/0 0/0 \"GET /big HTTP/1.1\"")
            { Note = "CD: the client aborted (closed or reset) during the data transfer; the peer here is the client." },

        // --- Envoy ---
        new("envoy-failure", "Envoy", @"reset reason: (?:local |remote )?connection failure|upstream_reset_before_response_started\{(?:local_|remote_)?connection_failure", "ECONNREFUSED", Envoy,
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure")
            { Note = "connection failure: Envoy could not connect to the upstream (refused, or unreachable/timed out: Envoy does not say which)." },
        new("envoy-termination", "Envoy", @"reset reason: connection termination|upstream_reset_before_response_started\{connection_termination", "EOF", Envoy,
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination")
            { Note = "connection termination: the upstream closed the connection (FIN or RST) before the response headers, often the keep-alive race with the upstream's idle timeout." },
        new("envoy-timeout", "Envoy", @"reset reason: connection timeout|upstream_reset_before_response_started\{connection_timeout", "ETIMEDOUT", Envoy,
            "upstream connect error or disconnect/reset before headers. reset reason: connection timeout")
            { Note = "Envoy's own connect_timeout ran out." },

        // --- database drivers ---
        new("libpq-closed", "PostgreSQL (libpq)", @"server closed the connection unexpectedly", "EOF",
            "postgres src/interfaces/libpq/fe-misc.c (pqReadData: \"server closed the connection unexpectedly\")",
            "psql: error: server closed the connection unexpectedly"),
        new("libpq-io", "PostgreSQL (libpq)", @"could not (?:receive data from|send data to) server: (?<msg>[^\r\n]+)", null,
            "postgres src/interfaces/libpq/fe-secure.c (pqsecure_raw_read/write: \"could not receive data from server: %s\")",
            "could not receive data from server: Connection reset by peer"),
        new("libpq-connect", "PostgreSQL (libpq)", @"(?:connection to server at ""[^""]*"" \([^)]*\), port \d+ failed|could not connect to server): (?<msg>[^\r\n]+)", null,
            "postgres src/interfaces/libpq/fe-connect.c (\"connection to server at \\\"%s\\\" (%s), port %s failed: \")",
            "psql: error: connection to server at \"db\" (10.0.0.9), port 5432 failed: Connection refused"),
        new("pgjdbc-refused", "PostgreSQL (pgjdbc)", @"Connection to \S+ refused\. Check that the hostname and port are correct", "ECONNREFUSED",
            "pgjdbc pgjdbc/src/main/java/org/postgresql/core/v3/ConnectionFactoryImpl.java (PSQLState.CONNECTION_UNABLE_TO_CONNECT)",
            "org.postgresql.util.PSQLException: Connection to 10.0.0.9:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections."),
        new("mysql-connect", "MySQL (client, CR_CONN_HOST_ERROR 2003)", @"Can't connect to MySQL server on '[^']*' \((?<num>\d+)\)", null,
            "mysql-server libmysql/errmsg.cc (CR_CONN_HOST_ERROR: \"Can't connect to MySQL server on '%-.100s:%u' (%d)\")",
            "ERROR 2003 (HY000): Can't connect to MySQL server on '10.0.0.9:3306' (111)"),
        new("mysql-lost", "MySQL (client, CR_SERVER_LOST 2013 / CR_SERVER_GONE_ERROR 2006)", @"Lost connection to MySQL server|MySQL server has gone away", "EOF",
            "mysql-server libmysql/errmsg.cc (CR_SERVER_GONE_ERROR \"MySQL server has gone away\", CR_SERVER_LOST \"Lost connection to MySQL server during query\")",
            "ERROR 2013 (HY000): Lost connection to MySQL server during query")
            { Note = "The server closed the connection: often its wait_timeout closed an idle pooled connection, or the server restarted." },
        new("redis-py-connect", "Redis (redis-py)", @"Error (?<num>-?\d+) connecting to \S+?:\d+\. (?<msg>[^\r\n]+)", null,
            "redis/redis-py redis/connection.py (_error_message: \"Error {errno} connecting to {host}:{port}. {message}\")",
            "redis.exceptions.ConnectionError: Error 111 connecting to 10.0.0.9:6379. Connection refused."),
        new("redis-closed", "Redis (redis-py, Jedis)", @"Connection closed by server|Unexpected end of stream", "EOF",
            "redis/redis-py redis/exceptions.py & connection.py (SERVER_CLOSED_CONNECTION_ERROR \"Connection closed by server.\"); redis/jedis Protocol / RedisInputStream (\"Unexpected end of stream.\")",
            "redis.exceptions.ConnectionError: Connection closed by server."),

        // --- Windows: WSA names and numbers anywhere ---
        new("wsa-name", "Windows Sockets (WSA name)", @"\b(?<name>WSAE[A-Z]+|WSAHOST_NOT_FOUND|WSATRY_AGAIN|WSANO_DATA)\b", null,
            "Microsoft Windows Sockets Error Codes (winsock2.h)", "recv failed with error WSAECONNRESET") { Platform = OsPlatform.Windows },
        new("wsa-number", "Windows Sockets (WSA number)", @"(?:\berror(?: code)?|\bWSAGetLastError\(\)|\bcode|\bWinError|\bos error|\bSocketException)\D{0,4}(?<num>100[0-9]{2}|1100[1-4])\b", null,
            "Microsoft Windows Sockets Error Codes (winsock2.h)", "send() failed, error 10054") { Platform = OsPlatform.Windows },
    };

    /// <summary>
    /// Windows FormatMessage texts of the WSA codes (what Windows programs, .NET, Go and Python print there), mapped to catalogue keys.
    /// Source: Microsoft "Windows Sockets Error Codes"; each text is the page's description's first sentence.
    /// </summary>
    public static IReadOnlyList<(string Text, string Key)> WindowsTexts { get; } = new[]
    {
        ("An existing connection was forcibly closed by the remote host", "ECONNRESET"),
        ("An established connection was aborted by the software in your host machine", "ECONNABORTED"),
        ("No connection could be made because the target machine actively refused it", "ECONNREFUSED"),
        ("A connection attempt failed because the connected party did not properly respond after a period of time", "ETIMEDOUT"),
        ("A socket operation was attempted to an unreachable host", "EHOSTUNREACH"),
        ("A socket operation was attempted to an unreachable network", "ENETUNREACH"),
        ("A socket operation encountered a dead network", "ENETDOWN"),
        ("A socket operation failed because the destination host was down", "EHOSTDOWN"),
        ("Only one usage of each socket address (protocol/network address/port) is normally permitted", "EADDRINUSE"),
        ("The requested address is not valid in its context", "EADDRNOTAVAIL"),
        ("A non-blocking socket operation could not be completed immediately", "EAGAIN"),
        ("A request to send or receive data was disallowed because the socket is not connected", "ENOTCONN"),
        ("A request to send or receive data was disallowed because the socket had already been shut down", "ESHUTDOWN"),
        ("An operation on a socket could not be performed because the system lacked sufficient buffer space", "ENOBUFS"),
        ("The connection has been broken due to keep-alive activity detecting a failure while the operation was in progress", "ENETRESET"),
        ("No such host is known", "EAI_NONAME"),
        ("This is usually a temporary error during hostname resolution", "EAI_AGAIN"),
    };

    /// <summary>musl's strerror texts where they differ from glibc's (musl src/errno/__strerror.h).</summary>
    public static IReadOnlyList<(string Text, string Key)> MuslTexts { get; } = new[]
    {
        ("Host is unreachable", "EHOSTUNREACH"), ("Network unreachable", "ENETUNREACH"), ("Address in use", "EADDRINUSE"),
        ("Address not available", "EADDRNOTAVAIL"), ("Connection aborted", "ECONNABORTED"), ("Socket not connected", "ENOTCONN"),
        ("Socket is connected", "EISCONN"), ("Operation in progress", "EINPROGRESS"), ("Connection reset by network", "ENETRESET"),
        ("No file descriptors available", "EMFILE"), ("Message too large", "EMSGSIZE"), ("Operation timed out", "ETIMEDOUT"),
    };

    private const string MuslSource = "musl src/errno/__strerror.h (strerror texts)";

    // Every message text the catalogue knows, longest first, with who spells it so: the fallback for a line no
    // runtime pattern recognised, and the resolver for patterns that capture a message.
    private static readonly IReadOnlyList<(string Text, string Key, string Runtime, string Source, OsPlatform? Platform)> Messages = BuildMessages();

    /// <summary>Every message text <see cref="Match"/> looks for (case-insensitive): with the patterns' anchors, the log scan's prefilter.</summary>
    public static IEnumerable<string> MessageTexts => Messages.Select(m => m.Text);

    // For each pattern, literals one of which every match contains. A line is searched for them first (a vectorised
    // IndexOf), and the expression runs only on a window around each place one occurs: most lines never run most
    // expressions, and no line, however long, makes any expression read more than a few windows.
    private static readonly Dictionary<string, string[]> PatternAnchors = new()
    {
        ["go-op"] = new[] { " tcp", " udp" }, ["go-eof"] = new[] { "EOF" }, ["go-no-such-host"] = new[] { "no such host" },
        ["go-timeout"] = new[] { "i/o timeout" }, ["go-http-closed"] = new[] { "server closed idle connection", "transport connection broken" },
        ["node-syscall"] = new[] { "read E", "write E", "connect E", "accept E", "getaddrinfo E", "listen E", "bind E", "send E", "recv E", "writev E", "shutdown E" },
        ["node-code"] = new[] { "code:" }, ["node-hangup"] = new[] { "socket hang up" },
        ["python-errno"] = new[] { "[Errno " }, ["python-winerror"] = new[] { "[WinError " },
        ["python-class"] = new[] { "ConnectionResetError", "ConnectionRefusedError", "ConnectionAbortedError", "BrokenPipeError" },
        ["python-remote-disconnected"] = new[] { "Remote end closed connection without response" },
        ["java-reset"] = new[] { ": Connection reset" }, ["java-broken-pipe"] = new[] { ": Broken pipe" },
        ["java-refused"] = new[] { "ConnectException: Connection refused" }, ["java-timedout"] = new[] { "ConnectException: Connection timed out" },
        ["java-noroute"] = new[] { "NoRouteToHostException" }, ["java-unknown-host"] = new[] { "UnknownHostException" },
        ["dotnet-socketexception"] = new[] { "SocketException (" }, ["dotnet-transport"] = new[] { " the transport connection: " },
        ["dotnet-http"] = new[] { "HttpRequestException: " }, ["dotnet-response-ended"] = new[] { "The response ended prematurely" },
        ["rust-os-error"] = new[] { " (os error " }, ["rust-kind"] = new[] { "kind: " },
        ["curl-recv"] = new[] { "Recv failure: " }, ["curl-send"] = new[] { "Send failure: " }, ["curl-connect"] = new[] { "Failed to connect to " },
        ["curl-couldnt-connect"] = new[] { "Couldn't connect to server" }, ["curl-resolve"] = new[] { "curl: (6)", "Could not resolve host" },
        ["curl-empty-reply"] = new[] { "curl: (52)", "Empty reply from server" }, ["curl-timeout"] = new[] { "curl: (28)" },
        ["nginx-syscall"] = new[] { "() " }, ["nginx-upstream-timeout"] = new[] { "upstream timed out (" },
        ["nginx-premature"] = new[] { "upstream prematurely closed connection" },
        ["haproxy-SC"] = new[] { "SC" }, ["haproxy-sC"] = new[] { "sC" }, ["haproxy-SH"] = new[] { "SH" }, ["haproxy-SD"] = new[] { "SD" }, ["haproxy-CD"] = new[] { "CD" },
        ["envoy-failure"] = new[] { "connection failure", "connection_failure" },
        ["envoy-termination"] = new[] { "connection termination", "connection_termination" },
        ["envoy-timeout"] = new[] { "connection timeout", "connection_timeout" },
        ["libpq-closed"] = new[] { "server closed the connection unexpectedly" }, ["libpq-io"] = new[] { "data from server: ", "data to server: " },
        ["libpq-connect"] = new[] { "connection to server at ", "could not connect to server: " },
        ["pgjdbc-refused"] = new[] { "Check that the hostname and port are correct" }, ["mysql-connect"] = new[] { "Can't connect to MySQL server on " },
        ["mysql-lost"] = new[] { "Lost connection to MySQL server", "MySQL server has gone away" }, ["redis-py-connect"] = new[] { " connecting to " },
        ["redis-closed"] = new[] { "Connection closed by server", "Unexpected end of stream" },
        ["wsa-name"] = new[] { "WSA" }, ["wsa-number"] = new[] { "100" },
    };

    internal static IReadOnlyList<string> AnchorsOf(string id, string expression) =>
        PatternAnchors.TryGetValue(id, out var anchors) ? anchors : new[] { expression }; // a message pattern: its text is its expression

    /// <summary>How far a match may reach before or after its anchor: a socket error in a log line is a short phrase.</summary>
    public const int WindowReach = 256;

    /// <summary>At most this many windows per expression and line: the bound on the work a line can cause.</summary>
    public const int MaxWindows = 16;

    private static readonly (Regex Regex, string[] Anchors)[] Endpoints =
    {
        (Compile(@"->(?<host>\[[0-9A-Fa-f:.]+\]|[\w.-]+):(?<port>\d{1,5})\b"), new[] { "->" }),                  // Go local->remote
        (Compile(@"\bdial (?:tcp|udp)[46]? (?<host>\[[0-9A-Fa-f:.]+\]|[\w.-]+):(?<port>\d{1,5}):"), new[] { "dial " }), // Go dial
        (Compile(@"\bconnect E[A-Z]+ (?<host>\[?[0-9A-Fa-f:.]+\]?|[\w.-]+):(?<port>\d{1,5})\b"), new[] { "connect E" }),   // Node connect
        (Compile(@"\bupstream: ""\w+://(?<host>\[[0-9A-Fa-f:.]+\]|[^:/""]+):(?<port>\d{1,5})"), new[] { "upstream: " }),      // nginx
        (Compile(@"\bFailed to connect to (?<host>\S+) port (?<port>\d{1,5})\b"), new[] { "Failed to connect to " }),                   // curl
        (Compile(@"\bserver at ""[^""]*"" \((?<host>[^)]+)\), port (?<port>\d{1,5})"), new[] { "server at " }),              // libpq
        (Compile(@"\b(?:connecting to |Connection to |MySQL server on ')(?<host>[\w.-]+|\[[0-9A-Fa-f:.]+\]):(?<port>\d{1,5})\b"), new[] { "connecting to ", "Connection to ", "MySQL server on '" }),
        (Compile(@"\((?<host>[\w.-]+|\[[0-9A-Fa-f:.]+\]):(?<port>\d{1,5})\)"), new[] { "(" }),                     // .NET (host:port)
    };

    /// <summary>
    /// How long one expression may run on one window of a line: a safety net only, since the engine is linear and the
    /// window bounded. Not tight: the non-backtracking engine builds its automaton lazily during the first matches, and
    /// on a loaded machine a cold pattern's first match took over 50 ms, which silently lost a match (a timeout counts as
    /// none).
    /// </summary>
    public static TimeSpan MatchTimeout => TimeSpan.FromSeconds(1); // a property: the patterns above are built before any static field below

    /// <summary>
    /// Every log expression runs on .NET's non-backtracking engine: its time is linear in the line's length whatever the
    /// line holds, so a 100 kB line is read whole (no cut) and a line crafted to make a backtracking engine try every
    /// split (letters with no ':' before "(os error") costs no more than any other.
    /// </summary>
    internal static Regex Compile(string expression, RegexOptions options = RegexOptions.None) =>
        new(expression, options | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);

    /// <summary>
    /// The errors a log line reports, each once, with the most specific pattern that recognised it first (a runtime's own
    /// pattern before a bare errno name or a C library message). Empty when nothing in the line is a known socket error.
    /// </summary>
    public static IReadOnlyList<LogMatch> Match(string line)
    {
        var found = new List<LogMatch>();
        if (string.IsNullOrWhiteSpace(line)) return found;

        foreach (var pattern in All)
        {
            if (FirstMatch(pattern.Regex, pattern.Anchors, line) is not { } m) continue;
            if (Resolve(pattern, m) is not { } hit) continue;
            Add(found, hit);
        }
        foreach (var (text, key, runtime, source, platform) in Messages)
        {
            int at = line.IndexOf(text, StringComparison.OrdinalIgnoreCase);
            if (at < 0 || !WordBounded(line, at, text.Length) || Entry(key) is not { } entry) continue;
            Add(found, new LogMatch(entry, new LogPattern("message", runtime, Regex.Escape(text), key, source, text) { Platform = platform },
                line.Substring(at, text.Length)) { Platform = platform });
        }

        var (host, port) = EndpointIn(line);
        return found.Select(f => f with { Host = host, Port = port }).ToList();
    }

    /// <summary>The remote endpoint a line names, if it names one in a form we know.</summary>
    public static (string? Host, int? Port) EndpointIn(string line)
    {
        foreach (var (regex, anchors) in Endpoints)
        {
            if (FirstMatch(regex, anchors, line) is { } m && int.TryParse(m.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536)
            {
                return (m.Groups["host"].Value.Trim('[', ']'), port);
            }
        }
        return (null, null);
    }

    /// <summary>
    /// The first match of <paramref name="regex"/> near a place where one of its anchors occurs, in line order, trying
    /// at most <see cref="MaxWindows"/> windows. A window reaches <see cref="WindowReach"/> before an anchor and three
    /// times that after it, so the next window begins past every anchor whose match this one could hold whole.
    /// </summary>
    internal static Match? FirstMatch(Regex regex, IReadOnlyList<string> anchors, string line)
    {
        int longest = anchors.Max(a => a.Length);
        bool endAnchored = regex.ToString().EndsWith('$');
        int from = 0;
        for (int windows = 0; windows < MaxWindows && from < line.Length; windows++)
        {
            int at = -1;
            foreach (string anchor in anchors)
            {
                int i = line.IndexOf(anchor, from, StringComparison.OrdinalIgnoreCase);
                if (i >= 0 && (at < 0 || i < at)) at = i;
            }
            if (at < 0) return null;
            int start = Math.Max(0, at - WindowReach);
            int end = Math.Min(line.Length, at + longest + 3 * WindowReach);
            try
            {
                // The engine sees only the window, so $ holds at its end: for an expression that ends in $, a match
                // that ends there, inside the line, is the window's doing and does not count. Any other match cut by an
                // edge still holds the anchor and what it needs around it (a message text, a number).
                Match m = regex.Match(line, start, end - start);
                if (m.Success && !(endAnchored && m.Index + m.Length == end && end < line.Length)) return m;
            }
            catch (RegexMatchTimeoutException) { }
            from = Math.Max(at + 1, end - longest - WindowReach + 1);
        }
        return null;
    }

    private static void Add(List<LogMatch> found, LogMatch hit)
    {
        if (found.Any(f => f.Entry.Key == hit.Entry.Key)) return;
        found.Add(hit);
    }

    private static LogMatch? Resolve(LogPattern pattern, Match m)
    {
        string matched = m.Value.Trim();
        if (pattern.Key is { } key)
        {
            return Entry(key) is { } fixedEntry ? new LogMatch(fixedEntry, pattern, matched) { Platform = pattern.Platform } : null;
        }
        if (m.Groups["kind"] is { Success: true } kind)
        {
            return Kinds.TryGetValue(kind.Value, out var k) && Entry(k) is { } byKind ? new LogMatch(byKind, pattern, matched) : null;
        }
        if (m.Groups["name"] is { Success: true } name)
        {
            string n = Kinds.TryGetValue(name.Value, out var alias) ? alias : name.Value;
            var byName = ErrorCatalog.Entries.FirstOrDefault(e => Same(e.Key, n) || e.Aliases.Any(a => Same(a, n)) || e.Platforms.Any(p => Same(p.Name, n)));
            return byName is null ? null : new LogMatch(byName, pattern, matched)
            {
                Platform = pattern.Platform ?? (n.StartsWith("WSA", StringComparison.OrdinalIgnoreCase) ? OsPlatform.Windows : null),
            };
        }
        string? msg = m.Groups["msg"] is { Success: true } g ? g.Value.Trim().TrimEnd('.').Trim() : null;
        if (m.Groups["num"] is { Success: true } num && int.TryParse(num.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number))
        {
            if (ByNumber(number, msg, pattern.Platform) is { } byNumber)
            {
                return new LogMatch(byNumber.Entry, pattern, matched) { Platform = byNumber.Platform };
            }
        }
        if (msg is not null && ByMessage(msg) is { } byMessage)
        {
            return new LogMatch(byMessage.Entry, pattern, matched) { Platform = pattern.Platform ?? byMessage.Platform };
        }
        return null;
    }

    /// <summary>A number with the message printed beside it: the platform whose number and message agree wins.</summary>
    private static (ErrorEntry Entry, OsPlatform Platform)? ByNumber(int number, string? msg, OsPlatform? only)
    {
        var candidates = ErrorCatalog.Entries
            .SelectMany(e => e.Platforms.Where(p => p.Kind != NumberKind.GaiCode && (p.Number == number || p.DotNetNativeErrorCode == number))
                .Select(p => (Entry: e, Error: p)))
            .Where(c => only is null || c.Error.Platform == only)
            .ToList();
        if (candidates.Count == 0) return null;
        if (msg is not null && ByMessage(msg) is { } said)
        {
            var agree = candidates.FirstOrDefault(c => c.Entry.Key == said.Entry.Key);
            if (agree.Entry is not null) return (agree.Entry, agree.Error.Platform);
            return null; // the number and the text disagree: let the message patterns speak
        }
        return (candidates[0].Entry, candidates[0].Error.Platform);
    }

    private static (ErrorEntry Entry, OsPlatform? Platform)? ByMessage(string text)
    {
        foreach (var (message, key, _, _, platform) in Messages)
        {
            int at = text.IndexOf(message, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && WordBounded(text, at, message.Length) && Entry(key) is { } entry) return (entry, platform);
        }
        return null;
    }

    private static bool WordBounded(string s, int at, int length) =>
        (at == 0 || !char.IsLetterOrDigit(s[at - 1])) && (at + length >= s.Length || !char.IsLetterOrDigit(s[at + length]));

    private static ErrorEntry? Entry(string key) => ErrorCatalog.Entries.FirstOrDefault(e => e.Key == key);

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static List<(string, string, string, string, OsPlatform?)> BuildMessages()
    {
        var list = new List<(string Text, string Key, string Runtime, string Source, OsPlatform? Platform)>();
        foreach (var (text, key) in WindowsTexts) list.Add((text, key, "Windows (FormatMessage)", WinMsg, OsPlatform.Windows));

        // The catalogue's own platform messages: glibc and Apple strerror, gai_strerror, Windows short texts.
        var byText = new Dictionary<string, (string Key, List<OsPlatform> Platforms, string Source)>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in ErrorCatalog.Entries)
        {
            foreach (var p in e.Platforms.Where(p => p.Platform != OsPlatform.Windows)) // Windows: the FormatMessage texts above
            {
                string text = p.Message.TrimEnd('.');
                if (text.Length < 8) continue;
                if (!byText.TryGetValue(text, out var seen)) byText[text] = seen = (e.Key, new List<OsPlatform>(), p.Source);
                if (seen.Key == e.Key && !seen.Platforms.Contains(p.Platform)) seen.Platforms.Add(p.Platform);
            }
        }
        var musl = MuslTexts.ToDictionary(t => t.Text, t => t.Key, StringComparer.OrdinalIgnoreCase);
        foreach (var (text, (key, platforms, source)) in byText)
        {
            string who = string.Join(", ", platforms.Select(p => p switch
            {
                OsPlatform.Linux => "glibc",
                _ => "macOS libc",
            }));
            bool inMusl = musl.ContainsKey(text) || (platforms.Contains(OsPlatform.Linux) && !MuslDiffers(key));
            if (inMusl) who += ", musl";
            OsPlatform? only = platforms.Count == 1 && !(inMusl && platforms[0] == OsPlatform.MacOS) ? platforms[0] : null;
            list.Add((text, key, $"C library strerror ({who})", source, only));
        }
        foreach (var (text, key) in MuslTexts.Where(t => !byText.ContainsKey(t.Text)))
        {
            list.Add((text, key, "C library strerror (musl)", MuslSource, OsPlatform.Linux));
        }
        // Longest first, so "Connection reset by peer" wins over a shorter text inside it.
        return list.OrderByDescending(m => m.Text.Length).ToList();
    }

    private static bool MuslDiffers(string key) => MuslTexts.Any(t => t.Key == key);
}
