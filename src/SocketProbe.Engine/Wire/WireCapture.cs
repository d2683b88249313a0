namespace SocketProbe.Engine.Wire;

/// <summary>
/// One capture session: a <see cref="PacketRing"/> drained every 100 ms, every 10 ms while the
/// interface is busy (so other traffic on it cannot fill the ring between drains), and once more
/// when asked, its packets decoded. Thread-safe.
/// </summary>
public sealed class WireCapture : IDisposable
{
    /// <summary>
    /// How often the ring is emptied while quiet: its 32,768 frames hold 100 ms of 327,000 packets/s,
    /// and a quiet process is woken rarely (an empty drain is one status read and one getsockopt).
    /// </summary>
    private const int DrainEveryMs = 100;
    /// <summary>After a drain that found this many packets (over 20,000/s), the next comes after <see cref="BusyDrainEveryMs"/>.</summary>
    private const int BusyFrames = 2048;
    private const int BusyDrainEveryMs = 10;
    private readonly PacketRing _ring;
    private readonly List<PacketRing.Frame> _frames = new();
    private readonly object _lock = new();
    private readonly Timer _timer;
    private long _dropped;
    private bool _disposed;

    private WireCapture(PacketRing ring)
    {
        _ring = ring;
        _timer = new Timer(_ => Drain(), null, DrainEveryMs, Timeout.Infinite);
    }

    /// <summary>Start capturing on <paramref name="interfaceName"/> ("lo", or "any" for every interface). Throws <see cref="WireUnavailableException"/> with the reason.</summary>
    public static WireCapture Start(string interfaceName) => new(PacketRing.Open(interfaceName));

    /// <summary>Start capturing on every interface without a ring: no kernel grace period to open (for a process that lives one run: the lab).</summary>
    public static WireCapture StartPlain() => new(PacketRing.OpenPlain());

    /// <summary>Null when this process may capture on lo; otherwise why not (opens and closes a ring).</summary>
    public static string? WhyUnavailable()
    {
        try
        {
            PacketRing.Open("lo").Dispose();
            return null;
        }
        catch (WireUnavailableException e) { return e.Message; }
    }

    /// <summary>Packets the ring dropped for want of room, so far (a note says so when any did).</summary>
    public long Dropped
    {
        get { lock (_lock) return _dropped; }
    }

    /// <summary>Every packet captured since the last take, decoded, in the kernel's order; what is not TCP, UDP or an ICMP error is left out.</summary>
    public List<WireSegment> Take()
    {
        var segments = new List<WireSegment>();
        lock (_lock)
        {
            DrainLocked();
            foreach (var frame in _frames)
            {
                if (WireSegment.Decode(frame.Data, frame.UnixNanoseconds) is not WireSegment segment) continue;
                // The bytes stay with the segment (they are its own array): -PcapPath writes them.
                segment.Packet = frame.Data;
                segment.OriginalLength = frame.OriginalLength;
                segments.Add(segment);
            }
            _frames.Clear();
        }
        return segments;
    }

    private void Drain()
    {
        int drained;
        lock (_lock)
        {
            if (_disposed) return;
            drained = DrainLocked();
        }
        try { _timer.Change(drained >= BusyFrames ? BusyDrainEveryMs : DrainEveryMs, Timeout.Infinite); }
        catch (ObjectDisposedException) { } // disposed between the lock and here
    }

    /// <summary>Returns how many packets the kernel had queued.</summary>
    private int DrainLocked()
    {
        if (_disposed) return 0;
        int before = _frames.Count;
        int skipped = _ring.Drain(_frames);
        _dropped += _ring.Dropped();
        return _frames.Count - before + skipped;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _timer.Dispose();
        lock (_lock) _ring.Dispose();
    }

    /// <summary>Now on the kernel's packet clock (CLOCK_REALTIME), in ns since 1970.</summary>
    public static long UnixNowNanoseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
