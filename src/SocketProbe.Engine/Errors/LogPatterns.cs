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

    /// <summary>
    /// The other errors the wording can stand for, answered after <see cref="LogPattern.Key"/>: a line that cannot tell
    /// them apart (curl 8's "Couldn't connect to server" is refused, unreachable or timed out) is answered with each.
    /// </summary>
    public IReadOnlyList<string> AlsoKeys { get; init; } = Array.Empty<string>();

    /// <summary>
    /// The wording explains all the text it matched: no other pattern or message text is read inside it (Go's
    /// "lookup x on 127.0.0.53:53: … connection refused" is the resolver's failure, not the target's refusal).
    /// </summary>
    public bool Covers { get; init; }

    /// <summary>
    /// The wording is a wrapper that names no error itself (urllib3's <c>('Connection aborted.', …)</c>): it is not
    /// answered, and the message texts inside it are not read as errors; the error it wraps still is.
    /// </summary>
    public bool Wrapper { get; init; }

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
    private const string NginxResolver = "nginx src/core/ngx_resolver.c (\"%V could not be resolved (%i: %s)\", ngx_resolver_strerror: 1 Format error, 2 Server failure, 3 Host not found, 4 Unimplemented, 5 Operation refused, 110 Operation timed out)";
    private const string Haproxy = "HAProxy doc/configuration.txt section 8.5 \"Session state at disconnection\" (termination state, first two characters), 8.2.2 / 8.2.3 (TCP and HTTP log formats)";
    private const string Envoy = "envoyproxy/envoy source/common/router/router.cc (\"upstream connect error or disconnect/reset before headers. reset reason: \"), source/common/http/utility.cc resetReasonToString; docs: access log RESPONSE_FLAGS (UF, UC)";
    private const string ConnectFailed = "The wording does not say why the connection could not be made: refused (RST), unreachable (ICMP) or timed out look alike; each is answered.";
    private const string ClosedOrReset = "The wording does not tell the peer's close (FIN: EOF) from its reset (RST); both are answered.";
    private const string LookupFailed = "The name lookup failed, and the wording does not tell \"no such name\" (EAI_NONAME) from \"no answer from the resolver\" (EAI_AGAIN); both are answered.";
    private const string OwnTimeout = "The runtime's own timeout ran out (no errno): the peer did not answer in time. The causes are those of ETIMEDOUT.";
    private const string DotNetDnsAgain = "dotnet/runtime src/native/libs/System.Native/pal_networking.c (EAI_AGAIN -> SocketError.TryAgain), SocketErrorPal.Unix.cs (TryAgain rebuilt as EAGAIN)";
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
            "golang/go src/net/net.go (errNoSuchHost = \"no such host\"), src/net/dnsclient_unix.go", "dial tcp: lookup db.internal on 10.0.0.2:53: no such host")
            { Covers = true },
        new("go-lookup", "Go (net.DNSError)", @"\blookup \S+(?: on \S+)?: [^\r\n]+", "EAI_AGAIN",
            "golang/go src/net/dnsclient_unix.go (DNSError \"lookup <name> on <server>: <err>\"; errServerMisbehaving \"server misbehaving\"), src/net/net.go (DNSError.Error)",
            "dial tcp: lookup db.internal on 127.0.0.53:53: read udp 127.0.0.1:46740->127.0.0.53:53: read: connection refused")
            { Covers = true, Note = "The name lookup failed: the resolver (the server after \"on\") did not answer or answered badly. The error after it (refused, i/o timeout) is the resolver's, not the target's." },
        new("go-deadline", "Go (net/http, context)", @"\bcontext deadline exceeded\b|\bClient\.Timeout exceeded\b|\btimeout awaiting response headers\b", "ETIMEDOUT",
            "golang/go src/context/context.go (DeadlineExceeded \"context deadline exceeded\"), src/net/http/client.go (\" (Client.Timeout exceeded while awaiting headers)\"), src/net/http/transport.go (\"timeout awaiting response headers\")",
            "Get \"http://10.0.0.9:8080/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)") { Note = OwnTimeout },
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
            "nodejs/node lib/_http_client.js (connResetException('socket hang up'), code 'ECONNRESET'; also when the request is destroyed, as a 'timeout' handler does)",
            "Error: socket hang up")
        {
            AlsoKeys = new[] { "ECONNRESET", "ETIMEDOUT" },
            Note = "Node gives it code 'ECONNRESET', but it means the socket closed before any response: the server's FIN or RST, or the application destroying the request on its own timeout. " + PooledIdle,
        },
        new("node-timeout", "Node.js (undici, AbortSignal.timeout)",
            @"\bTimeoutError\]?: The operation was aborted due to timeout\b|\b(?:ConnectTimeoutError: Connect|HeadersTimeoutError: Headers|BodyTimeoutError: Body) Timeout Error\b|\bUND_ERR_(?:CONNECT|HEADERS|BODY)_TIMEOUT\b",
            "ETIMEDOUT", "nodejs/node lib/internal/abort_controller.js (AbortSignal.timeout: DOMException \"The operation was aborted due to timeout\", TimeoutError); nodejs/undici lib/core/errors.js (ConnectTimeoutError, HeadersTimeoutError, BodyTimeoutError)",
            "TimeoutError: The operation was aborted due to timeout") { Note = OwnTimeout },
        new("node-other-side-closed", "Node.js (undici)", @"\bother side closed\b", "EOF",
            "nodejs/undici lib/dispatcher/client-h1.js (onHttpSocketEnd: SocketError('other side closed'), code UND_ERR_SOCKET)",
            "SocketError: other side closed") { Note = PooledIdle },

        // --- Python ---
        new("python-errno", "Python (OSError)", @"\[Errno (?<num>-?\d+)\] (?<msg>[^'""\]\)\n]+)", null, PyOs,
            "ConnectionResetError: [Errno 104] Connection reset by peer"),
        new("python-winerror", "Python (OSError on Windows)", @"\[WinError (?<num>\d+)\] (?<msg>[^'""\]\)\n]+)", null, PyOs,
            "ConnectionResetError: [WinError 10054] An existing connection was forcibly closed by the remote host")
            { Platform = OsPlatform.Windows },
        new("python-class", "Python (OSError subclass)", @"\b(?<kind>ConnectionResetError|ConnectionRefusedError|ConnectionAbortedError|BrokenPipeError)\b",
            null, PyOs, "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"),
        new("python-timeout", "Python (TimeoutError)",
            @"\b(?:TimeoutError|socket\.timeout): timed out\b|<urlopen error timed out>|\basyncio\.(?:exceptions\.)?TimeoutError\b|\b(?:ReadTimeoutError|ConnectTimeoutError)\(|\burllib3\.exceptions\.(?:ReadTimeoutError|ConnectTimeoutError)\b|\brequests\.exceptions\.(?:ReadTimeout|ConnectTimeout|Timeout)\b",
            "ETIMEDOUT", "cpython Modules/socketmodule.c (\"timed out\"; socket.timeout is TimeoutError since 3.10), Lib/asyncio/exceptions.py, Lib/urllib/request.py (URLError(err)); urllib3 src/urllib3/exceptions.py (ReadTimeoutError, ConnectTimeoutError); requests src/requests/exceptions.py",
            "TimeoutError: timed out") { Note = OwnTimeout },
        new("python-timeout-bare", "Python (TimeoutError)", @"^\s*TimeoutError\s*$", "ETIMEDOUT",
            "cpython Lib/asyncio/tasks.py (wait_for raises TimeoutError with no message since 3.11; the traceback's last line is the bare name)",
            "TimeoutError") { Note = OwnTimeout },
        new("python-incomplete-read", "Python (http.client, asyncio)", @"\bIncompleteRead(?:Error)?\b", "EOF",
            "cpython Lib/http/client.py (IncompleteRead), Lib/asyncio/exceptions.py (IncompleteReadError: \"{n} bytes read on a total of {m} expected bytes\")",
            "asyncio.exceptions.IncompleteReadError: 0 bytes read on a total of 16 expected bytes")
            { Note = "The peer closed (FIN) before all the bytes expected had come." },
        new("urllib3-aborted", "Python (urllib3)", @"'Connection aborted\.'", null,
            "urllib3 src/urllib3/connectionpool.py (ProtocolError(\"Connection aborted.\", err): the wrapper, not ECONNABORTED)",
            "requests.exceptions.ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))")
            { Wrapper = true },
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
        new("java-unknown-host-said", "Java (java.net.UnknownHostException)", @"\bjava\.net\.UnknownHostException: [^:\s]+: (?<msg>[^\r\n]+)",
            null, "openjdk src/java.base/unix/native/libnet/Inet6AddressImpl.c (NET_ThrowUnknownHostExceptionWithGaiError: \"<host>: <gai_strerror>\")",
            "java.net.UnknownHostException: db.internal: Name or service not known") { Covers = true },
        new("java-unknown-host", "Java (java.net.UnknownHostException)", @"\bjava\.net\.UnknownHostException\b|\bjava\.nio\.channels\.UnresolvedAddressException\b",
            "EAI_NONAME", "openjdk src/java.base/share/classes/java/net/UnknownHostException.java, java/nio/channels/UnresolvedAddressException.java (HttpClient)",
            "java.net.UnknownHostException: db.internal") { AlsoKeys = new[] { "EAI_AGAIN" }, Note = LookupFailed },
        new("java-timeout", "Java (SocketTimeoutException, HttpTimeoutException)",
            @"\bjava\.net\.SocketTimeoutException\b|\bjava\.net\.http\.Http(?:Connect)?TimeoutException\b|\bjava\.net\.ConnectException: HTTP connect timed out\b",
            "ETIMEDOUT", "openjdk src/java.base/share/classes/sun/nio/ch/NioSocketImpl.java (\"Connect timed out\", \"Read timed out\"), src/java.net.http/share/classes/jdk/internal/net/http/ResponseTimerEvent.java (\"request timed out\"), MultiExchange.java (HttpConnectTimeoutException \"HTTP connect timed out\")",
            "java.net.SocketTimeoutException: Read timed out") { Note = OwnTimeout },
        new("java-eof", "Java (EOFException, HttpURLConnection)", @"\bjava\.io\.EOFException\b|\bUnexpected end of file from server\b", "EOF",
            "openjdk src/java.base/share/classes/java/io/DataInputStream.java (EOFException), sun/net/www/http/HttpClient.java (\"Unexpected end of file from server\")",
            "java.net.SocketException: Unexpected end of file from server") { Note = PooledIdle },
        new("java-header-parser", "Java (java.net.http.HttpClient)", @"HTTP/1\.1 header parser received no bytes", "EOF",
            "openjdk src/java.net.http/share/classes/jdk/internal/net/http/Http1Response.java (\"HTTP/1.1 header parser received no bytes\")",
            "java.io.IOException: HTTP/1.1 header parser received no bytes") { AlsoKeys = new[] { "ECONNRESET" }, Note = ClosedOrReset + " " + PooledIdle },
        new("java-socket-said", "Java (java.net)", @"\bjava\.net\.(?:ConnectException|SocketException|NoRouteToHostException|PortUnreachableException): (?<msg>[^\r\n(]+)",
            null, JavaNio, "java.net.ConnectException: No route to host"),

        // --- .NET ---
        new("dotnet-lookup-again", ".NET (HttpRequestException)", @"HttpRequestException: Resource temporarily unavailable \(", "EAI_AGAIN",
            $"{DotNet}; {DotNetDnsAgain}", "System.Net.Http.HttpRequestException: Resource temporarily unavailable (db.internal:80)")
            { Covers = true, Note = "A name lookup that got no answer: on Linux and macOS .NET shows EAI_AGAIN with EAGAIN's text; HttpRequestException's (host:port) says it came from connecting by name." },
        new("dotnet-again", ".NET (SocketException)", @"SocketException \((?:11|35)\): Resource temporarily unavailable", "EAI_AGAIN",
            $"{DotNet}; {DotNetDnsAgain}", "System.Net.Sockets.SocketException (11): Resource temporarily unavailable")
            { AlsoKeys = new[] { "EAGAIN" }, Note = "On Linux and macOS .NET shows a name lookup that got no answer (EAI_AGAIN) as EAGAIN's number and text; a true EAGAIN needs a non-blocking socket." },
        new("dotnet-socketexception", ".NET (SocketException)", @"SocketException \((?<num>-?\d+|0x[0-9A-Fa-f]+)\): (?<msg>[^\r\n(]+)", null, DotNet,
            "System.Net.Sockets.SocketException (104): Connection reset by peer"),
        new("dotnet-timeout", ".NET (HttpClient.Timeout, TimeoutException)", @"\bHttpClient\.Timeout of \d+(?:[.,]\d+)? seconds elapsing\b|\bSystem\.TimeoutException\b", "ETIMEDOUT",
            "dotnet/runtime src/libraries/System.Net.Http/src/Resources/Strings.resx (net_http_request_timedout \"The request was canceled due to the configured HttpClient.Timeout of {0} seconds elapsing.\"), HttpClient.cs (TaskCanceledException with inner TimeoutException)",
            "System.Threading.Tasks.TaskCanceledException: The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.") { Note = OwnTimeout },
        new("dotnet-end-of-stream", ".NET (EndOfStreamException)", @"\bSystem\.IO\.EndOfStreamException\b|\bUnable to read beyond the end of the stream\b", "EOF",
            "dotnet/runtime src/libraries/System.Private.CoreLib/src/Resources/Strings.resx (IO_EOF_ReadBeyondEOF \"Unable to read beyond the end of the stream.\"), Stream.ReadExactly",
            "System.IO.EndOfStreamException: Unable to read beyond the end of the stream."),
        new("dotnet-transport", ".NET (IOException)", @"Unable to (?:read data from|write data to) the transport connection: (?<msg>[^\r\n]+)", null, DotNet,
            "System.IO.IOException: Unable to read data from the transport connection: Connection reset by peer."),
        new("dotnet-http", ".NET (HttpRequestException)", @"HttpRequestException: (?<msg>[^(\r\n]+)", null, DotNet,
            "System.Net.Http.HttpRequestException: Connection refused (localhost:5000)"),
        new("dotnet-response-ended", ".NET (HttpClient)", @"The response ended prematurely", "EOF",
            "dotnet/runtime System.Net.Http Strings.resx net_http_invalid_response_premature_eof (HttpRequestError.ResponseEnded)",
            "System.Net.Http.HttpIOException: The response ended prematurely. (ResponseEnded)")
            {
                AlsoKeys = new[] { "ETIMEDOUT" },
                Note = "The server closed before the whole response; also seen inside a HttpClient.Timeout failure, when the timeout tore the connection down (the outer TaskCanceledException says so).",
            },

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
            {
                AlsoKeys = new[] { "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT" },
                Note = "curl 7.86 and later print no errno here: refused, unreachable and a kernel connect timeout give the same line; each is answered (curl -v shows the errno).",
            },
        new("curl-resolve", "curl (CURLE_COULDNT_RESOLVE_HOST 6)", @"curl: \(6\)|Could not resolve host", "EAI_NONAME", Curl,
            "curl: (6) Could not resolve host: api.internal") { AlsoKeys = new[] { "EAI_AGAIN" }, Note = LookupFailed },
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
        new("nginx-client-closed", "nginx", @"\bclient prematurely closed connection\b", "EOF",
            "nginx src/http/ngx_http_request_body.c, ngx_http_upstream.c (\"client prematurely closed connection\", logged at info)",
            "client prematurely closed connection while reading client request body")
            { Note = "The peer here is the client: it closed (FIN) before its request was read or its answer sent (a client timeout or a user gone)." },
        new("nginx-not-resolved", "nginx (resolver)", @"\bcould not be resolved \(3: Host not found\)", "EAI_NONAME", NginxResolver,
            "nowhere.invalid could not be resolved (3: Host not found)") { Covers = true },
        new("nginx-resolver-failed", "nginx (resolver)", @"\bcould not be resolved \(\d+: [^)]*\)", "EAI_AGAIN", NginxResolver,
            "db.internal could not be resolved (110: Operation timed out)")
            { Covers = true, Note = "nginx's own resolver got no usable answer (timed out, SERVFAIL, refused): the DNS server, not the upstream." },
        new("nginx-host-not-found", "nginx", @"\bhost not found in (?:upstream|resolver)\b", "EAI_NONAME",
            "nginx src/core/ngx_inet.c (ngx_parse_url: \"host not found\"), src/http/ngx_http_upstream.c (\"%s in upstream \\\"%V\\\"\")",
            "[emerg] 1#1: host not found in upstream \"db.internal\" in /etc/nginx/conf.d/default.conf:12")
            { AlsoKeys = new[] { "EAI_AGAIN" }, Note = "Read at start-up or reload (getaddrinfo): " + LookupFailed },
        new("nginx-no-live", "nginx", @"\bno live upstreams\b", "ECONNREFUSED",
            "nginx src/http/ngx_http_upstream.c (\"no live upstreams\"), ngx_http_upstream_round_robin.c (max_fails, fail_timeout); docs proxy_next_upstream (default \"error timeout\")",
            "no live upstreams while connecting to upstream")
            {
                AlsoKeys = new[] { "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EOF" },
                Note = "Every server of the upstream group is marked down (max_fails within fail_timeout) by earlier failures: a connect error, a reset or close before the header, or a timeout. The earlier lines for that upstream name which.",
            },

        // --- HAProxy ---
        // HAProxy's termination state: two characters in TCP logs ("... 0 SC 1/1/0/0/0 0/0"), four in HTTP logs ("SC--").
        HaproxyState("SC", "ECONNREFUSED", "the server, or something on the path, refused the connection: an RST or an ICMP error in answer to the SYN", "EHOSTUNREACH", "ENETUNREACH"),
        HaproxyState("sC", "ETIMEDOUT", "HAProxy's own 'timeout connect' ran out before the server accepted"),
        HaproxyState("SH", "EOF", "the server closed (FIN) or reset before sending its complete response headers", "ECONNRESET"),
        HaproxyState("sH", "ETIMEDOUT", "HAProxy's 'timeout server' ran out while waiting for the response headers"),
        HaproxyState("SD", "ECONNRESET", "the connection to the server died with an error during the data transfer: an RST or an ICMP message"),
        HaproxyState("sD", "ETIMEDOUT", "HAProxy's 'timeout server' ran out during the data transfer"),
        HaproxyState("CD", "ECONNRESET", "the client aborted (closed or reset) during the data transfer; the peer here is the client", "EOF"),
        HaproxyState("cD", "ETIMEDOUT", "HAProxy's 'timeout client' ran out during the data transfer; the peer here is the client"),
        HaproxyState("CH", "EOF", "the client aborted (closed or reset) while waiting for the server's response headers", "ECONNRESET"),
        HaproxyState("CR", "EOF", "the client aborted (closed or reset) before sending a complete request", "ECONNRESET"),
        HaproxyState("cR", "ETIMEDOUT", "HAProxy's 'timeout http-request' ran out before the client sent a complete request (HAProxy answered 408)"),
        new("haproxy-resolve", "HAProxy", @"\bcould not resolve address '", "EAI_NONAME",
            "haproxy src/server.c (\"could not resolve address '%s'\", at configuration parsing)",
            "[ALERT]    (123) : config : [/etc/haproxy/haproxy.cfg:40] : 'server be/s1' : could not resolve address 'db.internal'.")
            { AlsoKeys = new[] { "EAI_AGAIN" }, Note = LookupFailed },

        // --- Envoy ---
        new("envoy-connect-errno", "Envoy", @"(?:reset reason: (?:local |remote )?connection failure, transport failure reason: delayed connect error: |""\s[0-5]\d\d (?:[A-Z]+,)*UF[A-Z,]* upstream_reset_before_response_started\{(?:local_|remote_)?connection_failure,delayed_connect_error:_)(?<num>\d+)",
            null, $"{Envoy}; source/common/network/connection_impl.cc (\"delayed connect error: {{}}\": the connect errno)",
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111")
            { Covers = true, Platform = OsPlatform.Linux },
        new("envoy-failure", "Envoy", @"reset reason: (?:local |remote )?connection failure|upstream_reset_before_response_started\{(?:local_|remote_)?connection_failure|""\s[0-5]\d\d (?:[A-Z]+,)*UF[ ,]", "ECONNREFUSED", Envoy,
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure")
            { AlsoKeys = new[] { "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT" }, Note = "connection failure (flag UF): Envoy could not connect to the upstream. " + ConnectFailed },
        new("envoy-termination", "Envoy", @"reset reason: connection termination|upstream_reset_before_response_started\{connection_termination|""\s[0-5]\d\d (?:[A-Z]+,)*UC[ ,]", "EOF", Envoy,
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination")
            { AlsoKeys = new[] { "ECONNRESET" }, Note = "connection termination (flag UC): the upstream closed the connection (FIN or RST) before the response headers, often the keep-alive race with the upstream's idle timeout." },
        new("envoy-downstream", "Envoy (response flag DC)", @"""\s[0-5]?\d{1,2} (?:[A-Z]+,)*DC[ ,]|\bdownstream_remote_disconnect\b", "EOF", Envoy,
            "[2026-12-02T01:02:03.456Z] \"GET / HTTP/1.1\" 0 DC downstream_remote_disconnect 0 0 512 - \"-\" \"curl/8.5.0\" \"9a1c\" \"api\" \"10.0.0.9:8080\"")
            { AlsoKeys = new[] { "ECONNRESET" }, Note = "DC: the downstream (the client) closed or reset its connection before the response was complete; the peer here is the client." },
        new("envoy-upstream-timeout", "Envoy (response flag UT)", @"""\s[0-5]\d\d (?:[A-Z]+,)*UT[ ,]|\bupstream request timeout\b", "ETIMEDOUT", Envoy,
            "[2026-12-02T01:02:03.456Z] \"GET / HTTP/1.1\" 504 UT response_timeout 0 24 15001 - \"-\" \"curl/8.5.0\" \"9a1c\" \"api\" \"10.0.0.9:8080\"")
            { Note = "UT: the route's timeout ran out before the upstream's response (Envoy's own timeout)." },
        new("envoy-timeout", "Envoy", @"reset reason: connection timeout|upstream_reset_before_response_started\{connection_timeout", "ETIMEDOUT", Envoy,
            "upstream connect error or disconnect/reset before headers. reset reason: connection timeout")
            { Note = "Envoy's own connect_timeout ran out." },

        // --- database drivers ---
        new("libpq-closed", "PostgreSQL (libpq)", @"server closed the connection unexpectedly", "EOF",
            "postgres src/interfaces/libpq/fe-misc.c (pqReadData: \"server closed the connection unexpectedly\"), fe-secure.c (pqsecure_raw_read: ECONNRESET gets the same text)",
            "psql: error: server closed the connection unexpectedly") { AlsoKeys = new[] { "ECONNRESET" }, Note = ClosedOrReset },
        new("libpq-timeout", "PostgreSQL (libpq)", @"\bfailed: timeout expired\b", "ETIMEDOUT",
            "postgres src/interfaces/libpq/fe-connect.c (connect_timeout: \"timeout expired\")",
            "psql: error: connection to server at \"db\" (10.0.0.9), port 5432 failed: timeout expired") { Note = OwnTimeout },
        new("libpq-resolve", "PostgreSQL (libpq)", @"could not translate host name ""[^""]*"" to address: (?<msg>[^\r\n]+)", null,
            "postgres src/interfaces/libpq/fe-connect.c (\"could not translate host name \\\"%s\\\" to address: %s\", gai_strerror)",
            "psql: error: could not translate host name \"db\" to address: Name or service not known"),
        new("libpq-io", "PostgreSQL (libpq)", @"could not (?:receive data from|send data to) server: (?<msg>[^\r\n]+)", null,
            "postgres src/interfaces/libpq/fe-secure.c (pqsecure_raw_read/write: \"could not receive data from server: %s\")",
            "could not receive data from server: Connection reset by peer"),
        new("libpq-connect", "PostgreSQL (libpq)", @"(?:connection to server at ""[^""]*""(?: \([^)]*\))?, port \d+ failed|could not connect to server): (?<msg>[^\r\n]+)", null,
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
        new("redis-cli-connect", "redis-cli (hiredis)", @"\bCould not connect to Redis at \S+: (?<msg>[^\r\n]+)", null,
            "redis/redis src/redis-cli.c (\"Could not connect to Redis at %s:%d: %s\", the hiredis errstr: strerror or gai_strerror)",
            "Could not connect to Redis at 10.0.0.9:6379: Connection refused"),
        new("redis-cli-closed", "redis-cli (hiredis)", @"\bServer closed the connection\b", "EOF",
            "redis/hiredis read.c / net.c (redisBufferRead: \"Server closed the connection\"), printed by redis-cli as \"Error: ...\"",
            "Error: Server closed the connection") { Note = PooledIdle },
        new("socat", "socat", @"\bsocat\[\d+\] [EW] [^\r\n]*: (?<msg>[^:\r\n]+?)\s*$", null,
            "socat error.c (msg(): \"socat[pid] E ...\"), xio-socket.c (\"connect(%d, %s, %d): %s\"), xio-ip.c (\"getaddrinfo(...): %s\")",
            "2026/12/02 01:02:03 socat[123] E connect(5, AF=2 10.0.0.9:80, 16): Connection refused"),
        new("nc-timeout", "netcat (OpenBSD nc)", @"\bnc: connect to \S+ port \d+ \(\w+\) timed out[^\r\n]*", "ETIMEDOUT",
            "netcat-openbsd netcat.c (timeout_connect: -w ran out; warn() appends errno EINPROGRESS, the connect still in progress)",
            "nc: connect to 10.0.0.9 port 80 (tcp) timed out: Operation now in progress")
            { Covers = true, Note = "nc's own -w timeout ran out; the \"Operation now in progress\" after it is the pending connect, not the error." },
        new("nc", "netcat (OpenBSD nc)", @"\bnc: (?:connect to \S+ port \d+ \(\w+\) failed|getaddrinfo for host ""[^""]*"" port \S+): (?<msg>[^\r\n]+)", null,
            "netcat-openbsd netcat.c (warn(\"connect to %s port %s (%s) failed\"), errx(\"getaddrinfo for host \\\"%s\\\" port %s: %s\"))",
            "nc: connect to 10.0.0.9 port 80 (tcp) failed: Connection refused"),
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
        ["go-lookup"] = new[] { "lookup " }, ["go-deadline"] = new[] { "context deadline exceeded", "Client.Timeout exceeded", "timeout awaiting response headers" },
        ["node-timeout"] = new[] { "aborted due to timeout", " Timeout Error", "UND_ERR_" }, ["node-other-side-closed"] = new[] { "other side closed" },
        ["python-timeout"] = new[] { "timed out", "TimeoutError", "ReadTimeout", "ConnectTimeout", "exceptions.Timeout" },
        ["python-timeout-bare"] = new[] { "TimeoutError" }, ["python-incomplete-read"] = new[] { "IncompleteRead" }, ["urllib3-aborted"] = new[] { "'Connection aborted.'" },
        ["java-unknown-host-said"] = new[] { "UnknownHostException: " }, ["java-timeout"] = new[] { "TimeoutException", "HTTP connect timed out" },
        ["java-eof"] = new[] { "EOFException", "Unexpected end of file from server" }, ["java-header-parser"] = new[] { "header parser received no bytes" },
        ["java-socket-said"] = new[] { "java.net." },
        ["dotnet-lookup-again"] = new[] { "HttpRequestException: Resource temporarily unavailable" }, ["dotnet-again"] = new[] { "Resource temporarily unavailable" },
        ["dotnet-timeout"] = new[] { "HttpClient.Timeout of ", "System.TimeoutException" }, ["dotnet-end-of-stream"] = new[] { "EndOfStreamException", "beyond the end of the stream" },
        ["nginx-client-closed"] = new[] { "client prematurely closed connection" }, ["nginx-not-resolved"] = new[] { "could not be resolved (" },
        ["nginx-resolver-failed"] = new[] { "could not be resolved (" }, ["nginx-host-not-found"] = new[] { "host not found in " }, ["nginx-no-live"] = new[] { "no live upstreams" },
        ["haproxy-resolve"] = new[] { "could not resolve address '" },
        ["envoy-connect-errno"] = new[] { "delayed connect error", "delayed_connect_error" },
        ["envoy-downstream"] = new[] { " DC ", " DC,", ",DC ", "downstream_remote_disconnect" }, ["envoy-upstream-timeout"] = new[] { " UT ", " UT,", ",UT ", "upstream request timeout" },
        ["libpq-timeout"] = new[] { "failed: timeout expired" }, ["libpq-resolve"] = new[] { "could not translate host name " },
        ["redis-cli-connect"] = new[] { "Could not connect to Redis at " }, ["redis-cli-closed"] = new[] { "Server closed the connection" },
        ["socat"] = new[] { "socat[" }, ["nc-timeout"] = new[] { "nc: connect to " }, ["nc"] = new[] { "nc: " },
        ["go-op"] = new[] { " tcp", " udp" }, ["go-eof"] = new[] { "EOF" }, ["go-no-such-host"] = new[] { "no such host" },
        ["go-timeout"] = new[] { "i/o timeout" }, ["go-http-closed"] = new[] { "server closed idle connection", "transport connection broken" },
        ["node-syscall"] = new[] { "read E", "write E", "connect E", "accept E", "getaddrinfo E", "listen E", "bind E", "send E", "recv E", "writev E", "shutdown E" },
        ["node-code"] = new[] { "code:" }, ["node-hangup"] = new[] { "socket hang up" },
        ["python-errno"] = new[] { "[Errno " }, ["python-winerror"] = new[] { "[WinError " },
        ["python-class"] = new[] { "ConnectionResetError", "ConnectionRefusedError", "ConnectionAbortedError", "BrokenPipeError" },
        ["python-remote-disconnected"] = new[] { "Remote end closed connection without response" },
        ["java-reset"] = new[] { ": Connection reset" }, ["java-broken-pipe"] = new[] { ": Broken pipe" },
        ["java-refused"] = new[] { "ConnectException: Connection refused" }, ["java-timedout"] = new[] { "ConnectException: Connection timed out" },
        ["java-noroute"] = new[] { "NoRouteToHostException" }, ["java-unknown-host"] = new[] { "UnknownHostException", "UnresolvedAddressException" },
        ["dotnet-socketexception"] = new[] { "SocketException (" }, ["dotnet-transport"] = new[] { " the transport connection: " },
        ["dotnet-http"] = new[] { "HttpRequestException: " }, ["dotnet-response-ended"] = new[] { "The response ended prematurely" },
        ["rust-os-error"] = new[] { " (os error " }, ["rust-kind"] = new[] { "kind: " },
        ["curl-recv"] = new[] { "Recv failure: " }, ["curl-send"] = new[] { "Send failure: " }, ["curl-connect"] = new[] { "Failed to connect to " },
        ["curl-couldnt-connect"] = new[] { "Couldn't connect to server" }, ["curl-resolve"] = new[] { "curl: (6)", "Could not resolve host" },
        ["curl-empty-reply"] = new[] { "curl: (52)", "Empty reply from server" }, ["curl-timeout"] = new[] { "curl: (28)" },
        ["nginx-syscall"] = new[] { "() " }, ["nginx-upstream-timeout"] = new[] { "upstream timed out (" },
        ["nginx-premature"] = new[] { "upstream prematurely closed connection" },
        ["envoy-failure"] = new[] { "connection failure", "connection_failure", " UF" },
        ["envoy-termination"] = new[] { "connection termination", "connection_termination", " UC" },
        ["envoy-timeout"] = new[] { "connection timeout", "connection_timeout" },
        ["libpq-closed"] = new[] { "server closed the connection unexpectedly" }, ["libpq-io"] = new[] { "data from server: ", "data to server: " },
        ["libpq-connect"] = new[] { "connection to server at ", "could not connect to server: " },
        ["pgjdbc-refused"] = new[] { "Check that the hostname and port are correct" }, ["mysql-connect"] = new[] { "Can't connect to MySQL server on " },
        ["mysql-lost"] = new[] { "Lost connection to MySQL server", "MySQL server has gone away" }, ["redis-py-connect"] = new[] { " connecting to " },
        ["redis-closed"] = new[] { "Connection closed by server", "Unexpected end of stream" },
        ["wsa-name"] = new[] { "WSA" }, ["wsa-number"] = new[] { "100" },
    };

    internal static IReadOnlyList<string> AnchorsOf(string id, string expression) =>
        PatternAnchors.TryGetValue(id, out var anchors) ? anchors
        : id.StartsWith("haproxy-", StringComparison.Ordinal) && id.Length == 10 ? new[] { " " + id[8..] } // a termination state: " SC" in either format
        : new[] { expression }; // a message pattern: its text is its expression

    /// <summary>
    /// HAProxy's termination state <paramref name="state"/> (doc/configuration.txt 8.5), in a TCP log (two characters
    /// before the connection counts) or an HTTP log (four characters).
    /// </summary>
    private static LogPattern HaproxyState(string state, string key, string meaning, params string[] alsoKeys) =>
        new($"haproxy-{state}", $"HAProxy (termination state {state})",
            $@"(?-i)\s(?:[0-9]+ {state} [0-9]+/[0-9]+/[0-9]+/[0-9]+/\+?[0-9]+ [0-9]+/[0-9]+|{state}[-A-Za-z]{{2}} [0-9]+/[0-9]+/[0-9]+/[0-9]+/\+?[0-9]+ )",
            key, Haproxy, $"127.0.0.1:35548 [07/Dec/2026:19:56:16.345] fe be/s 0/0/-1/-1/0 503 217 - - {state}-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"")
        {
            AlsoKeys = alsoKeys,
            Note = $"{state}: {meaning}." + (alsoKeys.Length > 0 ? " The state does not tell which; each is answered." : ""),
        };

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

        // Wrappers and covering wordings first: what they matched is not read again by the others.
        var covered = new List<(int Start, int End)>();
        bool Inside(int at) => covered.Any(c => at >= c.Start && at < c.End);
        foreach (var pattern in All.Where(p => p.Covers || p.Wrapper).Concat(All.Where(p => !p.Covers && !p.Wrapper)))
        {
            if (FirstMatch(pattern.Regex, pattern.Anchors, line) is not { } m || Inside(m.Index)) continue;
            if (pattern.Covers || pattern.Wrapper) covered.Add((m.Index, m.Index + m.Length));
            if (pattern.Wrapper || Resolve(pattern, m) is not { } hit) continue;
            Add(found, hit);
            foreach (string also in pattern.AlsoKeys)
            {
                if (Entry(also) is { } alsoEntry) Add(found, hit with { Entry = alsoEntry });
            }
        }
        foreach (var (text, key, runtime, source, platform) in Messages)
        {
            int at = line.IndexOf(text, StringComparison.OrdinalIgnoreCase);
            while (at >= 0 && Inside(at)) at = line.IndexOf(text, at + 1, StringComparison.OrdinalIgnoreCase);
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
