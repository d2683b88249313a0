namespace SocketProbe.Engine.Wire;

/// <summary>
/// One capture on lo for the whole host process, shared by every run that captures (the matrix
/// runs many at once). Opening a ring and closing it each wait for an RCU grace period in the
/// kernel (7-15 ms, and 16-32 ms, measured here): paid once, not per run. A lease sees the packets
/// from its own start on; the ring is closed, off any run's path, a few seconds after its last
/// lease ends.
/// </summary>
public static class WireHub
{
    private const int LingerMs = 2_000;
    private static readonly object Lock = new();
    private static WireCapture? _capture;
    private static readonly List<WireSegment> Recent = new();
    private static readonly List<Lease> Leases = new();
    private static Timer? _linger;
    private static long _dropped;

    /// <summary>Start seeing lo's packets from now on. Throws <see cref="WireUnavailableException"/> with the reason.</summary>
    public static Lease Acquire()
    {
        lock (Lock)
        {
            _linger?.Dispose();
            _linger = null;
            _capture ??= WireCapture.Start("lo");
            PullLocked();
            var lease = new Lease(WireCapture.UnixNowNanoseconds(), _dropped);
            Leases.Add(lease);
            return lease;
        }
    }

    private static void PullLocked()
    {
        if (_capture is null) return;
        Recent.AddRange(_capture.Take());
        _dropped = _capture.Dropped;
        // Nobody needs what is older than the oldest lease's start.
        long oldest = Leases.Count == 0 ? long.MaxValue : Leases.Min(l => l.StartNanoseconds);
        Recent.RemoveAll(s => s.UnixNanoseconds < oldest);
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
        WireCapture? closing;
        lock (Lock)
        {
            if (Leases.Count > 0 || _capture is null) return;
            closing = _capture;
            _capture = null;
            _linger?.Dispose();
            _linger = null;
        }
        closing.Dispose();
    }

    /// <summary>One run's view of the shared capture.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly long _droppedAtStart;

        internal Lease(long startNanoseconds, long droppedAtStart)
        {
            StartNanoseconds = startNanoseconds;
            _droppedAtStart = droppedAtStart;
        }

        public long StartNanoseconds { get; }

        /// <summary>Packets the ring dropped since this lease began (some of them may have been this run's).</summary>
        public long Dropped
        {
            get { lock (Lock) return _dropped - _droppedAtStart; }
        }

        /// <summary>Every packet on lo since this lease began, decoded, in the kernel's order.</summary>
        public List<WireSegment> Take()
        {
            lock (Lock)
            {
                PullLocked();
                return Recent.Where(s => s.UnixNanoseconds >= StartNanoseconds).ToList();
            }
        }

        public void Dispose() => Release(this);
    }
}
