namespace SocketProbe.Engine.Probe;

/// <summary>
/// Statistics of every attempt to one address of one target:port, over all rounds. Per address, not
/// per name: an IPv4-only service behind a name with an IPv6 address too shows one healthy row and
/// one failing row, instead of 50 % loss. A name that gave no address has one row with Address empty.
/// </summary>
public sealed class ProbeSummary
{
    public string Target { get; set; } = "";
    public int Port { get; set; }
    /// <summary>The address tried; empty for the rounds in which the name gave no address.</summary>
    public string? Address { get; set; }
    /// <summary>IPv4 or IPv6; empty when the name gave no address.</summary>
    public string? AddressFamily { get; set; }
    /// <summary>Attempts made (one per round).</summary>
    public int Sent { get; set; }
    public int Open { get; set; }
    public int Refused { get; set; }
    public int TimedOut { get; set; }
    public int HostUnreachable { get; set; }
    public int NetworkUnreachable { get; set; }
    public int NameNotResolved { get; set; }
    /// <summary>Handshakes the server then reset (-ReadMs; or an RST that beat the connect's completion).</summary>
    public int Reset { get; set; }
    /// <summary>Handshakes the server then closed with FIN before any byte (-ReadMs).</summary>
    public int Closed { get; set; }
    /// <summary>Open attempts in which the server sent bytes within -ReadMs.</summary>
    public int Data { get; set; }
    /// <summary>Open attempts in which the server stayed silent for all of -ReadMs.</summary>
    public int Silent { get; set; }
    public int Error { get; set; }
    /// <summary>Attempts our own side could not make (a local limit, a self-connect): not the target's, not loss.</summary>
    public int LocalError { get; set; }
    /// <summary>Share of the target's attempts (all but LocalError) that did not end Open, in percent (0-100); empty when there were none.</summary>
    public double? LossPercent { get; set; }
    /// <summary>Attempts the target's own TCP stack answered (Open, Refused, Reset, Closed): the ones the times below are over.</summary>
    public int Answered { get; set; }
    public double? MinMs { get; set; }
    public double? AvgMs { get; set; }
    public double? MaxMs { get; set; }
    /// <summary>Median ConnectMs of the answered attempts (nearest rank).</summary>
    public double? P50Ms { get; set; }
    /// <summary>95th percentile ConnectMs of the answered attempts (nearest rank).</summary>
    public double? P95Ms { get; set; }
    /// <summary>Longest run of consecutive attempts that did not end Open.</summary>
    public int LongestOutage { get; set; }
    /// <summary>Timestamp of the first attempt of that run (ISO 8601 UTC, as ProbeResult.Timestamp).</summary>
    public string? OutageStart { get => ProbeResult.Iso(OutageStartTime); set => OutageStartTime = ProbeResult.ParseIso(value); }
    /// <summary>Timestamp of the last attempt of that run.</summary>
    public string? OutageEnd { get => ProbeResult.Iso(OutageEndTime); set => OutageEndTime = ProbeResult.ParseIso(value); }
    public string? FirstAttempt { get => ProbeResult.Iso(FirstAttemptTime); set => FirstAttemptTime = ProbeResult.ParseIso(value); }
    public string? LastAttempt { get => ProbeResult.Iso(LastAttemptTime); set => LastAttemptTime = ProbeResult.ParseIso(value); }

    internal DateTime? OutageStartTime { get; set; }
    internal DateTime? OutageEndTime { get; set; }
    internal DateTime? FirstAttemptTime { get; set; }
    internal DateTime? LastAttemptTime { get; set; }

    public override string ToString() => $"{Target}:{Port} {Address} sent {Sent}, open {Open}, refused {Refused}, loss {LossPercent:F1}%";
}

/// <summary>
/// Running statistics, one attempt at a time: what -Summary, -Quiet and -Healthy keep instead of
/// every attempt, so a -Continuous run holds one counter set per address (and one double per
/// answered attempt, for the percentiles) rather than every result. Attempts must be added in
/// Sequence order (the prober's output order).
/// </summary>
public sealed class ProbeTally
{
    private sealed class Group
    {
        public required ProbeSummary Summary;
        public readonly List<double> Times = new();
        public int Run;
        public DateTime? RunStart;
    }

    private sealed class Verdict
    {
        public bool AllRefused = true;
        public bool AllOpen = true;
        public int Seen;
    }

    private readonly List<Group> _groups = new();
    private readonly Dictionary<(string, int, string?), Group> _index = new();
    private readonly List<(string Target, int Port)> _order = new();
    private readonly Dictionary<(string, int), Verdict> _verdicts = new();

    public void Add(ProbeResult a)
    {
        lock (_groups)
        {
            var key = (a.Target, a.Port, a.Address);
            if (!_index.TryGetValue(key, out var g))
            {
                g = new Group { Summary = new ProbeSummary { Target = a.Target, Port = a.Port, Address = a.Address, AddressFamily = a.AddressFamily } };
                _index[key] = g;
                _groups.Add(g);
            }
            Count(g, a);
            var vkey = (a.Target, a.Port);
            if (!_verdicts.TryGetValue(vkey, out var v))
            {
                v = new Verdict();
                _verdicts[vkey] = v;
                _order.Add(vkey);
            }
            if (ProbeClassifier.IsTargets(a.Kind))
            {
                v.Seen++;
                v.AllRefused &= a.Kind == ProbeOutcome.Refused;
                v.AllOpen &= a.Healthy ?? a.Kind == ProbeOutcome.Open;
            }
        }
    }

