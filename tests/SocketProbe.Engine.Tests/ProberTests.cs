using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SocketProbe.Engine.Probe;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// The prober against real loopback sockets the test owns. One class, so its tests run one at a
/// time (xunit runs a class's tests serially) and the socket counts below are not disturbed.
/// </summary>
public sealed class ProberTests : IDisposable
{
    private readonly List<Socket> _owned = new();

    public void Dispose()
    {
        foreach (var s in _owned) s.Dispose();
    }

    private Socket Listen(IPAddress address, int port = 0, int backlog = 64)
    {
        var l = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _owned.Add(l);
        l.Bind(new IPEndPoint(address, port));
        l.Listen(backlog);
        return l;
    }

    private static int PortOf(Socket s) => ((IPEndPoint)s.LocalEndPoint!).Port;

    /// <summary>
    /// A loopback port whose SYNs get no answer: a listener with backlog 0 and one connection
    /// queued that it never accepts. Linux drops further SYNs while the accept queue is full
    /// (tcp_conn_request: sk_acceptq_is_full -> drop), so connects there time out for real.
    /// </summary>
    private int SilentPort()
    {
        var l = Listen(IPAddress.Loopback, backlog: 0);
        var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _owned.Add(filler);
        filler.Connect(new IPEndPoint(IPAddress.Loopback, PortOf(l)));
        return PortOf(l);
    }

    private static ProbeTarget Target(string text)
    {
        Assert.True(ProbeTarget.TryParse(text, out var t, out var e), e);
        return t!;
    }

    private static async Task<List<ProbeResult>> Run(ProbeRequest request, ProbeResolver.Lookup? lookup = null, CancellationToken token = default)
    {
        var results = new List<ProbeResult>();
        await Prober.RunAsync(request, results.Add, NullLogger.Instance, token, lookup);
        return results;
    }

    private static int SocketCount() =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Count(fd => { try { return new FileInfo(fd).LinkTarget?.StartsWith("socket:") == true; } catch (IOException) { return false; } });

