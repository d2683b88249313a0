namespace SocketProbe.Engine.Counters;

/// <summary>
/// One counter in one set (Get-TcpCounter): its value, and with an interval how much it moved over
/// it. Every property a scalar, for Export-Csv and scheduled jobs.
/// </summary>
public sealed class TcpCounter
{
    /// <summary>When the set was read (the end of its interval): ISO 8601 UTC with milliseconds, as every SocketProbe time.</summary>
    public string Timestamp { get => Probe.ProbeResult.Iso(TakenAt)!; init => TakenAt = Probe.ProbeResult.ParseIso(value) ?? default; }
    internal DateTime TakenAt { get; init; }
    /// <summary>1, 2, 3 ... one per interval (-Count, -Continuous); 1 for a single read.</summary>
    public int Sample { get; init; }
    /// <summary>nstat's name on Linux: TcpOutRsts, TcpExtListenOverflows, Ip6InReceives, UdpNoPorts ...</summary>
    public string Name { get; init; } = "";
    /// <summary>The counter's value (since boot, or since the network namespace was made).</summary>
    public long Value { get; init; }
    /// <summary>How much it moved over the interval; null without -IntervalSeconds.</summary>
    public long? Delta { get; init; }
    /// <summary>Delta per second of the measured interval; null without -IntervalSeconds.</summary>
    public double? PerSecond { get; init; }
    /// <summary>The measured length of the interval, seconds; null without -IntervalSeconds.</summary>
    public double? IntervalSeconds { get; init; }
    /// <summary>What makes the kernel count it, in plain words; null for a counter the catalogue does not describe.</summary>
    public string? Meaning { get; init; }
    /// <summary>The kernel function (file) that counts it.</summary>
    public string? Source { get; init; }
    /// <summary>Catalogue scenarios measured to move it, comma-separated (Invoke-SocketScenario -Name ...).</summary>
    public string Scenarios { get; init; } = "";
    /// <summary>A reset, abort, overflow, retransmit or timeout counter: the ones the default view shows first.</summary>
    public bool IsLead { get; init; }

    public override string ToString() => Delta is long d ? $"{Name} {Value} ({(d >= 0 ? "+" : "")}{d})" : $"{Name} {Value}";
}
