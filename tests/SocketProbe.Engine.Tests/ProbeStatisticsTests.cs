using SocketProbe.Engine.Probe;
using Xunit;
using static SocketProbe.Engine.Probe.ProbeOutcome;

namespace SocketProbe.Engine.Tests;

public class ProbeStatisticsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static ProbeResult Attempt(int sequence, ProbeOutcome outcome, double? ms, string target = "h", int port = 80, string? address = "10.0.0.1") => new()
    {
        Target = target,
        Port = port,
        Address = outcome == ProbeOutcome.NameNotResolved ? null : address,
        Sequence = sequence,
        Started = T0.AddSeconds(sequence),
        Kind = outcome,
        ConnectMs = outcome == ProbeOutcome.NameNotResolved ? null : ms,
    };

    /// <summary>One target's rounds 1, 2, 3, … in the order given: each its outcome and connect time.</summary>
    private static ProbeResult[] Attempts(params (ProbeOutcome Outcome, double? Ms)[] rounds) =>
        rounds.Select((r, i) => Attempt(i + 1, r.Outcome, r.Ms)).ToArray();

    [Fact]
    public void Counts_every_outcome_and_the_loss()
    {
        var attempts = Attempts((Open, 1.0), (Refused, 2.0), (TimedOut, 500.0), (HostUnreachable, 3.0),
            (NetworkUnreachable, 0.1), (NameNotResolved, null), (Error, 0.2), (Open, 4.0));
        var both = ProbeStatistics.Summarize(attempts);
        Assert.Equal(2, both.Count);
        var s = both[0];
        Assert.Equal(("h", 80, 7), (s.Target, s.Port, s.Sent));
        Assert.Equal((2, 1, 1, 1, 1, 1), (s.Open, s.Refused, s.TimedOut, s.HostUnreachable, s.NetworkUnreachable, s.Error));
        Assert.Equal(71.43, s.LossPercent); // 5 of 7, rounded to a hundredth of a percent
        // The round in which the name gave no address has a row of its own, Address empty.
        var unresolved = both[1];
        Assert.Null(unresolved.Address);
        Assert.Equal((1, 1, 100.0), (unresolved.Sent, unresolved.NameNotResolved, unresolved.LossPercent));
        Assert.Equal("10.0.0.1", s.Address);
        Assert.Equal(T0.AddSeconds(1), s.FirstAttemptTime);
        Assert.Equal(T0.AddSeconds(8), s.LastAttemptTime);
    }

    [Fact]
    public void Times_are_over_answered_attempts_only()
    {
        // The timed-out 500 ms is our bound, not a round trip; unreachable is a router's answer.
        var attempts = Attempts((Open, 1.0), (TimedOut, 500.0), (Refused, 3.0), (HostUnreachable, 0.5), (Open, 2.0));
        var s = ProbeStatistics.Summarize(attempts)[0];
        Assert.Equal(3, s.Answered);
        Assert.Equal((1.0, 3.0, 2.0, 2.0, 3.0), (s.MinMs, s.MaxMs, s.AvgMs, s.P50Ms, s.P95Ms));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var attempts = Enumerable.Range(1, 20).Reverse().Select(i => Attempt(i, ProbeOutcome.Open, i)).ToArray();
        var s = ProbeStatistics.Summarize(attempts)[0];
        Assert.Equal(10.0, s.P50Ms); // ceil(0.50 * 20) = 10th
        Assert.Equal(19.0, s.P95Ms); // ceil(0.95 * 20) = 19th
        Assert.Equal(10.5, s.AvgMs);
        Assert.Equal(1.0, ProbeStatistics.NearestRank(new[] { 1.0 }, 95));
        Assert.Equal(2.0, ProbeStatistics.NearestRank(new[] { 1.0, 2.0 }, 95));
        Assert.Equal(1.0, ProbeStatistics.NearestRank(new[] { 1.0, 2.0 }, 50));
    }

    [Fact]
    public void No_answer_means_no_times()
    {
        var s = ProbeStatistics.Summarize(new[] { Attempt(1, ProbeOutcome.NameNotResolved, null), Attempt(2, ProbeOutcome.TimedOut, 100) })[0];
        Assert.Equal(0, s.Answered);
        Assert.Null(s.MinMs);
        Assert.Null(s.AvgMs);
        Assert.Null(s.P95Ms);
        Assert.Equal(100.0, s.LossPercent);
    }

    [Fact]
    public void Longest_outage_is_the_first_longest_run_not_open_with_its_start_and_end()
    {
        var outcomes = new[] { "O", "R", "O", "T", "T", "H", "O", "R", "R", "R", "O", "T" };
        var attempts = outcomes.Select((o, i) => Attempt(i + 1, o switch
        {
            "O" => ProbeOutcome.Open,
            "R" => ProbeOutcome.Refused,
            "T" => ProbeOutcome.TimedOut,
            _ => ProbeOutcome.HostUnreachable,
        }, 1.0)).ToArray();
        var s = ProbeStatistics.Summarize(attempts)[0];
        Assert.Equal(3, s.LongestOutage);
        Assert.Equal(T0.AddSeconds(4), s.OutageStartTime);
        Assert.Equal(T0.AddSeconds(6), s.OutageEndTime);
    }

    [Fact]
    public void All_open_has_no_outage()
    {
        var s = ProbeStatistics.Summarize(new[] { Attempt(1, ProbeOutcome.Open, 1), Attempt(2, ProbeOutcome.Open, 1) })[0];
        Assert.Equal(0, s.LongestOutage);
        Assert.Null(s.OutageStartTime);
        Assert.Null(s.OutageEndTime);
    }

    [Fact]
    public void Groups_per_target_port_and_address_in_first_seen_order()
    {
        var attempts = new[]
        {
            Attempt(1, ProbeOutcome.Refused, 1, "b", 22, "127.0.0.1"),
            Attempt(1, ProbeOutcome.Refused, 1, "b", 22, "::1"),
            Attempt(1, ProbeOutcome.Open, 1, "a", 80, "127.0.0.1"),
            Attempt(2, ProbeOutcome.Refused, 1, "b", 22, "127.0.0.1"),
            Attempt(2, ProbeOutcome.Open, 1, "b", 22, "::1"),
            Attempt(2, ProbeOutcome.Open, 1, "a", 80, "127.0.0.1"),
        };
        var summaries = ProbeStatistics.Summarize(attempts);
        // Per address: an IPv4-only failure does not read as 50 % loss of the name.
        Assert.Equal(new[] { ("b", 22, "127.0.0.1"), ("b", 22, "::1"), ("a", 80, "127.0.0.1") }, summaries.Select(s => (s.Target, s.Port, s.Address!)));
        Assert.Equal(new[] { 2, 2, 2 }, summaries.Select(s => s.Sent));
        Assert.Equal(new double?[] { 100.0, 50.0, 0.0 }, summaries.Select(s => s.LossPercent));
        Assert.Equal(new[] { 2, 1, 0 }, summaries.Select(s => s.LongestOutage));
    }

    [Fact]
    public void Attempts_are_taken_in_sequence_order_whatever_order_they_come_in()
    {
        var attempts = new[] { Attempt(3, ProbeOutcome.Refused, 1), Attempt(1, ProbeOutcome.Refused, 1), Attempt(2, ProbeOutcome.Open, 1) };
        var s = ProbeStatistics.Summarize(attempts)[0];
        Assert.Equal(1, s.LongestOutage);
        Assert.Equal(T0.AddSeconds(1), s.OutageStartTime);
    }

    [Fact]
    public void Quiet_verdict_is_true_only_when_every_attempt_was_refused()
    {
        var attempts = new[]
        {
            Attempt(1, ProbeOutcome.Refused, 1, "all-refused", 1),
            Attempt(1, ProbeOutcome.Refused, 1, "mixed", 2, "127.0.0.1"),
            Attempt(1, ProbeOutcome.Open, 1, "mixed", 2, "::1"),
            Attempt(1, ProbeOutcome.Open, 1, "open", 3),
            Attempt(1, ProbeOutcome.TimedOut, 1, "silent", 4),
            Attempt(1, ProbeOutcome.NameNotResolved, null, "noname", 5),
            Attempt(2, ProbeOutcome.Refused, 1, "all-refused", 1),
        };
        var verdicts = ProbeStatistics.Verdicts(attempts);
        Assert.Equal(new[]
        {
            ("all-refused", 1, true), ("mixed", 2, false), ("open", 3, false), ("silent", 4, false), ("noname", 5, false),
        }, verdicts);
    }

    [Fact]
    public void LocalError_attempts_are_counted_apart_and_are_neither_loss_nor_outage()
    {
        var attempts = Attempts((Open, 1.0), (LocalError, null), (LocalError, null), (Open, 2.0));
        var s = Assert.Single(ProbeStatistics.Summarize(attempts));
        Assert.Equal((4, 2, 0), (s.Sent, s.LocalError, s.Error));
        Assert.Equal(0.0, s.LossPercent);
        Assert.Equal(0, s.LongestOutage);
    }

    [Fact]
    public void Only_LocalError_attempts_give_no_loss_figure_and_no_refused_verdict()
    {
        var attempts = new[] { Attempt(1, ProbeOutcome.LocalError, null), Attempt(2, ProbeOutcome.LocalError, null) };
        var s = Assert.Single(ProbeStatistics.Summarize(attempts));
        Assert.Null(s.LossPercent);
        Assert.False(Assert.Single(ProbeStatistics.Verdicts(attempts)).Refused);
        // A refused attempt next to a local failure: the target refused, and nothing of the target's said otherwise.
        var mixed = new[] { Attempt(1, ProbeOutcome.LocalError, null), Attempt(2, ProbeOutcome.Refused, 1.0) };
        Assert.True(Assert.Single(ProbeStatistics.Verdicts(mixed)).Refused);
    }

    [Fact]
    public void Every_outcome_has_its_count_Reset_and_Closed_included()
    {
        var attempts = new[]
        {
            Attempt(1, ProbeOutcome.Reset, 1.0), Attempt(2, ProbeOutcome.Closed, 1.0), Attempt(3, ProbeOutcome.Error, 1.0),
            Attempt(4, ProbeOutcome.Open, 1.0), Attempt(5, ProbeOutcome.Open, 1.0),
        };
        attempts[3].After = AfterConnectKind.Data;
        attempts[4].After = AfterConnectKind.Silent;
        var s = Assert.Single(ProbeStatistics.Summarize(attempts));
        Assert.Equal((1, 1, 1, 2, 1, 1), (s.Reset, s.Closed, s.Error, s.Open, s.Data, s.Silent));
        Assert.Equal(60.0, s.LossPercent);
        Assert.Equal(4, s.Answered); // the handshake completed for Reset and Closed too: their connect times count
    }

    [Fact]
    public void Healthy_is_true_only_when_every_attempt_the_target_answered_was_Open()
    {
        var attempts = new[]
        {
            Attempt(1, ProbeOutcome.Open, 1, "ok", 1), Attempt(2, ProbeOutcome.Open, 1, "ok", 1),
            Attempt(1, ProbeOutcome.Open, 1, "reset", 2), Attempt(2, ProbeOutcome.Reset, 1, "reset", 2),
            Attempt(1, ProbeOutcome.TimedOut, 1, "dead", 3),
            Attempt(1, ProbeOutcome.Refused, 1, "refused", 4),
            Attempt(1, ProbeOutcome.Open, 1, "half", 5, "127.0.0.1"), Attempt(1, ProbeOutcome.Refused, 1, "half", 5, "::1"),
            Attempt(1, ProbeOutcome.LocalError, null, "unknown", 6),
            Attempt(1, ProbeOutcome.LocalError, null, "mostly", 7), Attempt(2, ProbeOutcome.Open, 1, "mostly", 7),
            Attempt(1, ProbeOutcome.NameNotResolved, null, "noname", 8),
        };
        Assert.Equal(new[]
        {
            ("ok", 1, true), ("reset", 2, false), ("dead", 3, false), ("refused", 4, false), ("half", 5, false),
            ("unknown", 6, false), ("mostly", 7, true), ("noname", 8, false),
        }, ProbeStatistics.Healthy(attempts));
    }

    [Fact]
    public void Times_are_ISO_8601_UTC_with_milliseconds_and_outcomes_are_names()
    {
        var r = new ProbeResult { Started = new DateTime(2026, 12, 2, 0, 56, 58, 123, DateTimeKind.Utc).AddTicks(4567), Kind = ProbeOutcome.Reset };
        Assert.Equal("2026-12-02T00:56:58.123Z", r.Timestamp);
        Assert.Equal("Reset", r.Outcome);
        r.Timestamp = "2026-12-02T00:56:58.123Z";
        Assert.Equal(DateTimeKind.Utc, r.Started.Kind);
        Assert.Equal(123, r.Started.Millisecond);
        var s = Assert.Single(ProbeStatistics.Summarize(new[] { Attempt(1, ProbeOutcome.TimedOut, 1) }));
        Assert.Equal("2026-01-01T00:00:01.000Z", s.OutageStart);
    }
}