    [Fact]
    public async Task Localhost_gives_open_and_refused_on_both_loopbacks_in_stable_order()
    {
        var v4 = Listen(IPAddress.Loopback);
        int open = PortOf(v4);
        Listen(IPAddress.IPv6Loopback, open);
        int closed = Loopback.ClosedPort(IPAddress.Loopback);

        var results = await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("localhost"), new[] { closed, open }) } });

        Assert.Equal(new[]
        {
            ("127.0.0.1", closed, ProbeOutcome.Refused), ("::1", closed, ProbeOutcome.Refused),
            ("127.0.0.1", open, ProbeOutcome.Open), ("::1", open, ProbeOutcome.Open),
        }, results.Select(r => (r.Address!, r.Port, r.Kind)));
        foreach (var r in results)
        {
            Assert.Equal("localhost", r.Target);
            Assert.Equal(1, r.Sequence);
            Assert.Equal(0, r.DnsMs);
            Assert.True(r.ConnectMs > 0);
            Assert.Equal(DateTimeKind.Utc, r.Started.Kind);
            Assert.EndsWith("Z", r.Timestamp);
            Assert.Equal(r.Address, r.LocalAddress);
            Assert.InRange(r.LocalPort ?? 0, 1, 65535);
            Assert.Equal(r.Address == "::1" ? "IPv6" : "IPv4", r.AddressFamily);
        }
        var refused = results[0];
        Assert.Equal("conn-refused", refused.Reason);
        Assert.Equal("ConnectionRefused", refused.SocketError);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(111, refused.Errno);
            Assert.Equal("ECONNREFUSED", refused.ErrnoName);
        }
        Assert.Equal("syn-ack", results[2].Reason);
        Assert.Null(results[2].SocketError);
        Assert.Null(results[2].Errno);
    }

    [Fact]
    public async Task The_family_filter_keeps_only_that_family()
    {
        int closed = Loopback.ClosedPort(IPAddress.Loopback);
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("localhost"), new[] { closed }) },
            AddressFamily = AddressFamily.InterNetworkV6,
        });
        var r = Assert.Single(results);
        Assert.Equal("::1", r.Address);
        Assert.Equal(ProbeOutcome.Refused, r.Kind);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_gives_a_result_per_port_and_round_not_an_exception()
    {
        // The lookup is replaced: no query leaves the machine. (A real NXDOMAIN needs the lab's resolver.)
        ProbeResolver.Lookup failing = (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("no-such-host.test"), new[] { 1, 2 }) },
            Count = 2,
            IntervalMs = 0,
        }, failing);
        Assert.Equal(new[] { (1, 1), (1, 2), (2, 1), (2, 2) }, results.Select(r => (r.Sequence, r.Port)));
        Assert.All(results, r =>
        {
            Assert.Equal(ProbeOutcome.NameNotResolved, r.Kind);
            Assert.Equal("no-resolve", r.Reason);
            Assert.Equal("HostNotFound", r.SocketError);
            Assert.False(string.IsNullOrEmpty(r.Message));
            Assert.Null(r.Address);
            Assert.Null(r.ConnectMs);
            Assert.True(r.DnsMs >= 0);
        });
    }

    [Fact]
    public async Task A_resolver_that_hangs_is_bounded_by_TimeoutMs()
    {
        ProbeResolver.Lookup hanging = (_, token) => Task.Delay(Timeout.Infinite, token).ContinueWith(_ => Array.Empty<IPAddress>(), TaskScheduler.Default);
        var results = await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("slow.test"), new[] { 1 }) }, TimeoutMs = 200 }, hanging);
        var r = Assert.Single(results);
        Assert.Equal(ProbeOutcome.NameNotResolved, r.Kind);
        Assert.Contains("200 ms", r.Message);
        Assert.InRange(r.DnsMs, 150, 5000);   // the lookup was given up at its own 200 ms bound
    }

    [Fact]
    public async Task A_name_without_an_address_of_the_family_is_not_resolved()
    {
        ProbeResolver.Lookup v4only = (_, _) => Task.FromResult(new[] { IPAddress.Loopback });
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("v4only.test"), new[] { 1 }) },
            AddressFamily = AddressFamily.InterNetworkV6,
        }, v4only);
        var r = Assert.Single(results);
        Assert.Equal(ProbeOutcome.NameNotResolved, r.Kind);
        Assert.Contains("no IPv6 address", r.Message);
        Assert.Null(r.SocketError);
    }

    [Fact]
    public async Task Every_address_a_name_gives_is_tried_in_the_resolver_order()
    {
        int closed = Loopback.ClosedPort(IPAddress.Loopback);
        ProbeResolver.Lookup three = (_, _) => Task.FromResult(new[] { IPAddress.Parse("127.0.0.3"), IPAddress.IPv6Loopback, IPAddress.Parse("127.0.0.2") });
        var results = await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("multi.test"), new[] { closed }) } }, three);
        Assert.Equal(new[] { "127.0.0.3", "::1", "127.0.0.2" }, results.Select(r => r.Address));
        Assert.All(results, r => Assert.Equal(ProbeOutcome.Refused, r.Kind));
        Assert.All(results, r => Assert.True(r.DnsMs > 0));
    }

    [SkippableLinuxFact]
    public async Task A_silent_port_times_out_with_no_errno_and_does_not_hold_back_the_others()
    {
        int silent = SilentPort();
        int closed = Loopback.ClosedPort(IPAddress.Loopback);
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { silent, closed }) },
            TimeoutMs = 300,
        });
        Assert.Equal(new[] { (silent, ProbeOutcome.TimedOut), (closed, ProbeOutcome.Refused) }, results.Select(r => (r.Port, r.Kind)));
        var timedOut = results[0];
        Assert.Equal("no-response", timedOut.Reason);
        Assert.Null(timedOut.Errno);
        Assert.Null(timedOut.SocketError);
        Assert.Contains("300 ms", timedOut.Message);
        Assert.InRange(timedOut.ConnectMs!.Value, 290, 5000);
        Assert.NotNull(timedOut.LocalPort);
        // Both ran at once: the refused attempt started before the silent one was given up.
        Assert.True(results[1].Started < timedOut.Started.AddMilliseconds(timedOut.ConnectMs!.Value));
    }

    [SkippableLinuxFact]
    public async Task A_slow_head_holds_back_the_probing_only_once_the_reorder_window_is_full()
    {
        // One silent port, then more attempts to a closed port than the window holds: those that fit
        // are probed while the head waits out its bound; the first that does not fit starts after it.
        int silent = SilentPort();
        int closed = Loopback.ClosedPort(IPAddress.Loopback);
        int window = Prober.ReorderWindow(64);
        int[] ports = new[] { silent }.Concat(Enumerable.Repeat(closed, window + 10)).ToArray();
        var results = await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("127.0.0.1"), ports) }, TimeoutMs = 1000, ThrottleLimit = 64 });
        Assert.Equal(ports.Length, results.Count);
        Assert.Equal(ProbeOutcome.TimedOut, results[0].Kind);
        Assert.All(results.Skip(1), r => Assert.Equal(ProbeOutcome.Refused, r.Kind));
        DateTime headEnd = results[0].Started.AddMilliseconds(results[0].ConnectMs!.Value);
        Assert.True(results[1].Started < results[0].Started.AddMilliseconds(500), "the attempts behind the slow head did not start while it waited");
        Assert.True(results[window - 1].Started < headEnd, $"attempt {window} (the window's last) waited for the head");
        Assert.True(results[window].Started >= headEnd.AddMilliseconds(-2), $"attempt {window + 1} started before the head was out: the window did not hold");
    }

    [SkippableLinuxFact]
    public async Task The_batch_path_reports_what_the_Socket_path_reports()
    {
        // Without -SourceAddress a Linux sweep runs as non-blocking connects in one poll(2); with it,
        // through Socket.ConnectAsync. Both must say the same about the same ports.
        var open = Listen(IPAddress.Loopback);
        int closed = Loopback.ClosedPort(IPAddress.Loopback);
        int silent = SilentPort();
        var task = new ProbeTask(Target("127.0.0.1"), new[] { PortOf(open), closed, silent });
        var batch = await Run(new ProbeRequest { Tasks = new[] { task }, TimeoutMs = 300 });
        var socket = await Run(new ProbeRequest { Tasks = new[] { task }, TimeoutMs = 300, SourceAddress = IPAddress.Loopback });
        static string Fields(ProbeResult r) =>
            $"{r.Port} {r.Kind} {r.Reason} {r.SocketError} {r.Errno} {r.ErrnoName} {r.Message} {r.LocalAddress} {r.LocalPort is not null} {r.ConnectMs is not null}";
        Assert.Equal(new[] { ProbeOutcome.Open, ProbeOutcome.Refused, ProbeOutcome.TimedOut }, batch.Select(r => r.Kind));
        Assert.Equal(socket.Select(Fields), batch.Select(Fields));
    }

    [SkippableLinuxFact]
    public async Task ThrottleLimit_bounds_how_many_attempts_run_at_once()
    {
        // Asserted on the attempts' own start and duration, not on wall time: with one slot no attempt
        // starts before the one ahead of it has ended; with three, all three are in flight together.
        int[] silent = { SilentPort(), SilentPort(), SilentPort() };
        var one = await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("127.0.0.1"), silent) }, TimeoutMs = 200, ThrottleLimit = 1 });
        var three = await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("127.0.0.1"), silent) }, TimeoutMs = 200, ThrottleLimit = 3 });
        static DateTime End(ProbeResult r) => r.Started.AddMilliseconds(r.ConnectMs ?? 0);
        var serial = one.OrderBy(r => r.Started).ToList();
        for (int i = 1; i < serial.Count; i++)
            Assert.True(serial[i].Started >= End(serial[i - 1]).AddMilliseconds(-2),
                $"with ThrottleLimit 1, attempt {i + 1} started before attempt {i} ended");
        Assert.True(three.Max(r => r.Started) < three.Min(End), "with ThrottleLimit 3 the three attempts were not in flight together");
    }

    [Fact]
    public async Task Count_runs_rounds_IntervalMs_apart()
    {
        int closed = Loopback.ClosedPort(IPAddress.Loopback);
        // Warm up first: the first round's one-time JIT work would otherwise sit between its start and its timestamp.
        await Run(new ProbeRequest { Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { closed }) } });
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { closed }) },
            Count = 3,
            IntervalMs = 150,
        });
        Assert.Equal(new[] { 1, 2, 3 }, results.Select(r => r.Sequence));
        for (int i = 1; i < results.Count; i++)
        {
            Assert.True((results[i].Started - results[i - 1].Started).TotalMilliseconds >= 140);
        }
    }

    [SkippableLinuxFact]
    public async Task Cancelling_a_continuous_run_ends_it_and_leaves_no_socket_open()
    {
        int silent = SilentPort();
        var open = Listen(IPAddress.Loopback);
        int before = SocketCount();
        using var stop = new CancellationTokenSource();
        var results = new List<ProbeResult>();
        var run = Prober.RunAsync(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { PortOf(open), silent }) },
            Continuous = true,
            IntervalMs = 0,
            TimeoutMs = 10_000,
        }, results.Add, NullLogger.Instance, stop.Token);
        // Cancel while an attempt to the silent port is in flight (bounded wait for it, not a fixed delay).
        for (var wait = Stopwatch.StartNew(); SocketCount() <= before && wait.ElapsedMilliseconds < 5000;) await Task.Delay(5);
        Assert.True(SocketCount() > before, "an attempt to the silent port should be in flight");
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        // The cancel ended the silent attempt: it was not waited out to its 10 s bound and reported TimedOut.
        lock (results) Assert.DoesNotContain(results, r => r.Port == silent && r.Kind == ProbeOutcome.TimedOut);
        // The count is the process's: a socket closing on another thread (or another test's) gets a bounded moment.
        for (var settle = Stopwatch.StartNew(); SocketCount() > before && settle.ElapsedMilliseconds < 5000;) await Task.Delay(10);
        Assert.Equal(before, SocketCount());
    }

    [Fact]
    public void Bad_requests_are_refused_by_the_engine_too()
    {
        var target = new[] { new ProbeTask(Target("127.0.0.1"), new[] { 1 }) };
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRequest { Tasks = target, TimeoutMs = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRequest { Tasks = target, Count = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRequest { Tasks = target, IntervalMs = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRequest { Tasks = target, ThrottleLimit = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbeRequest { Tasks = new[] { new ProbeTask(Target("h"), new[] { 65536 }) } }.Validate());
        Assert.Throws<ArgumentException>(() => new ProbeRequest { Tasks = new[] { new ProbeTask(Target("h"), Array.Empty<int>()) } }.Validate());
        Assert.Equal("ReadMsOutOfRange", Assert.Throws<InvalidRequestException>(() => new ProbeRequest { Tasks = target, ReadMs = 0 }.Validate()).ErrorId);
        Assert.Equal("ReadMsOutOfRange", Assert.Throws<InvalidRequestException>(() => new ProbeRequest { Tasks = target, ReadMs = 600_001 }.Validate()).ErrorId);
        Assert.Equal("SendWithoutReadMs", Assert.Throws<InvalidRequestException>(() => new ProbeRequest { Tasks = target, Send = new byte[] { 1 } }.Validate()).ErrorId);
    }

    [Theory]
    [InlineData(new byte[] { 0x53, 0x53, 0x48, 0x0d, 0x0a }, "SSH\\r\\n")]
    [InlineData(new byte[] { 0x00, 0x09, 0x5c, 0x7f, 0xff }, "\\x00\\t\\\\\\x7F\\xFF")]
    public void Banner_bytes_become_printable_text_with_escapes(byte[] bytes, string text) =>
        Assert.Equal(text, Prober.Printable(bytes));

    [Fact]
    public async Task ReadMs_tells_reset_close_silence_and_data_apart()
    {
        var reset = Listen(IPAddress.Loopback);
        var close = Listen(IPAddress.Loopback);
        var silent = Listen(IPAddress.Loopback);
        var data = Listen(IPAddress.Loopback);
        var serving = Task.Run(async () =>
        {
            var r = await reset.AcceptAsync();
            r.LingerState = new LingerOption(true, 0);
            r.Close();
            var c = await close.AcceptAsync();
            c.Shutdown(SocketShutdown.Both);
            c.Close();
            _owned.Add(await silent.AcceptAsync());
            var d = await data.AcceptAsync();
            _owned.Add(d);
            d.Send(new byte[] { (byte)'h', (byte)'i', (byte)'\n' });
        });
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { PortOf(reset), PortOf(close), PortOf(silent), PortOf(data) }) },
            ReadMs = 300,
            ThrottleLimit = 1, // one after the other, as the server accepts them
        });
        await serving.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { ProbeOutcome.Reset, ProbeOutcome.Closed, ProbeOutcome.Open, ProbeOutcome.Open }, results.Select(r => r.Kind));
        Assert.Equal(new AfterConnectKind?[] { AfterConnectKind.Reset, AfterConnectKind.Closed, AfterConnectKind.Silent, AfterConnectKind.Data }, results.Select(r => r.After));
        Assert.Equal("hi\\n", results[3].Banner);
        Assert.Equal(3, results[3].BytesRead);
        Assert.NotNull(results[3].FirstByteMs);
        Assert.Equal("ECONNRESET", OperatingSystem.IsLinux() ? results[0].ErrnoName : "ECONNRESET");
    }

    /// <summary>
    /// A server that shuts down its sending side (FIN), then closes with our -Send unread (RST), as Java 17's
    /// close does (issue 24: FIN, then RST some 60 us later). The read sees the FIN first; the RST is a reset.
    /// </summary>
    [SkippableLinuxFact]
    public async Task Fin_then_rst_within_the_read_is_a_reset_that_says_both()
    {
        var listener = Listen(IPAddress.Loopback);
        var serving = Task.Run(async () =>
        {
            using var s = await listener.AcceptAsync();
            // Our -Send must be in its receive queue, unread, when it closes: that is what makes the RST.
            for (int i = 0; i < 200 && s.Available == 0; i++) await Task.Delay(5);
            s.Shutdown(SocketShutdown.Send);
            s.Close();
        });
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { PortOf(listener) }) },
            ReadMs = 1000,
            Send = "hello\n"u8.ToArray(),
        });
        await serving.WaitAsync(TimeSpan.FromSeconds(5));
        var r = Assert.Single(results);
        Assert.Equal(ProbeOutcome.Reset, r.Kind);
        Assert.Equal(AfterConnectKind.Reset, r.After);
        Assert.Contains("FIN then RST", r.Message);
        Assert.False(r.Healthy);
    }

    /// <summary>Redis at maxclients writes its error and closes at once: bytes, then FIN, is a refusal in words.</summary>
    [Fact]
    public async Task Bytes_then_close_is_open_but_not_healthy_and_a_matching_answer_is()
    {
        var refusing = Listen(IPAddress.Loopback);
        var answering = Listen(IPAddress.Loopback);
        var serving = Task.Run(async () =>
        {
            using (var r = await refusing.AcceptAsync())
            {
                // It reads the request first: closing with it unread would make the FIN an RST too (the test above).
                await r.ReceiveAsync(new byte[64], SocketFlags.None);
                r.Send("-ERR max number of clients reached\r\n"u8.ToArray());
                r.Shutdown(SocketShutdown.Both);
            }
            var a = await answering.AcceptAsync();
            _owned.Add(a);
            var buffer = new byte[64];
            await a.ReceiveAsync(buffer, SocketFlags.None);
            a.Send("+PONG\r\n"u8.ToArray());
        });
        var results = await Run(new ProbeRequest
        {
            Tasks = new[] { new ProbeTask(Target("127.0.0.1"), new[] { PortOf(refusing), PortOf(answering) }) },
            ReadMs = 1000,
            Send = "PING\r\n"u8.ToArray(),
            Expect = new System.Text.RegularExpressions.Regex(@"^\+PONG"),
            ThrottleLimit = 1,
        });
        await serving.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { ProbeOutcome.Open, ProbeOutcome.Open }, results.Select(r => r.Kind));
        Assert.Equal("Closed", results[0].AnswerEnd);
        Assert.Equal(new bool?[] { false, true }, results.Select(r => r.Healthy));
        Assert.Equal(new bool?[] { false, true }, results.Select(r => r.ExpectMatched));
        Assert.Equal(new[] { ("127.0.0.1", PortOf(refusing), false), ("127.0.0.1", PortOf(answering), true) }, ProbeStatistics.Healthy(results));
    }
}

