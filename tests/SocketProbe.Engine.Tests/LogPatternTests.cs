using SocketProbe.Engine;
using SocketProbe.Engine.Errors;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>Every log-line pattern against a real sample line: the error it means and who printed it.</summary>
public class LogPatternTests
{
    // One row per pattern in LogPatterns.All: its id, a real line, the error that line means.
    public static TheoryData<string, string, string> Samples => new()
    {
        { "go-op", "read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer", "ECONNRESET" },
        { "go-eof", "Get \"http://10.0.0.9:8080/health\": EOF", "EOF" },
        { "go-no-such-host", "dial tcp: lookup db.internal on 10.0.0.2:53: no such host", "EAI_NONAME" },
        { "go-timeout", "dial tcp 10.0.0.9:5432: i/o timeout", "ETIMEDOUT" },
        { "go-http-closed", "Post \"http://api:8080/v1\": http: server closed idle connection", "EOF" },
        { "node-syscall", "Error: read ECONNRESET", "ECONNRESET" },
        { "node-code", "{ errno: -104, code: 'ECONNRESET', syscall: 'read' }", "ECONNRESET" },
        { "node-hangup", "Error: socket hang up", "EOF" },
        { "python-errno", "ConnectionResetError: [Errno 104] Connection reset by peer", "ECONNRESET" },
        { "python-winerror", "ConnectionResetError: [WinError 10054] An existing connection was forcibly closed by the remote host", "ECONNRESET" },
        { "python-class", "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", "ECONNRESET" },
        { "python-remote-disconnected", "http.client.RemoteDisconnected: Remote end closed connection without response", "EOF" },
        { "java-reset", "java.net.SocketException: Connection reset", "ECONNRESET" },
        { "java-broken-pipe", "java.net.SocketException: Broken pipe (Write failed)", "EPIPE" },
        { "java-refused", "java.net.ConnectException: Connection refused (Connection refused)", "ECONNREFUSED" },
        { "java-timedout", "java.net.ConnectException: Connection timed out: connect", "ETIMEDOUT" },
        { "java-noroute", "java.net.NoRouteToHostException: No route to host (Host unreachable)", "EHOSTUNREACH" },
        { "java-unknown-host-said", "java.net.UnknownHostException: db.internal: Name or service not known", "EAI_NONAME" },
        { "java-unknown-host", "Exception in thread \"main\" java.net.UnknownHostException: nowhere.invalid", "EAI_NONAME" },
        { "java-timeout", "Exception in thread \"main\" java.net.SocketTimeoutException: Read timed out", "ETIMEDOUT" },
        { "java-eof", "Exception in thread \"main\" java.net.SocketException: Unexpected end of file from server", "EOF" },
        { "java-header-parser", "Caused by: java.io.IOException: HTTP/1.1 header parser received no bytes", "EOF" },
        { "java-socket-said", "Caused by: java.net.ConnectException: No route to host", "EHOSTUNREACH" },
        { "go-lookup", "dial tcp: lookup nowhere.invalid on 127.0.0.1:53: read udp 127.0.0.1:47973->127.0.0.1:53: read: connection refused", "EAI_AGAIN" },
        { "go-deadline", "Get \"http://127.0.0.1:18005/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "ETIMEDOUT" },
        { "node-timeout", "TimeoutError: The operation was aborted due to timeout", "ETIMEDOUT" },
        { "node-other-side-closed", "cause: SocketError: other side closed", "EOF" },
        { "python-timeout", "urllib.error.URLError: <urlopen error timed out>", "ETIMEDOUT" },
        { "python-timeout-bare", "TimeoutError", "ETIMEDOUT" },
        { "python-incomplete-read", "asyncio.exceptions.IncompleteReadError: 0 bytes read on a total of 16 expected bytes", "EOF" },
        { "dotnet-lookup-again", "Unhandled exception. System.Net.Http.HttpRequestException: Resource temporarily unavailable (nowhere.invalid:80)", "EAI_AGAIN" },
        { "dotnet-again", " ---> System.Net.Sockets.SocketException (11): Resource temporarily unavailable", "EAI_AGAIN" },
        { "dotnet-timeout", "Unhandled exception. System.Threading.Tasks.TaskCanceledException: The request was canceled due to the configured HttpClient.Timeout of 2 seconds elapsing.", "ETIMEDOUT" },
        { "dotnet-end-of-stream", "Unhandled exception. System.IO.EndOfStreamException: Unable to read beyond the end of the stream.", "EOF" },
        { "nginx-client-closed", "2026/12/07 19:59:19 [info] 25901#25901: *21 client prematurely closed connection, client: 127.0.0.1, server: , request: \"POST / HTTP/1.1\", host: \"x\"", "EOF" },
        { "nginx-not-resolved", "2026/12/07 19:59:16 [error] 25901#25901: *13 nowhere.invalid could not be resolved (3: Host not found), client: 127.0.0.1", "EAI_NONAME" },
        { "nginx-resolver-failed", "2026/12/07 20:00:00 [error] 7#7: *5 nowhere.invalid could not be resolved (110: Operation timed out), client: 127.0.0.1", "EAI_AGAIN" },
        { "nginx-host-not-found", "2026/12/07 19:59:19 [emerg] 26772#26772: host not found in upstream \"nowhere.invalid\" in /etc/nginx/nginx.conf:6", "EAI_NONAME" },
        { "nginx-no-live", "2026/12/07 19:59:17 [error] 25901#25901: *18 no live upstreams while connecting to upstream, client: 127.0.0.1, upstream: \"http://pair/\"", "ECONNREFUSED" },
        { "haproxy-sH", "127.0.0.1:55568 [07/Dec/2026:19:59:22.184] h18205 bh18205/s 0/0/0/-1/1002 504 198 - - sH-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"", "ETIMEDOUT" },
        { "haproxy-sD", "127.0.0.1:57020 [07/Dec/2026:19:59:23.560] t18205 bt18205/s 1/0/1001 0 sD 1/1/0/0/0 0/0", "ETIMEDOUT" },
        { "haproxy-cD", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/1/30001 200 1024 - - cD-- 1/1/0/0/0 0/0 \"GET /big HTTP/1.1\"", "ETIMEDOUT" },
        { "haproxy-CH", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/-1/812 -1 0 - - CH-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"", "EOF" },
        { "haproxy-CR", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe fe/<NOSRV> -1/-1/-1/-1/3 400 0 - - CR-- 1/1/0/0/0 0/0 \"<BADREQ>\"", "EOF" },
        { "haproxy-cR", "127.0.0.1:58936 [07/Dec/2026:19:59:30.506] h18205 h18205/<NOSRV> -1/-1/-1/-1/1002 408 0 - - cR-- 1/1/0/0/0 0/0 \"<BADREQ>\"", "ETIMEDOUT" },
        { "haproxy-resolve", "[ALERT]    (27482) : config : [/etc/haproxy/haproxy.cfg:6] : 'server b/s' : could not resolve address 'nowhere.invalid'.", "EAI_NONAME" },
        { "envoy-connect-errno", "[2026-12-07T20:00:00.000Z] \"GET / HTTP/1.1\" 503 UF upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111} 0 145 0 - \"-\"", "ECONNREFUSED" },
        { "envoy-downstream", "[2026-12-07T20:00:00.000Z] \"GET / HTTP/1.1\" 0 DC downstream_remote_disconnect 0 0 512 - \"-\"", "EOF" },
        { "envoy-upstream-timeout", "[2026-12-07T20:00:00.000Z] \"GET / HTTP/1.1\" 504 UT response_timeout 0 24 15001 - \"-\"", "ETIMEDOUT" },
        { "libpq-timeout", "psql: error: connection to server at \"127.13.0.3\", port 80 failed: timeout expired", "ETIMEDOUT" },
        { "libpq-resolve", "psql: error: could not translate host name \"nowhere.invalid\" to address: Temporary failure in name resolution", "EAI_AGAIN" },
        { "redis-cli-connect", "Could not connect to Redis at 127.13.0.4:80: No route to host", "EHOSTUNREACH" },
        { "redis-cli-closed", "Error: Server closed the connection", "EOF" },
        { "socat", "2026/12/07 19:52:30 socat[410] E write(5, 0x56000d5e2000, 8192): Connection reset by peer", "ECONNRESET" },
        { "nc-timeout", "nc: connect to 127.13.0.3 port 80 (tcp) timed out: Operation now in progress", "ETIMEDOUT" },
        { "nc", "nc: getaddrinfo for host \"nowhere.invalid\" port 80: Name or service not known", "EAI_NONAME" },
        { "dotnet-socketexception", "System.Net.Sockets.SocketException (104): Connection reset by peer", "ECONNRESET" },
        { "dotnet-transport", "System.IO.IOException: Unable to read data from the transport connection: Connection reset by peer.", "ECONNRESET" },
        { "dotnet-http", "System.Net.Http.HttpRequestException: Connection refused (localhost:5000)", "ECONNREFUSED" },
        { "dotnet-response-ended", "System.Net.Http.HttpIOException: The response ended prematurely. (ResponseEnded)", "EOF" },
        { "rust-os-error", "Error: Connection reset by peer (os error 104)", "ECONNRESET" },
        { "rust-kind", "Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" }", "ECONNREFUSED" },
        { "curl-recv", "curl: (56) Recv failure: Connection reset by peer", "ECONNRESET" },
        { "curl-send", "curl: (55) Send failure: Broken pipe", "EPIPE" },
        { "curl-connect", "curl: (7) Failed to connect to 10.0.0.9 port 8080 after 2 ms: Connection refused", "ECONNREFUSED" },
        { "curl-couldnt-connect", "curl: (7) Failed to connect to 10.0.0.9 port 8080 after 0 ms: Couldn't connect to server", "ECONNREFUSED" },
        { "curl-resolve", "curl: (6) Could not resolve host: api.internal", "EAI_NONAME" },
        { "curl-empty-reply", "curl: (52) Empty reply from server", "EOF" },
        { "curl-timeout", "curl: (28) Connection timed out after 5001 milliseconds", "ETIMEDOUT" },
        { "nginx-syscall", "2026/12/02 01:02:03 [error] 7#7: *1 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 10.0.0.1, server: _, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:8080/\"", "ECONNRESET" },
        { "nginx-upstream-timeout", "2026/12/02 01:02:03 [error] 7#7: *1 upstream timed out (110: Connection timed out) while reading response header from upstream", "ETIMEDOUT" },
        { "nginx-premature", "2026/12/02 01:02:03 [error] 7#7: *1 upstream prematurely closed connection while reading response header from upstream", "EOF" },
        { "haproxy-SC", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/-1/-1/0 503 217 - - SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"", "ECONNREFUSED" },
        { "haproxy-sC", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/-1/-1/5001 503 217 - - sC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"", "ETIMEDOUT" },
        { "haproxy-SH", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/-1/2 502 209 - - SH-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"", "EOF" },
        { "haproxy-SD", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/1/9 200 1024 - - SD-- 1/1/0/0/0 0/0 \"GET /big HTTP/1.1\"", "ECONNRESET" },
        { "haproxy-CD", "haproxy[123]: 10.0.0.1:5000 [02/Dec/2026:01:02:03.456] fe be/srv1 0/0/0/1/9 200 1024 - - CD-- 1/1/0/0/0 0/0 \"GET /big HTTP/1.1\"", "ECONNRESET" },
        { "envoy-failure", "upstream connect error or disconnect/reset before headers. reset reason: connection failure", "ECONNREFUSED" },
        { "envoy-termination", "upstream connect error or disconnect/reset before headers. reset reason: connection termination", "EOF" },
        { "envoy-timeout", "upstream connect error or disconnect/reset before headers. reset reason: connection timeout", "ETIMEDOUT" },
        { "libpq-closed", "psql: error: server closed the connection unexpectedly", "EOF" },
        { "libpq-io", "could not receive data from server: Connection reset by peer", "ECONNRESET" },
        { "libpq-connect", "psql: error: connection to server at \"db\" (10.0.0.9), port 5432 failed: Connection refused", "ECONNREFUSED" },
        { "pgjdbc-refused", "org.postgresql.util.PSQLException: Connection to 10.0.0.9:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.", "ECONNREFUSED" },
        { "mysql-connect", "ERROR 2003 (HY000): Can't connect to MySQL server on '10.0.0.9:3306' (111)", "ECONNREFUSED" },
        { "mysql-lost", "ERROR 2013 (HY000): Lost connection to MySQL server during query", "EOF" },
        { "redis-py-connect", "redis.exceptions.ConnectionError: Error 111 connecting to 10.0.0.9:6379. Connection refused.", "ECONNREFUSED" },
        { "redis-closed", "redis.exceptions.ConnectionError: Connection closed by server.", "EOF" },
        { "wsa-name", "recv failed with error WSAECONNRESET", "ECONNRESET" },
        { "wsa-number", "send() failed, error 10054", "ECONNRESET" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Each_pattern_reads_its_sample_line(string id, string line, string key)
    {
        var first = LogPatterns.Match(line).First();
        Assert.Equal(id, first.Pattern.Id);
        Assert.Equal(key, first.Entry.Key);
        Assert.False(string.IsNullOrWhiteSpace(first.Pattern.Runtime));
        Assert.False(string.IsNullOrWhiteSpace(first.Pattern.Source));
    }

    [Fact]
    public void Every_pattern_has_a_sample_test_and_its_own_sample_matches()
    {
        var tested = Samples.Select(row => (string)row[0]).ToHashSet();
        foreach (var pattern in LogPatterns.All)
        {
            if (pattern.Wrapper) continue; // answers nothing by design: Wrappers_answer_only_what_they_wrap
            Assert.Contains(pattern.Id, tested);
            Assert.Contains(LogPatterns.Match(pattern.Sample), m => m.Pattern.Id == pattern.Id);
        }
        Assert.Equal(LogPatterns.All.Count, LogPatterns.All.Select(p => p.Id).Distinct().Count());
    }

    [Theory] // the lines from the issue, with the runtime named
    [InlineData("Error: read ECONNRESET", "ECONNRESET", "Node.js")]
    [InlineData("[Errno 104] Connection reset by peer", "ECONNRESET", "Python")]
    [InlineData("java.net.SocketException: Connection reset", "ECONNRESET", "Java")]
    [InlineData("read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer", "ECONNRESET", "Go")]
    [InlineData("write tcp 10.0.0.5:51234->10.0.0.9:5432: write: broken pipe", "EPIPE", "Go")]
    [InlineData("An existing connection was forcibly closed by the remote host", "ECONNRESET", "Windows")]
    public void The_issue_examples(string line, string key, string runtime)
    {
        var m = Assert.Single(LogPatterns.Match(line));
        Assert.Equal(key, m.Entry.Key);
        Assert.Contains(runtime, m.Pattern.Runtime);
    }

    [Theory] // C library and Windows wordings anywhere in a line, with the platform they imply
    [InlineData("myapp: send: Connection reset by peer", "ECONNRESET", "glibc", null)]
    [InlineData("worker 3: connect: Host is unreachable", "EHOSTUNREACH", "musl", OsPlatform.Linux)]
    [InlineData("connect to 10.0.0.9: Network unreachable", "ENETUNREACH", "musl", OsPlatform.Linux)]
    [InlineData("rsync: connection unexpectedly closed: Operation timed out", "ETIMEDOUT", "macOS", null)]
    [InlineData("ssh: connect to host db port 22: Connection timed out", "ETIMEDOUT", "glibc", OsPlatform.Linux)]
    [InlineData("Can't assign requested address", "EADDRNOTAVAIL", "macOS", OsPlatform.MacOS)]
    [InlineData("Exception: No connection could be made because the target machine actively refused it. 127.0.0.1:8080", "ECONNREFUSED", "Windows", OsPlatform.Windows)]
    [InlineData("A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed", "ETIMEDOUT", "Windows", OsPlatform.Windows)]
    [InlineData("An established connection was aborted by the software in your host machine.", "ECONNABORTED", "Windows", OsPlatform.Windows)]
    public void C_library_and_Windows_texts(string line, string key, string runtime, OsPlatform? platform)
    {
        var m = LogPatterns.Match(line).First();
        Assert.Equal(key, m.Entry.Key);
        Assert.Contains(runtime, m.Pattern.Runtime);
        Assert.Equal(platform, m.Platform);
    }

    [Theory] // a number alone is read on the platform whose message agrees
    [InlineData("[Errno 54] Connection reset by peer", OsPlatform.MacOS)]
    [InlineData("[Errno 104] Connection reset by peer", OsPlatform.Linux)]
    [InlineData("System.Net.Sockets.SocketException (10054): An existing connection was forcibly closed by the remote host.", OsPlatform.Windows)]
    public void Numbers_with_their_message_name_the_platform(string line, OsPlatform platform)
    {
        var m = Assert.Single(LogPatterns.Match(line));
        Assert.Equal("ECONNRESET", m.Entry.Key);
        Assert.Equal(platform, m.Platform);
    }

    [Theory]
    [InlineData("read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer", "10.0.0.9", 5432)]
    [InlineData("Error: connect ECONNREFUSED 127.0.0.1:6379", "127.0.0.1", 6379)]
    [InlineData("recv() failed (104: Connection reset by peer) while reading response header from upstream, upstream: \"http://10.0.0.9:8080/\"", "10.0.0.9", 8080)]
    [InlineData("curl: (7) Failed to connect to api.internal port 443 after 3 ms: Connection refused", "api.internal", 443)]
    [InlineData("redis.exceptions.ConnectionError: Error 111 connecting to cache:6379. Connection refused.", "cache", 6379)]
    public void The_endpoint_a_line_names_goes_into_the_next_step(string line, string host, int port)
    {
        var m = LogPatterns.Match(line).First();
        Assert.Equal(host, m.Host);
        Assert.Equal(port, m.Port);
        Assert.Contains($"-ComputerName '{host}' -Port {port}", NextSteps.For(m.Entry, m.Host, m.Port).Text);
    }

    [Theory]
    [InlineData("GET /index.html HTTP/1.1 200 1024")]
    [InlineData("read error: everything is fine")]
    [InlineData("urllib3.exceptions.ProtocolError: ('Connection aborted.', BadStatusLine('garbage'))")]
    [InlineData("")]
    public void Lines_without_a_socket_error_match_nothing(string line) => Assert.Empty(LogPatterns.Match(line));

    [Theory] // urllib3's wrapper text is not ECONNABORTED (the musl text "Connection aborted"); what it wraps is answered
    [InlineData("requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", "ECONNRESET")]
    [InlineData("urllib3.exceptions.ProtocolError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))", "EOF")]
    public void Wrappers_answer_only_what_they_wrap(string line, string key) =>
        Assert.Equal(new[] { key }, LogPatterns.Match(line).Select(m => m.Entry.Key));

    [Theory] // a wording that stands for several errors answers each, the likeliest first
    [InlineData("curl: (7) Failed to connect to 127.0.0.1 port 18001 after 0 ms: Couldn't connect to server", "ECONNREFUSED,EHOSTUNREACH,ENETUNREACH,ETIMEDOUT")]
    [InlineData("psql: error: connection to server at \"127.0.0.1\", port 18002 failed: server closed the connection unexpectedly", "EOF,ECONNRESET")]
    [InlineData("Error: socket hang up", "EOF,ECONNRESET,ETIMEDOUT")]
    [InlineData("curl: (6) Could not resolve host: nowhere.invalid", "EAI_NONAME,EAI_AGAIN")]
    public void Lines_that_can_be_several_errors_answer_each(string line, string keys) =>
        Assert.Equal(keys.Split(','), LogPatterns.Match(line).Select(m => m.Entry.Key));

    [Theory] // a failed name lookup seen through another error is the lookup's failure, not the target's
    [InlineData("dial tcp: lookup nowhere.invalid on 127.0.0.1:53: read udp 127.0.0.1:47973->127.0.0.1:53: read: connection refused", "EAI_AGAIN")]
    [InlineData("dial tcp: lookup db.internal on 10.0.0.2:53: dial udp 10.0.0.2:53: i/o timeout", "EAI_AGAIN")]
    [InlineData("2026/12/07 20:00:00 [error] 7#7: *5 nowhere.invalid could not be resolved (110: Operation timed out), client: 127.0.0.1", "EAI_AGAIN")]
    [InlineData("Unhandled exception. System.Net.Http.HttpRequestException: Resource temporarily unavailable (nowhere.invalid:80)", "EAI_AGAIN")]
    public void Name_resolution_seen_through_other_errors(string line, string key) =>
        Assert.Equal(new[] { key }, LogPatterns.Match(line).Select(m => m.Entry.Key));

    [Fact]
    public void Every_entry_has_a_next_step_naming_a_command() =>
        Assert.All(ErrorCatalog.Entries, e => Assert.Matches(@"^([A-Z][a-z]+-[A-Z]\w+|ulimit|ss -)", NextSteps.For(e).Command));

    [Fact]
    public void Every_expression_runs_on_the_linear_engine_with_a_timeout()
    {
        // Linear time in the line's length whatever it holds, and a timeout as a net: the bound on a line's cost.
        Assert.All(LogPatterns.All, p =>
        {
            Assert.True(p.Regex.Options.HasFlag(System.Text.RegularExpressions.RegexOptions.NonBacktracking), p.Id);
            Assert.InRange(p.Regex.MatchTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
            Assert.NotEmpty(p.Anchors);
        });
    }

    [Fact]
    public void Every_sample_holds_one_of_its_patterns_anchors() =>
        Assert.All(LogPatterns.All, p => Assert.Contains(p.Anchors, a => p.Sample.Contains(a, StringComparison.OrdinalIgnoreCase)));

    // Lines that made the backtracking engine try every split, or hid the error past the old 8,192-character cut.
    [Theory]
    [InlineData("after 10 kB", 10_240, "x", " Error: read ECONNRESET", "ECONNRESET", "node-syscall")]
    [InlineData("letters before (os error)", 100_000, "a", " Connection reset by peer (os error 104)", "ECONNRESET", "rust-os-error")]
    [InlineData("read tcp and no space", 100_000, "a", " Error: read ECONNRESET", "ECONNRESET", "node-syscall")]
    [InlineData("spaces before EOF", 100_000, " ", "x: EOF", "EOF", "go-eof")]
    [InlineData("[Errno decoys past the window bound: the message still names it", 100_000, "[Errno 1] ", "[Errno 111] Connection refused", "ECONNREFUSED", "message")]
    public void An_error_is_found_wherever_it_is_in_a_long_line(string why, int repeat, string filler, string error, string key, string patternId)
    {
        string prefix = why == "read tcp and no space" ? "read tcp " : "";
        string line = prefix + string.Concat(Enumerable.Repeat(filler, repeat / filler.Length)) + error;
        var m = LogPatterns.Match(line);
        Assert.Contains(m, x => x.Entry.Key == key && x.Pattern.Id == patternId);
    }

    [Fact]
    public void A_huge_line_is_bounded_and_still_read() =>
        Assert.Equal("ECONNRESET", LogPatterns.Match("Error: read ECONNRESET " + new string('x', 100_000)).First().Entry.Key);
}
