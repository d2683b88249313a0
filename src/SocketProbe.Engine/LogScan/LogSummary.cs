using System.Globalization;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.LogScan;

/// <summary>One error as one runtime reported it across the logs read: how often, from when to when, how far apart.</summary>
public sealed class LogErrorSummary
{
    public string Key { get; init; } = "";
    public string Name { get; init; } = "";
    public string Runtime { get; init; } = "";
    public long Count { get; init; }
    /// <summary>How many of <see cref="Count"/> lines carried a time (the intervals come from those).</summary>
    public long Timed { get; init; }
    /// <summary>The first and last occurrence: ISO 8601 UTC with milliseconds, as every SocketProbe time.</summary>
    public string? First { get => Probe.ProbeResult.Iso(FirstTime); init => FirstTime = Probe.ProbeResult.ParseIso(value); }
    public string? Last { get => Probe.ProbeResult.Iso(LastTime); init => LastTime = Probe.ProbeResult.ParseIso(value); }
    /// <summary>The median time between one occurrence and the next, in time order (seconds, to the millisecond).</summary>
    public double? TypicalIntervalSeconds => Seconds(TypicalInterval);
    public double? ShortestIntervalSeconds => Seconds(ShortestInterval);
    public double? LongestIntervalSeconds => Seconds(LongestInterval);
    internal DateTime? FirstTime { get; init; }
    internal DateTime? LastTime { get; init; }
    internal TimeSpan? TypicalInterval { get; init; }
    internal TimeSpan? ShortestInterval { get; init; }
    internal TimeSpan? LongestInterval { get; init; }
    /// <summary>The share of intervals within 10 % (at least 2 s) of the typical one: near 1, a timer; low, load or chance.</summary>
    public double? Regularity { get; init; }
    /// <summary>The endpoint the lines name most often.</summary>
    public string? Host { get; init; }
    public int? Port { get; init; }
    /// <summary>What the counts and intervals point at, in words.</summary>
    public string Verdict { get; init; } = "";
    public string NextCommand { get; init; } = "";
    /// <summary>The files these lines came from, comma-separated.</summary>
    public string Files { get; init; } = "";

    /// <summary>A length in seconds, rounded to the millisecond (what a person reads, and a log's times hold at best).</summary>
    internal static double? Seconds(TimeSpan? span) => span is { } s ? Math.Round(s.TotalSeconds, 3) : null;
}

/// <summary>
/// Gathers <see cref="LogLineError"/>s into one <see cref="LogErrorSummary"/> per error and runtime. Keeps eight bytes
/// per timed occurrence (its time, to sort: rotated files arrive in name order, not time order) and nothing per line.
/// </summary>
public sealed class LogSummaryBuilder
{
    /// <summary>Intervals this regular, at least this many, are a timer's doing.</summary>
    public const double RegularShare = 0.6;
    public const int RegularMinimum = 3;

    /// <summary>Drops of an established connection: a fixed period between them points at an idle timeout.</summary>
    private static readonly HashSet<string> ConnectionDrops = new(StringComparer.Ordinal) { "ECONNRESET", "EOF", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "ENETRESET" };

    private sealed class Group
    {
        public required LogLineError Sample;
        public long Count;
        public readonly List<long> Ticks = new();
        public readonly Dictionary<(string Host, int? Port), int> Endpoints = new();
        public readonly List<string> Files = new();
    }

    private readonly Dictionary<(string Key, string Runtime), Group> _groups = new();

    public void Add(LogLineError error)
    {
        if (!_groups.TryGetValue((error.Key, error.Runtime), out var group))
        {
            _groups[(error.Key, error.Runtime)] = group = new Group { Sample = error };
        }
        group.Count++;
        if (error.WrittenAt is { } time) group.Ticks.Add(time.Ticks);
        if (error.Host is { } host && group.Endpoints.Count < 1000)
        {
            group.Endpoints[(host, error.Port)] = group.Endpoints.GetValueOrDefault((host, error.Port)) + 1;
        }
        if (group.Files.Count == 0 || group.Files[^1] != error.Path)
        {
            if (!group.Files.Contains(error.Path) && group.Files.Count < 100) group.Files.Add(error.Path);
        }
    }

