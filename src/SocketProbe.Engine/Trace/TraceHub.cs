namespace SocketProbe.Engine.Trace;

/// <summary>
/// One tracing instance for the whole process, shared by every run with -Trace (the matrix runs
/// many at once). Making an instance and removing it cost tens of ms each (measured here: about 40
/// and 35 ms): paid once, not per run. A lease sees the events from its own start on; the instance
/// is removed, off any run's path, a few seconds after its last lease ends (and by the next run of
/// any SocketProbe process if this one is killed first).
/// </summary>
public static class TraceHub
{
    private const int LingerMs = 2_000;
    private const int DrainEveryMs = 200;
    private static readonly object Lock = new();
    private static TraceInstance? _instance;
    private static ResetTracker? _tracker;
    private static readonly List<TcpResetEvent> Recent = new();
    private static readonly List<Lease> Leases = new();
    private static readonly List<TraceLine> Lines = new();
    private static Timer? _linger;
    private static Timer? _drain;
    private static long _lost;
    private static bool _exitHooked;

    /// <summary>Tests: a tracefs root to use instead of the mounted one.</summary>
    public static string? RootOverride { get; set; }

    /// <summary>Start seeing the kernel's resets and drops from now on. Throws <see cref="TraceUnavailableException"/> naming what is missing.</summary>
    public static Lease Acquire()
    {
        lock (Lock)
        {
            _linger?.Dispose();
            _linger = null;
            if (_instance is null)
            {
                _instance = TraceInstance.Create(ResetWatcher.EventsFor(includeDrops: true), bufferKbPerCpu: 2048, RootOverride);
                _instance.Filter("skb/kfree_skb", "protocol == 2048 || protocol == 34525");
                _tracker = new ResetTracker(_instance.HasResetReason, includeDrops: true);
                _drain = new Timer(_ => { lock (Lock) PullLocked(); }, null, DrainEveryMs, DrainEveryMs);
                // A PowerShell that exits within the linger still removes it (a killed one: the next run does).
                if (!_exitHooked) AppDomain.CurrentDomain.ProcessExit += (_, _) => CloseNow();
                _exitHooked = true;
            }
            PullLocked();
            var lease = new Lease(System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency, _lost, _instance.HasResetReason);
            Leases.Add(lease);
            return lease;
        }
    }

    private static void PullLocked(bool settle = false)
    {
        if (_instance is null || _tracker is null) return;
        _lost += _instance.ReadAvailable(Lines, waitMs: 0).Lost;
        foreach (TraceLine line in Lines) _tracker.Feed(line, Recent);
        Lines.Clear();
        _tracker.Release(null, Recent);
        if (settle) _tracker.ReleaseAll(Recent);
        double oldest = Leases.Count == 0 ? double.MaxValue : Leases.Min(l => l.StartSeconds);
        Recent.RemoveAll(e => e.MonotonicSeconds < oldest);
    }

    private static void Release(Lease lease)
    {
        lock (Lock)
        {
            if (!Leases.Remove(lease)) return;
            PullLocked();
            if (Leases.Count > 0) return;
            Recent.Clear();
            _linger = new Timer(_ => CloseIfIdle(), null, LingerMs, Timeout.Infinite);
        }
    }

    private static void CloseIfIdle()
    {
        TraceInstance? closing;
        lock (Lock)
        {
            if (Leases.Count > 0 || _instance is null) return;
            closing = _instance;
            _instance = null;
            _tracker = null;
            _drain?.Dispose();
            _drain = null;
            _linger?.Dispose();
            _linger = null;
        }
        closing.Dispose();
    }

    /// <summary>Remove the instance now if no run holds it (tests, and a module being removed).</summary>
    public static void CloseNow() => CloseIfIdle();

    /// <summary>One run's view of the shared instance.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly long _lostAtStart;

        internal Lease(double startSeconds, long lostAtStart, bool hasReason)
        {
            StartSeconds = startSeconds;
            _lostAtStart = lostAtStart;
            HasResetReason = hasReason;
        }

        /// <summary>CLOCK_MONOTONIC seconds at the lease's start.</summary>
        public double StartSeconds { get; private set; }
        public bool HasResetReason { get; }

        /// <summary>Events the ring overwrote since this lease began (some of them may have been this run's).</summary>
        public long Lost
        {
            get { lock (Lock) return _lost - _lostAtStart; }
        }

        /// <summary>
        /// Every event since this lease began. A received RST waits <see cref="ResetTracker.HoldSeconds"/>
        /// for this host's matching send; <paramref name="settle"/> ends that wait now (the run is over:
        /// a send of its own would have come before its own calls saw the reset).
        /// </summary>
        public List<TcpResetEvent> Take(bool settle)
        {
            lock (Lock)
            {
                PullLocked(settle);
                return Recent.Where(e => e.MonotonicSeconds >= StartSeconds).ToList();
            }
        }

        /// <summary>
        /// The events since the last take (or the lease's start), and the lease moves past them: a long
        /// run (Watch-TcpConnection) holds the shared list to no more than one take's worth.
        /// </summary>
        public List<TcpResetEvent> TakeNew(bool settle)
        {
            lock (Lock)
            {
                List<TcpResetEvent> fresh = Take(settle);
                if (fresh.Count > 0) StartSeconds = fresh.Max(e => e.MonotonicSeconds) + 1e-9;
                return fresh;
            }
        }

        public void Dispose() => Release(this);
    }
}
