namespace SocketProbe.Engine.Trace;

/// <summary>What Watch-TcpReset asks for.</summary>
public sealed class ResetWatchRequest
{
    /// <summary>Keep events with either end on one of these ports (empty: all).</summary>
    public IReadOnlyCollection<int> Ports { get; init; } = Array.Empty<int>();
    /// <summary>Keep events whose remote address is one of these (empty: all).</summary>
    public IReadOnlyCollection<IPAddress> RemoteAddresses { get; init; } = Array.Empty<IPAddress>();
    /// <summary>Keep events whose process matches (null: all; an event with no known process never matches).</summary>
    public Func<string, bool>? ProcessMatches { get; init; }
    public bool IncludeDrops { get; init; }
    /// <summary>Stop after this long (null: until cancelled or Count).</summary>
    public double? DurationSeconds { get; init; }
    /// <summary>Stop after this many events are handed on (null: no limit).</summary>
    public int? Count { get; init; }
    /// <summary>Ring buffer per CPU, KB (the instance's own).</summary>
    public int BufferKbPerCpu { get; init; } = 8192;
    /// <summary>Tests: a tracefs root to use instead of the mounted one.</summary>
    public string? TracefsRoot { get; init; }
    /// <summary>Join Sent rows to their sockets' ends (sock_diag destroy notifications: tcp_info).</summary>
    public bool SocketEnds { get; init; } = true;
}

/// <summary>Where a watch stands (progress) and how it ended.</summary>
public sealed record ResetWatchProgress(long Seen, long Emitted, long Lost, double SecondsElapsed, double? SecondsLeft);

/// <summary>
/// Watch-TcpReset's engine: its own tracing instance, read until the duration, the count or
/// cancellation ends it, and removed whatever ends it.
/// </summary>
public static class ResetWatcher
{
    /// <summary>The events a watch enables in its own instance.</summary>
    public static IReadOnlyList<string> EventsFor(bool includeDrops) => includeDrops
        ? new[] { "tcp/tcp_send_reset", "tcp/tcp_receive_reset", "skb/kfree_skb" }
        : new[] { "tcp/tcp_send_reset", "tcp/tcp_receive_reset" };