    /// <summary>The summaries, most frequent first.</summary>
    public IReadOnlyList<LogErrorSummary> Build() =>
        _groups.Values.OrderByDescending(g => g.Count).ThenBy(g => g.Sample.Key, StringComparer.Ordinal).Select(Summarise).ToList();

    private static LogErrorSummary Summarise(Group group)
    {
        LogLineError sample = group.Sample;
        var ticks = group.Ticks.ToArray();
        Array.Sort(ticks);
        var intervals = new long[Math.Max(0, ticks.Length - 1)];
        for (int i = 1; i < ticks.Length; i++) intervals[i - 1] = ticks[i] - ticks[i - 1];
        Array.Sort(intervals);
        TimeSpan? typical = intervals.Length == 0 ? null : TimeSpan.FromTicks(Median(intervals));
        double? regularity = typical is { } t ? intervals.Count(i => Math.Abs(i - t.Ticks) <= Tolerance(t).Ticks) / (double)intervals.Length : null;

        var endpoint = group.Endpoints.Count == 0 ? default : group.Endpoints.MaxBy(e => e.Value).Key;
        ErrorEntry? entry = ErrorCatalog.Entries.FirstOrDefault(e => e.Key == sample.Key);
        string fallback = entry is null ? sample.NextCommand : NextSteps.For(entry, endpoint.Host, endpoint.Port).Command;
        var (verdict, next) = Judge(sample.Key, group.Count, intervals.Length, typical, regularity, endpoint.Host, endpoint.Port, fallback);
        return new LogErrorSummary
        {
            Key = sample.Key, Name = sample.Name, Runtime = sample.Runtime, Count = group.Count, Timed = ticks.Length,
            FirstTime = ticks.Length > 0 ? new DateTime(ticks[0], DateTimeKind.Utc) : null,
            LastTime = ticks.Length > 0 ? new DateTime(ticks[^1], DateTimeKind.Utc) : null,
            TypicalInterval = typical,
            ShortestInterval = intervals.Length > 0 ? TimeSpan.FromTicks(intervals[0]) : null,
            LongestInterval = intervals.Length > 0 ? TimeSpan.FromTicks(intervals[^1]) : null,
            Regularity = regularity is { } r ? Math.Round(r, 2) : null,
            Host = endpoint.Host, Port = endpoint.Port,
            Verdict = verdict, NextCommand = next, Files = string.Join(",", group.Files),
        };
    }

    /// <summary>What the rhythm of an error says, and the command to run next.</summary>
    internal static (string Verdict, string Next) Judge(string key, long count, int intervals, TimeSpan? typical, double? regularity,
        string? host, int? port, string fallback)
    {
        if (typical is not { } t || regularity is not { } r)
        {
            return (count == 1 ? "Once." : "No times in these lines: no intervals to judge.", fallback);
        }
        string every = Words(t);
        if (t < TimeSpan.FromSeconds(1))
        {
            return ($"In bursts: typically {every} apart, many at once rather than on a timer.", fallback);
        }
        if (intervals < RegularMinimum || r < RegularShare)
        {
            return ($"Irregular: typically {every} apart ({Percent(r)} of {intervals} intervals within 10 % of that), so load or chance, not a timer.", fallback);
        }
        if (!ConnectionDrops.Contains(key))
        {
            return ($"Regular: every ~{every} ({Percent(r)} of {intervals} intervals): something on a timer, a job or a health check, causes it.", fallback);
        }
        string find = $"Find-TcpIdleTimeout -ComputerName {NextSteps.HostArgument(host)} -Port {NextSteps.PortArgument(port)}";
        return ($"Regular: {key} every ~{every} ({Percent(r)} of {intervals} intervals). A connection dropped on a fixed period points at an " +
            "idle timeout on the path (a load balancer, NAT or firewall that forgets idle flows: AWS NLB's is 350 s, Azure Load " +
            $"Balancer's 4 min by default) or at the server's keep-alive timeout. Next: {find} measures it.", find);
    }