public sealed class SummaryRoundingTests
{
    [Fact]
    public void Times_and_loss_are_rounded_where_a_person_reads_them()
    {
        var attempts = new[] { 0.029, 0.030, 0.030 }.Select((ms, i) => new ProbeResult
        {
            Target = "h", Address = "127.0.0.1", Port = 1, Sequence = i + 1, Kind = ProbeOutcome.Open, ConnectMs = ms,
        }).Append(new ProbeResult { Target = "h", Address = "127.0.0.1", Port = 1, Sequence = 4, Kind = ProbeOutcome.TimedOut, ConnectMs = 2000 })
          .Append(new ProbeResult { Target = "h", Address = "127.0.0.1", Port = 1, Sequence = 5, Kind = ProbeOutcome.TimedOut, ConnectMs = 2000 })
          .Append(new ProbeResult { Target = "h", Address = "127.0.0.1", Port = 1, Sequence = 6, Kind = ProbeOutcome.Open, ConnectMs = 0.030 });
        var s = Assert.Single(ProbeStatistics.Summarize(attempts));
        Assert.Equal(0.03, s.AvgMs);        // not 0.029749999999999999
        Assert.Equal(33.33, s.LossPercent); // not 33.333333333333336
        Assert.Equal("0.03", s.AvgMs!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
