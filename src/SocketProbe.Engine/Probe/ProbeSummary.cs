namespace SocketProbe.Engine.Probe;

/// <summary>Statistics of every attempt to one target:port (all its addresses, all rounds).</summary>
public sealed class ProbeSummary
{
    public string Target { get; set; } = "";
    public int Port { get; set; }
    /// <summary>The addresses tried, in first-seen order, comma-separated.</summary>
    public string? Addresses { get; set; }
    /// <summary>Attempts made (one per address per round; one per round when the name gave no address).</summary>
    public int Sent { get; set; }
    public int Open { get; set; }
    public int Refused { get; set; }
    public int TimedOut { get; set; }
    public int HostUnreachable { get; set; }
    public int NetworkUnreachable { get; set; }
    public int NameNotResolved { get; set; }
    public int Error { get; set; }
    /// <summary>Attempts our own side could not make (a local limit, a self-connect): not the target's, not loss.</summary>
    public int LocalError { get; set; }
    /// <summary>Share of the target's attempts (all but LocalError) that did not end Open, in percent (0-100); empty when there were none.</summary>
    public double? LossPercent { get; set; }
    /// <summary>Attempts the target's own TCP stack answered (Open or Refused): the ones the times below are over.</summary>
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
    /// <summary>Timestamp (UTC) of the first attempt of that run.</summary>
    public DateTime? OutageStart { get; set; }
    /// <summary>Timestamp (UTC) of the last attempt of that run.</summary>
    public DateTime? OutageEnd { get; set; }
    public DateTime? FirstAttempt { get; set; }
    public DateTime? LastAttempt { get; set; }

    public override string ToString() => $"{Target}:{Port} sent {Sent}, open {Open}, refused {Refused}, loss {LossPercent:F1}%";
}

/// <summary>Pure functions over attempts: the -Summary statistics and the -Quiet verdict.</summary>
public static class ProbeStatistics
{
    /// <summary>
    /// One summary per target:port, in the order they first appear. Attempts are taken in
    /// Sequence order (stable within a round), which is the order runs of failures are counted in.
    /// Times (min/avg/max/p50/p95) are over the answered attempts (Open, Refused), as ping's times
    /// are over replies: a timed-out attempt's ConnectMs is our bound, not a round trip.
    /// </summary>
    public static IReadOnlyList<ProbeSummary> Summarize(IEnumerable<ProbeResult> attempts)
    {
        var groups = new List<(string Target, int Port, List<ProbeResult> Attempts)>();
        var index = new Dictionary<(string, int), int>();
        foreach (var a in attempts)
        {
            var key = (a.Target, a.Port);
            if (!index.TryGetValue(key, out int i))
            {
                i = groups.Count;
                index[key] = i;
                groups.Add((a.Target, a.Port, new List<ProbeResult>()));
            }
            groups[i].Attempts.Add(a);
        }
        return groups.Select(g => SummarizeOne(g.Target, g.Port, g.Attempts)).ToList();
    }

    private static ProbeSummary SummarizeOne(string target, int port, List<ProbeResult> given)
    {
        // OrderBy is stable: within a round the attempts keep their output order.
        var attempts = given.OrderBy(a => a.Sequence).ToList();
        var s = new ProbeSummary
        {
            Target = target,
            Port = port,
            Sent = attempts.Count,
            Addresses = string.Join(", ", attempts.Select(a => a.Address).Where(a => !string.IsNullOrEmpty(a)).Distinct()),
            FirstAttempt = attempts.Count > 0 ? attempts.Min(a => a.Timestamp) : null,
            LastAttempt = attempts.Count > 0 ? attempts.Max(a => a.Timestamp) : null,
        };
        if (s.Addresses.Length == 0) s.Addresses = null;
        foreach (var a in attempts)
        {
            switch (a.Outcome)
            {
                case ProbeOutcome.Open: s.Open++; break;
                case ProbeOutcome.Refused: s.Refused++; break;
                case ProbeOutcome.TimedOut: s.TimedOut++; break;
                case ProbeOutcome.HostUnreachable: s.HostUnreachable++; break;
                case ProbeOutcome.NetworkUnreachable: s.NetworkUnreachable++; break;
                case ProbeOutcome.NameNotResolved: s.NameNotResolved++; break;
                case ProbeOutcome.LocalError: s.LocalError++; break;
                default: s.Error++; break;
            }
        }
        int targets = s.Sent - s.LocalError;
        s.LossPercent = targets == 0 ? null : 100.0 * (targets - s.Open) / targets;

        var times = attempts
            .Where(a => a.Outcome is ProbeOutcome.Open or ProbeOutcome.Refused && a.ConnectMs.HasValue)
            .Select(a => a.ConnectMs!.Value)
            .OrderBy(ms => ms)
            .ToArray();
        s.Answered = times.Length;
        if (times.Length > 0)
        {
            s.MinMs = times[0];
            s.MaxMs = times[^1];
            s.AvgMs = times.Average();
            s.P50Ms = NearestRank(times, 50);
            s.P95Ms = NearestRank(times, 95);
        }

        int run = 0;
        DateTime? runStart = null;
        foreach (var a in attempts)
        {
            // Our own failures neither start, extend nor end an outage of the target.
            if (a.Outcome == ProbeOutcome.LocalError) continue;
            if (a.Outcome == ProbeOutcome.Open)
            {
                run = 0;
                continue;
            }
            if (run == 0) runStart = a.Timestamp;
            run++;
            if (run > s.LongestOutage)
            {
                s.LongestOutage = run;
                s.OutageStart = runStart;
                s.OutageEnd = a.Timestamp;
            }
        }
        return s;
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
    public static IReadOnlyList<(string Target, int Port, bool Refused)> Verdicts(IEnumerable<ProbeResult> attempts)
    {
        var order = new List<(string, int)>();
        var refused = new Dictionary<(string, int), (bool All, int Seen)>();
        foreach (var a in attempts)
        {
            var key = (a.Target, a.Port);
            if (!refused.TryGetValue(key, out var so))
            {
                order.Add(key);
                so = (true, 0);
            }
            if (a.Outcome == ProbeOutcome.LocalError) { refused[key] = so; continue; }
            refused[key] = (so.All && a.Outcome == ProbeOutcome.Refused, so.Seen + 1);
        }
        return order.Select(k => (k.Item1, k.Item2, refused[k].All && refused[k].Seen > 0)).ToList();
    }
}