    private static string Percent(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    private static TimeSpan Tolerance(TimeSpan typical) => TimeSpan.FromTicks(Math.Max(typical.Ticks / 10, TimeSpan.TicksPerSecond * 2));

    private static long Median(long[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    internal static string Words(TimeSpan span) =>
        span.TotalSeconds < 1 ? $"{span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms" :
        span.TotalSeconds < 120 ? $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s" :
        span.TotalMinutes < 120 ? $"{span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s ({span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min)" :
        $"{span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h";
}

/// <summary>One bucket of a timeline: how many lines of one error fell in [Start, Start + BucketSeconds).</summary>
public sealed class LogTimelineBucket
{
    /// <summary>The bucket's start: ISO 8601 UTC with milliseconds, as every SocketProbe time.</summary>
    public string Start { get => Probe.ProbeResult.Iso(StartTime)!; init => StartTime = Probe.ProbeResult.ParseIso(value) ?? default; }
    /// <summary>The bucket's length (-Bucket) in seconds.</summary>
    public double BucketSeconds => LogErrorSummary.Seconds(Bucket)!.Value;
    internal DateTime StartTime { get; init; }
    internal TimeSpan Bucket { get; init; }
    public string Key { get; init; } = "";
    public long Count { get; init; }
}

/// <summary>
/// Counts per time bucket and error, every bucket from the first to the last (zeros included, so a chart's axis is
/// time), at most <see cref="MaxRows"/> rows. Lines without a time are counted in <see cref="Untimed"/>.
/// </summary>
public sealed class LogTimelineBuilder
{
    public const int MaxRows = 1_000_000;
    private readonly TimeSpan _bucket;
    private readonly Dictionary<(long Bucket, string Key), long> _counts = new();
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);

    public long Untimed { get; private set; }

    public LogTimelineBuilder(TimeSpan bucket)
    {
        if (bucket <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "a bucket must be longer than zero");
        _bucket = bucket;
    }

    public void Add(LogLineError error)
    {
        if (error.WrittenAt is not { } time) { Untimed++; return; }
        long bucket = time.Ticks / _bucket.Ticks;
        _keys.Add(error.Key);
        _counts[(bucket, error.Key)] = _counts.GetValueOrDefault((bucket, error.Key)) + 1;
        if (_counts.Count > MaxRows) throw TooMany(_counts.Count);
    }

    public IEnumerable<LogTimelineBucket> Build()
    {
        if (_counts.Count == 0) yield break;
        long first = _counts.Keys.Min(k => k.Bucket), last = _counts.Keys.Max(k => k.Bucket);
        long rows = (last - first + 1) * _keys.Count;
        if (rows > MaxRows) throw TooMany(rows);
        for (long b = first; b <= last; b++)
        {
            foreach (string key in _keys)
            {
                yield return new LogTimelineBucket
                {
                    StartTime = new DateTime(b * _bucket.Ticks, DateTimeKind.Utc), Bucket = _bucket, Key = key, Count = _counts.GetValueOrDefault((b, key)),
                };
            }
        }
    }

    private ArgumentException TooMany(long rows) =>
        new($"A timeline of {rows:N0} rows (buckets of {LogSummaryBuilder.Words(_bucket)} times errors) is more than {MaxRows:N0}: choose a longer -Bucket.");

    /// <summary>A bucket length: "30s", "1m", "5m", "1h", "1d", "500ms", or a TimeSpan ("00:05:00").</summary>
    public static bool TryParseBucket(string text, out TimeSpan bucket)
    {
        bucket = default;
        string t = text.Trim().ToLowerInvariant();
        (string Suffix, double Ticks)[] units = { ("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute),
            ("min", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour), ("d", TimeSpan.TicksPerDay) };
        foreach (var (suffix, ticks) in units.OrderByDescending(u => u.Suffix.Length))
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(t.AsSpan(0, t.Length - suffix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) && n > 0)
            {
                bucket = TimeSpan.FromTicks((long)(n * ticks));
                return bucket > TimeSpan.Zero;
            }
        }
        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out bucket) && bucket > TimeSpan.Zero;
    }
}
