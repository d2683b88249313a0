namespace SocketProbe.Engine.Wire;

/// <summary>
/// One capture on lo for the whole host process, shared by every run that captures (the matrix
/// runs many at once). Opening a ring and closing it each wait for an RCU grace period in the
/// kernel (7-15 ms, and 16-32 ms, measured here): paid once, not per run. A lease sees the packets
/// from its own start on; the ring is closed, off any run's path, a few seconds after its last
/// lease ends (<see cref="SharedHub{TSource, TItem, TStamp}"/> keeps the leases).
/// </summary>
public static class WireHub
{
    private static readonly SharedHub<Ring, WireSegment, long> Hub = new(
        () => new Ring(WireCapture.Start("lo")), s => s.UnixNanoseconds, WireCapture.UnixNowNanoseconds,
        linger: TimeSpan.FromSeconds(2));

    /// <summary>
    /// Start seeing lo's packets from now on: the lease's Take() gives every packet on lo since its
    /// start, decoded, in the kernel's order; its Lost, the packets the ring dropped since then.
    /// Throws <see cref="WireUnavailableException"/> with the reason.
    /// </summary>
    public static SharedHub<Ring, WireSegment, long>.Lease Acquire() => Hub.Acquire();

    /// <summary>The capture on lo, as the hub pulls it.</summary>
    public sealed class Ring : IHubSource<WireSegment>
    {
        private readonly WireCapture _capture;
        private long _droppedSeen;

        internal Ring(WireCapture capture) => _capture = capture;

        public long Pull(List<WireSegment> into, bool settle)
        {
            into.AddRange(_capture.Take());
            long dropped = _capture.Dropped;
            long newly = dropped - _droppedSeen;
            _droppedSeen = dropped;
            return newly;
        }

        public void Dispose() => _capture.Dispose();
    }
}