/// <summary>-Healthy's verdict on one attempt, from what was observed (ProbeHealth.Judge): no sockets.</summary>
public sealed class ProbeHealthTests
{
    private static ProbeResult Open(AfterConnectKind? after, string? answerEnd = null, int? status = null, bool? matched = null) =>
        new() { Kind = ProbeOutcome.Open, After = after, AnswerEnd = answerEnd, HttpStatus = status, ExpectMatched = matched };

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true)]
    [InlineData("HEAD /health HTTP/1.0\n\n", true)]
    [InlineData("PING\r\n", false)]
    [InlineData("get / http/1.1\r\n", false)]
    public void An_http_request_is_told_by_its_request_line(string send, bool http) =>
        Assert.Equal(http, ProbeHealth.IsHttpRequest(System.Text.Encoding.ASCII.GetBytes(send)));

    [Theory]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\n", 503)]
    [InlineData("HTTP/1.0 200 OK\r\n", 200)]
    [InlineData("HTTP/1.1 204\r\n", 204)]
    [InlineData("-ERR max number of clients reached\r\n", null)]
    [InlineData("HTTP/2 200\r\n", null)]
    public void The_status_code_is_read_from_the_status_line(string answer, int? status) =>
        Assert.Equal(status, ProbeHealth.HttpStatus(System.Text.Encoding.ASCII.GetBytes(answer)));

    [Fact]
    public void Healthy_means_answered_as_a_healthy_service_does()
    {
        Assert.True(ProbeHealth.Judge(Open(null), sent: false, expecting: false).Healthy); // connect only
        Assert.True(ProbeHealth.Judge(Open(AfterConnectKind.Silent), sent: false, expecting: false).Healthy); // a server that waits for the client
        Assert.False(ProbeHealth.Judge(Open(AfterConnectKind.Silent), sent: true, expecting: false).Healthy); // -Send unanswered
        Assert.False(ProbeHealth.Judge(Open(AfterConnectKind.Silent), sent: false, expecting: true).Healthy);
        Assert.False(ProbeHealth.Judge(Open(AfterConnectKind.Data, answerEnd: "Closed"), sent: false, expecting: false).Healthy); // Redis at maxclients
        Assert.False(ProbeHealth.Judge(Open(AfterConnectKind.Data, answerEnd: "Reset"), sent: true, expecting: false).Healthy);
        Assert.False(ProbeHealth.Judge(Open(AfterConnectKind.Data, status: 503), sent: true, expecting: false).Healthy); // HAProxy, backend down
        Assert.True(ProbeHealth.Judge(Open(AfterConnectKind.Data, answerEnd: "Closed", status: 200), sent: true, expecting: false).Healthy); // Connection: close
        Assert.False(ProbeHealth.Judge(Open(AfterConnectKind.Data, matched: false), sent: true, expecting: true).Healthy);
        Assert.True(ProbeHealth.Judge(Open(AfterConnectKind.Data, matched: true), sent: true, expecting: true).Healthy);
        Assert.False(ProbeHealth.Judge(new ProbeResult { Kind = ProbeOutcome.Refused }, sent: false, expecting: false).Healthy);
        Assert.Contains("503", ProbeHealth.Judge(Open(AfterConnectKind.Data, status: 503), sent: true, expecting: false).Why);
    }
}

/// <summary>A fact that only means something on Linux (accept-queue drop, /proc/self/fd).</summary>
public sealed class SkippableLinuxFactAttribute : FactAttribute
{
    public SkippableLinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux behaviour (full accept queue drops SYNs; /proc/self/fd)";
    }
}
