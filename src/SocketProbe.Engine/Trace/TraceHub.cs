namespace SocketProbe.Engine.Trace;

/// <summary>
/// One tracing instance for the whole process, shared by every run with -Trace (the matrix runs
/// many at once). Making an instance and removing it cost tens of ms each (measured here: about 40
/// and 35 ms): paid once, not per run. A lease sees the events from its own start on; the instance
/// is removed, off any run's path, a few seconds after its last lease ends (and by the next run of
/// any SocketProbe process if this one is killed first). <see cref="SharedHub{TSource, TItem, TStamp}"/>
/// keeps the leases.
/// </summary>
public static class TraceHub
{
    private static readonly SharedHub<Instance, TcpResetEvent, double> Hub = CreateHub();

    /// <summary>Tests: a tracefs root to use instead of the mounted one.</summary>
    public static string? RootOverride { get; set; }

    private static SharedHub<Instance, TcpResetEvent, double> CreateHub()
    {
        // A PowerShell that exits within the linger still removes it (a killed one: the next run does).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => CloseNow();
        return new(() => new Instance(RootOverride), e => e.MonotonicSeconds,
            // CLOCK_MONOTONIC, the Stopwatch's clock and the trace's.
            () => System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency,
            linger: TimeSpan.FromSeconds(2),
            // The ring is read every 200 ms while open, so a long run cannot overwrite it.
            drainEvery: TimeSpan.FromMilliseconds(200));
    }

    /// <summary>
    /// Start seeing the kernel's resets and drops from now on. The lease's Take(settle) gives every
    /// event since its start: a received RST waits <see cref="ResetTracker.HoldSeconds"/> for this
    /// host's matching send, and settle ends that wait (the run is over: a send of its own would have
    /// come before its own calls saw the reset); its Lost, the events the ring overwrote since then.
    /// Throws <see cref="TraceUnavailableException"/> naming what is missing.
    /// </summary>
    public static SharedHub<Instance, TcpResetEvent, double>.Lease Acquire() => Hub.Acquire();

    /// <summary>Remove the instance now if no run holds it (tests, and a module being removed).</summary>
    public static void CloseNow() => Hub.CloseNow();

    /// <summary>The tracing instance and the tracker that pairs its lines into events.</summary>
    public sealed class Instance : IHubSource<TcpResetEvent>
    {
        private readonly TraceInstance _instance;
        private readonly ResetTracker _tracker;
        private readonly List<TraceLine> _lines = new();

        internal Instance(string? root)
        {
            _instance = TraceInstance.Create(ResetWatcher.EventsFor(includeDrops: true), bufferKbPerCpu: 2048, root);
            try
            {
                _instance.Filter("skb/kfree_skb", "protocol == 2048 || protocol == 34525");
            }
            catch
            {
                _instance.Dispose();
                throw;
            }
            _tracker = new ResetTracker(_instance.HasResetReason, includeDrops: true);
        }

        /// <summary>Whether this kernel's tcp_send_reset says why (Linux 6.10 on).</summary>
        public bool HasResetReason => _instance.HasResetReason;

        public long Pull(List<TcpResetEvent> into, bool settle)
        {
            long lost = _instance.ReadAvailable(_lines, waitMs: 0).Lost;
            foreach (TraceLine line in _lines) _tracker.Feed(line, into);
            _lines.Clear();
            _tracker.Release(null, into);
            if (settle) _tracker.ReleaseAll(into);
            return lost;
        }

        public void Dispose() => _instance.Dispose();
    }
}