    public static async Task<ResetWatchProgress> RunAsync(ResetWatchRequest request, Action<TcpResetEvent> sink, ILogger logger,
        CancellationToken cancellation, Action<ResetWatchProgress>? progress = null)
    {
        using TraceInstance instance = TraceInstance.Create(EventsFor(request.IncludeDrops), request.BufferKbPerCpu, request.TracefsRoot);
        foreach (string removed in instance.Removed) logger.LogInformation("Removed {Instance}, left by a run that ended without cleaning up", removed);
        logger.LogInformation("Tracing in {Path} ({Events})", instance.Path, string.Join(", ", instance.Events));
        if (!instance.HasResetReason)
            logger.LogWarning("This kernel's tcp_send_reset has no reason field (it came in Linux 6.10): Direction, endpoints, state and whether this host sent the RST are still reported; Reason stays empty.");
        if (request.IncludeDrops && instance.Events.Count < 3)
            logger.LogWarning("This kernel has no skb:kfree_skb event: -IncludeDrops reports nothing.");
        // Only IPv4 and IPv6 packets: ARP and others are never TCP.
        if (request.IncludeDrops) instance.Filter("skb/kfree_skb", "protocol == 2048 || protocol == 34525");
        // tcp_receive_reset has its ports as fields: with -Port the kernel keeps only those (tcp_send_reset
        // has its endpoints only as sockaddr bytes, which a trace filter cannot read: those are sorted here).
        if (request.Ports.Count > 0)
            instance.Filter("tcp/tcp_receive_reset", string.Join(" || ", request.Ports.Select(p => $"sport == {p} || dport == {p}")));
        // tcp_info at each socket's end, for the Sent rows (the host's namespace; no root needed).
        string? whyNot = null;
        using SocketEndListener? ends = request.SocketEnds ? SocketEndListener.TryOpen(out whyNot) : null;
        if (request.SocketEnds && ends is null)
            logger.LogWarning("No tcp_info at the sockets' ends ({Why}): UnreadBytes, UnsentBytes, IdleSinceReceiveMs and Retransmits stay empty; the rest is reported.", whyNot);
        ResetWatchProgress end = await Task.Factory.StartNew(() => Loop(instance, ends, request, sink, cancellation, progress),
            cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        if (ends is { Overflows: > 0 })
            logger.LogWarning("The sockets' ends came faster than they were read {Overflows} times: some Sent rows lack their tcp_info.", ends.Overflows);
        // bench/Watch-TcpReset.Bench.ps1 reads this line: the watch's cost per event read.
        logger.LogInformation("Read {Seen} trace events in {Seconds:F1} s, handed on {Emitted}, {Lost} lost (ring overrun)", end.Seen, end.SecondsElapsed, end.Emitted, end.Lost);
        return end;
    }

    private static ResetWatchProgress Loop(TraceInstance instance, SocketEndListener? endListener, ResetWatchRequest request, Action<TcpResetEvent> sink,
        CancellationToken cancellation, Action<ResetWatchProgress>? progress)
    {
        var tracker = new ResetTracker(instance.HasResetReason, request.IncludeDrops);
        var matcher = new SocketEndMatcher();
        var ends = new List<SocketEnd>();
        var joined = new List<TcpResetEvent>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = new List<TraceLine>();
        LineFilter? keep = PortFilter(request.Ports);
        var ready = new List<TcpResetEvent>();
        long seen = 0, emitted = 0, lostInPipe = 0;
        double nextProgress = 0;
        bool Done() => cancellation.IsCancellationRequested
            || (request.DurationSeconds is double d && clock.Elapsed.TotalSeconds >= d)
            || (request.Count is int c && emitted >= c);
        ResetWatchProgress Progress() => new(seen, emitted, Math.Max(lostInPipe, instance.Overruns()), clock.Elapsed.TotalSeconds,
            request.DurationSeconds is double d ? Math.Max(0, d - clock.Elapsed.TotalSeconds) : null);
        void Hand(List<TcpResetEvent> events, bool ending)
        {
            // Each Sent of a real socket waits (briefly) for that socket's end and its tcp_info.
            endListener?.Read(ends);
            matcher.AddEnds(ends);
            matcher.Offer(events);
            // Ending: a socket freed just now still gets its end read (bounded: WaitSeconds).
            for (int i = 0; ending && endListener is not null && matcher.Waiting > 0 && i < 5; i++)
            {
                Thread.Sleep((int)(SocketEndMatcher.WaitSeconds * 1000 / 5));
                endListener.Read(ends);
                matcher.AddEnds(ends);
                matcher.Release(System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency, joined);
            }
            if (ending) matcher.ReleaseAll(joined);
            else matcher.Release(System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency, joined);
            foreach (TcpResetEvent e in joined)
            {
                if (request.Count is int c && emitted >= c) break;
                if (!Wanted(e, request)) continue;
                emitted++;
                sink(e);
            }
            joined.Clear();
        }
        while (!Done())
        {
            TraceRead read = instance.ReadAvailable(lines, waitMs: 100, keep);
            (seen, lostInPipe) = (seen + read.Events, lostInPipe + read.Lost);
            foreach (TraceLine line in lines) tracker.Feed(line, ready);
            lines.Clear();
            tracker.Release(null, ready);
            Hand(ready, ending: false);
            if (progress is not null && clock.Elapsed.TotalSeconds >= nextProgress)
            {
                progress(Progress());
                nextProgress = clock.Elapsed.TotalSeconds + 1;
            }
        }
        // What reached the ring before the end is still handed on (bounded: one read).
        if (!cancellation.IsCancellationRequested && (request.Count is not int n || emitted < n))
        {
            TraceRead read = instance.ReadAvailable(lines, waitMs: 0, keep);
            (seen, lostInPipe) = (seen + read.Events, lostInPipe + read.Lost);
            foreach (TraceLine line in lines) tracker.Feed(line, ready);
            tracker.ReleaseAll(ready);
            Hand(ready, ending: true);
        }
        return Progress();
    }

    /// <summary>
    /// -Port, before a line becomes an object: a send whose ends are on none of the ports is turned
    /// down from its printed text (the kernel cannot filter tcp_send_reset's sockaddr bytes; it does
    /// filter tcp_receive_reset's port fields, see RunAsync). Drops carry no ports: kept.
    /// </summary>
    internal static LineFilter? PortFilter(IReadOnlyCollection<int> ports)
    {
        if (ports.Count == 0) return null;
        var wanted = ports.ToHashSet();
        bool On(ReadOnlySpan<char> body, string field) =>
            TraceLine.FieldSpan(body, field, out ReadOnlySpan<char> endpoint) && endpoint.LastIndexOf(':') is int colon and > 0
            && int.TryParse(endpoint[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            && wanted.Contains(port);
        return (ev, body) => !ev.SequenceEqual("tcp_send_reset") || On(body, "src") || On(body, "dest");
    }

    /// <summary>Does the event pass the request's filters?</summary>
    public static bool Wanted(TcpResetEvent e, ResetWatchRequest request)
    {
        if (request.Ports.Count > 0 && !(e.LocalPort is int lp && request.Ports.Contains(lp)) && !(e.RemotePort is int rp && request.Ports.Contains(rp)))
            return false;
        if (request.RemoteAddresses.Count > 0 && !(e.RemoteAddress is string ra && request.RemoteAddresses.Any(a => a.ToString() == ra)))
            return false;
        if (request.ProcessMatches is not null && !(e.Process is string p && request.ProcessMatches(p)))
            return false;
        return true;
    }
}
