using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// -Healthy per attempt: the service answered as a healthy one does. The handshake alone says a
/// process listens; with -ReadMs the answer counts too, as monitoring checks judge it (Nagios/
/// monitoring-plugins check_tcp -s/-e, blackbox_exporter's tcp prober query_response send/expect):
/// a close or reset right after the first bytes (Redis at maxclients: "-ERR max number of clients
/// reached", then FIN) is a refusal in words; a -Send that gets no answer within -ReadMs is a hung
/// service; an answer that does not match -Expect is the wrong one; an HTTP status 5xx is the
/// service (or the proxy in front of it: HAProxy's 503 for a backend that is down) saying it failed.
/// </summary>
public static class ProbeHealth
{
    /// <summary>The first line of an HTTP/1.x request: a method token, a target, the version.</summary>
    private static readonly Regex HttpRequestLine = new(@"\A[A-Z]+ \S+ HTTP/1\.[01]\r?\n", RegexOptions.CultureInvariant);

    /// <summary>The status line of an HTTP/1.x response (RFC 9112 section 4).</summary>
    private static readonly Regex HttpStatusLine = new(@"\AHTTP/1\.[01] ([1-9][0-9]{2})[ \r\n]", RegexOptions.CultureInvariant);

    /// <summary>"the connect ended Refused" and the like, one string per outcome (a sweep of closed ports judges thousands).</summary>
    private static readonly string[] EndedText =
        Enum.GetValues<ProbeOutcome>().Select(outcome => $"the connect ended {outcome}").ToArray();

    /// <summary>True when <paramref name="send"/> starts with an HTTP/1.x request line.</summary>
    public static bool IsHttpRequest(byte[]? send) =>
        send is { Length: > 0 } && HttpRequestLine.IsMatch(Encoding.ASCII.GetString(send, 0, Math.Min(send.Length, 2048)));

    /// <summary>The status code of an HTTP/1.x response's status line, or null when the answer starts otherwise.</summary>
    public static int? HttpStatus(ReadOnlySpan<byte> answer)
    {
        Match m = HttpStatusLine.Match(Encoding.ASCII.GetString(answer[..Math.Min(answer.Length, 64)]));
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// The verdict of one attempt and, when not healthy, why (null when healthy). Without -ReadMs
    /// only the handshake is judged; with it, what the server did after.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (bool Healthy, string? Why) Judge(ProbeResult result, bool sent, bool expecting)
    {
        if (result.Kind != ProbeOutcome.Open)
            return (false, result.After is AfterConnectKind.Closed or AfterConnectKind.Reset
                ? $"the server {(result.After == AfterConnectKind.Reset ? "reset" : "closed")} the connection before answering"
                : EndedText[(int)result.Kind]);
        if (result.After is null) return (true, null);
        if (result.After == AfterConnectKind.Silent)
            return sent ? (false, "no answer to -Send within -ReadMs")
                : expecting ? (false, "the server said nothing within -ReadMs, so nothing matched -Expect")
                : (true, null);
        if (result.HttpStatus is int status && status >= 500)
            return (false, $"HTTP status {status}: the service (or the proxy in front of it) says it failed");
        if (result.ExpectMatched == false) return (false, "the answer did not match -Expect");
        // An HTTP answer that ends the connection (Connection: close) is the protocol's own close, not a refusal.
        bool protocolClose = result.HttpStatus is int ok && ok < 500 && result.AnswerEnd == nameof(AfterConnectKind.Closed);
        if (result.AnswerEnd is not null && !protocolClose)
            return (false, $"the server {(result.AnswerEnd == nameof(AfterConnectKind.Reset) ? "reset" : "closed")} the connection right after its first bytes (a refusal in words, e.g. Redis at maxclients)");
        return (true, null);
    }
}
