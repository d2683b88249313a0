namespace SocketProbe.Engine.Counters;

/// <summary>What Get-TcpCounter asked for.</summary>
public sealed record CounterRequest
{
    /// <summary>Wildcard patterns (already matched against names by the caller); null for every counter.</summary>
    public Func<string, bool> Selects { get; init; } = _ => true;
    /// <summary>Null: one read, no deltas. Otherwise the length of each interval.</summary>
    public TimeSpan? Interval { get; init; }
    /// <summary>How many sets (intervals) to take; null with an interval means forever (-Continuous).</summary>
    public int? Count { get; init; } = 1;
    /// <summary>Only counters that moved over the interval (without one: only non-zero values).</summary>
    public bool NonZero { get; init; }
}

/// <summary>Reads the counters once, or once per interval, and turns each set into <see cref="TcpCounter"/> rows.</summary>
public static class CounterSampler
{
    /// <summary>
    /// Take the sets <paramref name="request"/> asks for, starting from <paramref name="first"/>
    /// (already read), handing each row to <paramref name="emit"/> as each set completes.
    /// </summary>
    public static async Task RunAsync(CounterRequest request, CounterSnapshot first, Action<TcpCounter> emit,
        CancellationToken cancellation, Func<CounterSnapshot>? read = null)
    {
        read ??= CounterReader.Read;
        var scenarios = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request.Interval is not TimeSpan interval)
        {
            foreach (TcpCounter row in Rows(request, first, null, 1, scenarios)) emit(row);
            return;
        }
        CounterSnapshot before = first;
        var clock = Stopwatch.StartNew();
        for (int sample = 1; request.Count is null || sample <= request.Count; sample++)
        {
            // Each interval is measured from the previous read, so sets do not drift.
            TimeSpan wait = interval * sample - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellation).ConfigureAwait(false);
            CounterSnapshot after = read();
            foreach (TcpCounter row in Rows(request, after, before, sample, scenarios)) emit(row);
            before = after;
        }
    }

    /// <summary>One set: the rows of <paramref name="now"/>, with deltas from <paramref name="before"/> when given.</summary>
    public static IEnumerable<TcpCounter> Rows(CounterRequest request, CounterSnapshot now, CounterSnapshot? before, int sample,
        Dictionary<string, string>? scenarioCache = null)
    {
        double? seconds = before is null ? null : (now.Timestamp - before.Timestamp).TotalSeconds;
        var rows = new List<TcpCounter>();
        foreach (var (name, value) in now.Values)
        {
            if (!request.Selects(name)) continue;
            long? delta = before is null ? null : value - before[name];
            if (request.NonZero && (delta ?? value) == 0) continue;
            CounterMeaning? meaning = CounterCatalog.Find(name);
            string scenarios = ScenariosOf(name, scenarioCache);
            rows.Add(new TcpCounter
            {
                TakenAt = now.Timestamp, Sample = sample, Name = name, Value = value, Delta = delta,
                PerSecond = delta is long d && seconds > 0 ? Math.Round(d / seconds.Value, 3) : delta is null ? null : 0,
                IntervalSeconds = seconds is double s ? Math.Round(s, 3) : null,
                Meaning = meaning?.Meaning, Source = meaning?.Source, Scenarios = scenarios, IsLead = CounterCatalog.IsLead(name),
            });
        }
        return CounterCatalog.InViewOrder(rows, r => r.Name);
    }

    private static string ScenariosOf(string name, Dictionary<string, string>? cache)
    {
        if (cache is not null && cache.TryGetValue(name, out string? known)) return known;
        string text = string.Join(", ", CounterCatalog.ScenariosMoving(name, PlatformInfo.Current));
        if (cache is not null) cache[name] = text;
        return text;
    }
}