    private static void Count(Group g, ProbeResult a)
    {
        var s = g.Summary;
        s.Sent++;
        s.FirstAttemptTime = s.FirstAttemptTime is { } first && first <= a.Started ? first : a.Started;
        s.LastAttemptTime = s.LastAttemptTime is { } last && last >= a.Started ? last : a.Started;
        switch (a.Kind)
        {
            case ProbeOutcome.Open: s.Open++; break;
            case ProbeOutcome.Refused: s.Refused++; break;
            case ProbeOutcome.TimedOut: s.TimedOut++; break;
            case ProbeOutcome.HostUnreachable: s.HostUnreachable++; break;
            case ProbeOutcome.NetworkUnreachable: s.NetworkUnreachable++; break;
            case ProbeOutcome.NameNotResolved: s.NameNotResolved++; break;
            case ProbeOutcome.Reset: s.Reset++; break;
            case ProbeOutcome.Closed: s.Closed++; break;
            case ProbeOutcome.LocalError: s.LocalError++; break;
            default: s.Error++; break;
        }
        if (a.After == AfterConnectKind.Data) s.Data++;
        if (a.After == AfterConnectKind.Silent) s.Silent++;
        if (a.Kind is ProbeOutcome.Open or ProbeOutcome.Refused or ProbeOutcome.Reset or ProbeOutcome.Closed && a.ConnectMs is double ms)
        {
            g.Times.Add(ms);
        }
        // Our own failures neither start, extend nor end an outage of the target.
        if (a.Kind == ProbeOutcome.LocalError) return;
        if (a.Kind == ProbeOutcome.Open)
        {
            g.Run = 0;
            return;
        }
        if (g.Run == 0) g.RunStart = a.Started;
        g.Run++;
        if (g.Run > s.LongestOutage)
        {
            s.LongestOutage = g.Run;
            s.OutageStartTime = g.RunStart;
            s.OutageEndTime = a.Started;
        }
    }

    /// <summary>One summary per target:port:address, in the order they first appeared.</summary>
    public IReadOnlyList<ProbeSummary> Summaries()
    {
        lock (_groups)
        {
            return _groups.Select(Finish).ToList();
        }
    }

    private static ProbeSummary Finish(Group g)
    {
        var s = g.Summary;
        int targets = s.Sent - s.LocalError;
        s.LossPercent = targets == 0 ? null : 100.0 * (targets - s.Open) / targets;
        var times = g.Times.OrderBy(ms => ms).ToArray();
        s.Answered = times.Length;
        if (times.Length > 0)
        {
            s.MinMs = times[0];
            s.MaxMs = times[^1];
            s.AvgMs = times.Average();
            s.P50Ms = ProbeStatistics.NearestRank(times, 50);
            s.P95Ms = ProbeStatistics.NearestRank(times, 95);
        }
        return s;
    }

    /// <summary>The -Quiet verdict per target:port: see <see cref="ProbeStatistics.Verdicts"/>.</summary>
    public IReadOnlyList<(string Target, int Port, bool Refused)> Refused()
    {
        lock (_groups) return _order.Select(k => (k.Target, k.Port, _verdicts[k].AllRefused && _verdicts[k].Seen > 0)).ToList();
    }

    /// <summary>The -Healthy verdict per target:port: see <see cref="ProbeStatistics.Healthy"/>.</summary>
    public IReadOnlyList<(string Target, int Port, bool Healthy)> Healthy()
    {
        lock (_groups) return _order.Select(k => (k.Target, k.Port, _verdicts[k].AllOpen && _verdicts[k].Seen > 0)).ToList();
    }
}

/// <summary>Pure functions over attempts: the -Summary statistics and the -Quiet / -Healthy verdicts.</summary>
public static class ProbeStatistics
{
    /// <summary>
    /// One summary per target:port:address, in the order they first appear. Attempts are taken in
    /// Sequence order (stable within a round), which is the order runs of failures are counted in.
    /// Times (min/avg/max/p50/p95) are over the answered attempts (Open, Refused, Reset, Closed), as
    /// ping's times are over replies: a timed-out attempt's ConnectMs is our bound, not a round trip.
    /// </summary>
    public static IReadOnlyList<ProbeSummary> Summarize(IEnumerable<ProbeResult> attempts) => Tally(attempts).Summaries();

    private static ProbeTally Tally(IEnumerable<ProbeResult> attempts)
    {
        var tally = new ProbeTally();
        // OrderBy is stable: within a round the attempts keep their output order.
        foreach (var a in attempts.OrderBy(a => a.Sequence)) tally.Add(a);
        return tally;
    }

    /// <summary>Nearest-rank percentile of sorted values: the ceil(p/100 * n)-th smallest.</summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        int rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>
    /// The -Quiet verdict, one per target:port in first-seen order: true when every attempt to it
    /// ended Refused (the far stack actively refused, on every address, every round); false when
    /// any attempt ended otherwise (Open, timed out, unreachable, not resolved). LocalError attempts
    /// say nothing about the target and are left out; with nothing else left the answer is false
    /// (nothing was seen refusing).
    /// </summary>
    public static IReadOnlyList<(string Target, int Port, bool Refused)> Verdicts(IEnumerable<ProbeResult> attempts) => Tally(attempts).Refused();

    /// <summary>
    /// The -Healthy verdict, one per target:port in first-seen order: true only when every attempt
    /// the target answered for ended Open, on every address, every round (with -ReadMs, Open means it
    /// neither reset nor closed: Data or Silent); false for anything else, and false when no attempt
    /// reached the target at all (LocalError only): a health check that could not look is not healthy.
    /// </summary>
    public static IReadOnlyList<(string Target, int Port, bool Healthy)> Healthy(IEnumerable<ProbeResult> attempts) => Tally(attempts).Healthy();
}
