namespace SocketProbe.Engine.Watch;

/// <summary>One connection of the search: idle this long, then probed once; started this long after the search began.</summary>
public sealed record IdlePoint(int IdleSeconds, double StartSeconds);

/// <summary>
/// The schedule of Find-TcpIdleTimeout, for one address: which idle times are tried, and when each
/// connection starts. Pure arithmetic, so it is tested on its own.
/// <para>
/// The search answers when the shortest idle time that failed is known and every shorter one has
/// survived. A connection idle for d, started at s, answers at s + d (+ the probe's own time). So:
/// </para>
/// <list type="bullet">
/// <item>If every idle time from ResolutionSeconds to MaxSeconds, one ResolutionSeconds apart, fits in
/// ThrottleLimit connections, they all start together (s = 0): the answer comes at the first failing
/// idle time, i.e. at most the timeout + ResolutionSeconds (+ the probe).</item>
/// <item>Otherwise each connection starts at s = 0.2·d: only connections whose answer lies between
/// now and about 5× now are open at any moment, so the number held at once stays bounded, and the
/// answer still comes at 1.2·d. Where even that would hold more than ThrottleLimit connections, the
/// step between idle times grows with d (step = max(ResolutionSeconds, k·d), the smallest k that fits):
/// resolution is traded for the bound, and the result says which resolution it reached.</item>
/// </list>
/// Any schedule that finds every timeout T within ±R by 1.25·T must hold about T/R connections at
/// once near the end (each candidate around T must have started by 0.25·T, before anything near T
/// is known), so the bound on connections and the resolution cannot both be had for large T: this
/// plan keeps the bound and reports the resolution.
/// </summary>
public static class IdleTimeoutPlan
{
    public const double StaggerFactor = 0.2;

    public static IReadOnlyList<IdlePoint> Build(int maxSeconds, int resolutionSeconds, int throttleLimit, double probeSeconds)
    {
        if (resolutionSeconds < 1) throw new ArgumentOutOfRangeException(nameof(resolutionSeconds), resolutionSeconds, "must be at least 1");
        if (maxSeconds < resolutionSeconds) throw new ArgumentOutOfRangeException(nameof(maxSeconds), maxSeconds, "must be at least the resolution");
        if (throttleLimit < 1) throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "must be at least 1");

        var linear = Grid(maxSeconds, resolutionSeconds, 0);
        if (linear.Count <= throttleLimit) return linear.Select(d => new IdlePoint(d, 0)).ToArray();

        // Staggered: grow the step until the most connections open at once fits the limit.
        IReadOnlyList<IdlePoint> best = Array.Empty<IdlePoint>();
        for (double k = 0; k <= 1.0; k += 0.005)
        {
            var points = Grid(maxSeconds, resolutionSeconds, k).Select(d => new IdlePoint(d, StaggerFactor * d)).ToArray();
            best = points;
            if (MostOpenAtOnce(points, probeSeconds) <= throttleLimit) break;
        }
        return best;
    }

    private static List<int> Grid(int maxSeconds, int resolution, double k)
    {
        var grid = new List<int>();
        int d = resolution;
        while (d < maxSeconds)
        {
            grid.Add(d);
            d += Math.Max(resolution, (int)Math.Ceiling(k * d));
        }
        grid.Add(maxSeconds);
        return grid;
    }

    /// <summary>The most connections open at one moment if none answers early (each open from its start to its answer).</summary>
    public static int MostOpenAtOnce(IReadOnlyList<IdlePoint> points, double probeSeconds)
    {
        var events = new List<(double At, int Delta)>(points.Count * 2);
        foreach (var p in points)
        {
            events.Add((p.StartSeconds, +1));
            events.Add((p.StartSeconds + p.IdleSeconds + probeSeconds, -1));
        }
        int open = 0, most = 0;
        foreach (var e in events.OrderBy(e => e.At).ThenBy(e => e.Delta))
        {
            open += e.Delta;
            most = Math.Max(most, open);
        }
        return most;
    }
}
