namespace SocketProbe.Engine;

/// <summary>
/// What a <see cref="SharedHub{TSource, TItem, TStamp}"/> keeps open while anyone leases it: a
/// kernel resource that yields stamped items (a packet ring, a tracing instance).
/// </summary>
public interface IHubSource<TItem> : IDisposable
{
    /// <summary>
    /// Append the items that arrived since the last pull to <paramref name="into"/>, and return how
    /// many the source lost (overwritten, dropped) since the last pull. <paramref name="settle"/>:
    /// the reader is done, so items held back for a late partner go out now.
    /// </summary>
    long Pull(List<TItem> into, bool settle);
}

/// <summary>
/// One source for the whole process, shared by every run that leases it (the matrix runs many at
/// once): opening and closing such a source costs tens of ms in the kernel, paid once, not per run.
/// A lease sees the items stamped from its own start on; what is older than the oldest lease is
/// dropped; the source is closed, off any run's path, <c>linger</c> after its last lease ends (a
/// new lease in between keeps it open).
/// </summary>
/// <typeparam name="TSource">the resource; a lease reaches it through <see cref="Lease.Source"/></typeparam>
/// <typeparam name="TItem">what the source yields</typeparam>
/// <typeparam name="TStamp">the clock the items are stamped on (the lease's start is read on the same clock)</typeparam>
public sealed class SharedHub<TSource, TItem, TStamp>
    where TSource : class, IHubSource<TItem>
    where TStamp : IComparable<TStamp>
{
    private readonly object _lock = new();
    private readonly Func<TSource> _open;
    private readonly Func<TItem, TStamp> _stampOf;
    private readonly Func<TStamp> _now;
    private readonly TimeSpan _linger;
    private readonly TimeSpan? _drainEvery;
    private readonly TimeProvider _timers;
    private readonly List<TItem> _recent = new();
    private readonly List<Lease> _leases = new();
    private TSource? _source;
    private ITimer? _lingerTimer;
    private ITimer? _drainTimer;
    private long _lost;

    /// <param name="open">opens the source; its exception reaches the caller of <see cref="Acquire"/></param>
    /// <param name="stampOf">an item's stamp</param>
    /// <param name="now">the stamp clock's present: a lease's start</param>
    /// <param name="linger">how long the source stays open after its last lease ends</param>
    /// <param name="drainEvery">pull this often while open (a source whose buffer would overflow between runs' reads)</param>
    /// <param name="timers">the timers' clock (tests pass one they advance by hand)</param>
    public SharedHub(Func<TSource> open, Func<TItem, TStamp> stampOf, Func<TStamp> now, TimeSpan linger,
        TimeSpan? drainEvery = null, TimeProvider? timers = null)
    {
        _open = open;
        _stampOf = stampOf;
        _now = now;
        _linger = linger;
        _drainEvery = drainEvery;
        _timers = timers ?? TimeProvider.System;
    }

    /// <summary>Whether the source is open now (tests).</summary>
    public bool IsOpen
    {
        get { lock (_lock) return _source is not null; }
    }

    /// <summary>How many items the hub holds for its leases (tests: what is older than every lease is gone).</summary>
    internal int HeldCount
    {
        get { lock (_lock) return _recent.Count; }
    }

    /// <summary>Start seeing the source's items from now on, opening it if nobody holds it.</summary>
    public Lease Acquire()
    {
        lock (_lock)
        {
            _lingerTimer?.Dispose();
            _lingerTimer = null;
            if (_source is null)
            {
                _source = _open();
                if (_drainEvery is TimeSpan every)
                    _drainTimer = _timers.CreateTimer(_ => { lock (_lock) PullLocked(settle: false); }, null, every, every);
            }
            PullLocked(settle: false);
            var lease = new Lease(this, _source, _now(), _lost);
            _leases.Add(lease);
            return lease;
        }
    }

    /// <summary>Close the source now if no lease holds it (tests, process exit, a module being removed).</summary>
    public void CloseNow() => CloseIfIdle();

    private void PullLocked(bool settle)
    {
        if (_source is null) return;
        _lost += _source.Pull(_recent, settle);
        // Nobody needs what is older than the oldest lease's start.
        if (_leases.Count == 0) { _recent.Clear(); return; }
        TStamp oldest = _leases[0].Start;
        foreach (Lease l in _leases)
            if (l.Start.CompareTo(oldest) < 0) oldest = l.Start;
        _recent.RemoveAll(item => _stampOf(item).CompareTo(oldest) < 0);
    }

    private void Release(Lease lease)
    {
        lock (_lock)
        {
            if (!_leases.Remove(lease)) return;
            PullLocked(settle: false);
            if (_leases.Count > 0) return;
            _recent.Clear();
            _lingerTimer = _timers.CreateTimer(_ => CloseIfIdle(), null, _linger, Timeout.InfiniteTimeSpan);
        }
    }

    private void CloseIfIdle()
    {
        TSource? closing;
        lock (_lock)
        {
            if (_leases.Count > 0 || _source is null) return;
            closing = _source;
            _source = null;
            _drainTimer?.Dispose();
            _drainTimer = null;
            _lingerTimer?.Dispose();
            _lingerTimer = null;
        }
        closing.Dispose();
    }

    /// <summary>One run's view of the shared source.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly SharedHub<TSource, TItem, TStamp> _hub;
        private readonly long _lostAtStart;

        internal Lease(SharedHub<TSource, TItem, TStamp> hub, TSource source, TStamp start, long lostAtStart)
        {
            _hub = hub;
            Source = source;
            Start = start;
            _lostAtStart = lostAtStart;
        }

        /// <summary>The source open when the lease began (open for as long as the lease is held).</summary>
        public TSource Source { get; }

        /// <summary>The stamp clock's reading at the lease's start (moved on by <see cref="TakeNew"/>).</summary>
        public TStamp Start { get; private set; }

        /// <summary>After a <see cref="TakeNew"/>: the items stamped at <see cref="Start"/> were taken.</summary>
        private bool _pastStart;

        /// <summary>Items the source lost since this lease began (some of them may have been this run's).</summary>
        public long Lost
        {
            get { lock (_hub._lock) return _hub._lost - _lostAtStart; }
        }

        /// <summary>Every item since this lease began, in the source's order; <paramref name="settle"/> as <see cref="IHubSource{TItem}.Pull"/>.</summary>
        public List<TItem> Take(bool settle = false)
        {
            lock (_hub._lock)
            {
                _hub.PullLocked(settle);
                return _hub._recent.Where(item => _hub._stampOf(item).CompareTo(Start) >= 0).ToList();
            }
        }

        /// <summary>
        /// The items since the last TakeNew (or the lease's start), and the lease moves past them, so
        /// the hub drops them: a long run (a watch that annotates each connection as it ends) holds no
        /// more than one take's worth.
        /// </summary>
        public List<TItem> TakeNew(bool settle = false)
        {
            lock (_hub._lock)
            {
                _hub.PullLocked(settle);
                var fresh = _hub._recent.Where(item => _hub._stampOf(item).CompareTo(Start) is int c && (c > 0 || (c == 0 && !_pastStart))).ToList();
                foreach (TItem item in fresh)
                {
                    if (_hub._stampOf(item).CompareTo(Start) > 0) Start = _hub._stampOf(item);
                    _pastStart = true;
                }
                return fresh;
            }
        }

        public void Dispose() => _hub.Release(this);
    }
}
