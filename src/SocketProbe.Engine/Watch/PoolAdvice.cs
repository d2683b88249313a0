using System.Globalization;

namespace SocketProbe.Engine.Watch;

/// <summary>
/// One HTTP client's fix for the pooled-idle reset: the setting that retires idle connections before the server
/// closes them (<see cref="Setting"/>, with {0} for the seconds), its default, what it retries by itself, and where
/// that is documented. Each name was checked against the source named.
/// </summary>
public sealed record PoolClientSetting(string Client, string Setting, string Default, string Retry, string Source);

/// <summary>
/// The client settings Find-TcpIdleTimeout names when a server closes idle connections: one table, so the advice
/// is data (tested whole), not prose spread through the code. Two parts to the fix everywhere: retire pooled
/// connections before the server's timer does, and retry idempotent requests, because a request can still meet
/// the close on the wire (the race: it arrives as the server closes, and the server's kernel answers with RST).
/// </summary>
public static class PoolAdvice
{
    public static IReadOnlyList<PoolClientSetting> Clients { get; } = new PoolClientSetting[]
    {
        new("Python requests / urllib3",
            "no pool idle timeout exists: urllib3 drops a pooled connection only once the server's FIN has arrived (is_connection_dropped), so retry: session.mount('http://', HTTPAdapter(max_retries=Retry(total=2)))",
            "no idle timeout",
            "urllib3 Retry retries only idempotent methods by default (allowed_methods: DELETE, GET, HEAD, OPTIONS, PUT, TRACE)",
            "urllib3 docs: urllib3.util.Retry (allowed_methods); urllib3 connectionpool.py HTTPConnectionPool._get_conn"),
        new(".NET HttpClient (SocketsHttpHandler)",
            "new SocketsHttpHandler {{ PooledConnectionIdleTimeout = TimeSpan.FromSeconds({0}) }}",
            "1 minute (.NET 6 and later; 2 minutes in .NET Core and .NET 5)",
            "retry idempotent requests in the application (a retry handler)",
            "learn.microsoft.com: SocketsHttpHandler.PooledConnectionIdleTimeout Property"),
        new("Go net/http",
            "&http.Transport{{ IdleConnTimeout: {0} * time.Second }}",
            "90 s in http.DefaultTransport; 0 (no limit) in a Transport of your own",
            "Transport retries a request after a network error on a reused connection when it is idempotent (GET, HEAD, OPTIONS, TRACE, or an Idempotency-Key header) and has no body or a GetBody",
            "pkg.go.dev/net/http#Transport (IdleConnTimeout; retry rules); golang/go src/net/http/transport.go"),
        new("Java java.net.http.HttpClient",
            "-Djdk.httpclient.keepalive.timeout={0}",
            "30 s",
            "retry idempotent requests in the application",
            "docs.oracle.com java.net.http module summary, system property jdk.httpclient.keepalive.timeout (openjdk src/java.net.http/share/classes/module-info.java)"),
        new("Node.js http.Agent",
            "new http.Agent({{ keepAlive: true }}) expires a free socket by the server's Keep-Alive: timeout= hint less agentKeepAliveTimeoutBuffer (nginx sends that header only with keepalive_timeout's second parameter); without the hint, the agentkeepalive package: new Agent({{ freeSocketTimeout: {0}000 }})",
            "no free-socket timeout in core http.Agent without the hint; agentkeepalive: freeSocketTimeout 4000 ms",
            "retry idempotent requests in the application",
            "nodejs doc/api/http.md new Agent([options]) (keepAlive, agentKeepAliveTimeoutBuffer); npm agentkeepalive README (freeSocketTimeout)"),
        new("nginx as the client (proxy_pass to an upstream)",
            "upstream {{ keepalive 16; keepalive_timeout {0}s; }}",
            "60 s (ngx_http_upstream_module, since 1.15.3)",
            "proxy_next_upstream error timeout (the default) passes a failed request to the next server, except POST, LOCK, PATCH once sent (1.9.13; non_idempotent allows them)",
            "nginx.org ngx_http_upstream_module keepalive_timeout; ngx_http_proxy_module proxy_next_upstream"),
    };

    /// <summary>Each client's setting with <paramref name="seconds"/> filled in, its default, its retry and its source, one line per client.</summary>
    public static string[] For(int seconds) => Clients
        .Select(c => $"{c.Client}: {string.Format(CultureInfo.InvariantCulture, c.Setting, seconds)} (default: {c.Default}); retry: {c.Retry} [{c.Source}]")
        .ToArray();
}
