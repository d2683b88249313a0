using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SocketProbe.Engine.Matrix;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// The matrix runner's own logic (throttle, order of hand-over, failures, cancellation), with
/// scenarios made for the test that only wait and emit: no socket, no process. The real
/// scenarios' outcomes are asserted in tests/Get-SocketErrorMatrix.Tests.ps1.
/// </summary>
public class MatrixRunnerTests
{
    /// <summary>Waits <paramref name="delayMs"/>, then emits <paramref name="steps"/> rows (or throws).</summary>
    private sealed class TimedScenario : Scenario
    {
        private readonly int _delayMs;
        private readonly int _steps;
        private readonly Exception? _throws;
        private readonly string? _whyNot;
        private readonly Probe? _probe;

        public TimedScenario(string name, int delayMs, int steps = 2, Exception? throws = null, string? whyNot = null, Probe? probe = null)
        {
            Name = name;
            _delayMs = delayMs;
            _steps = steps;
            _throws = throws;
            _whyNot = whyNot;
            _probe = probe;
        }

        public override string Name { get; }
        public override string Description => "test";
        public override string Textbook => "test";
        public override string Cmdlet => "Get-SocketErrorMatrix";
        public override IReadOnlyList<Expectation> Expectations { get; } = new[]
        {
            new Expectation(PlatformInfo.Current, 1, "Client", "Receive", "Success", null, "test", Verified: true),
        };
        public override string? WhyCannotRun(ScenarioRequest request) => _whyNot;

        protected internal override async Task RunAsync(ScenarioContext context)
        {
            _probe?.Enter();
            try
            {
                // Step 1 first, the rest after the wait: a run's rows must still leave together.
                context.Emit(new Observation { Step = 1, Actor = "Client", Operation = "Receive", Result = Results.Success });
                await Task.Delay(_delayMs, context.Cancellation);
                if (_throws is not null) throw _throws;
                for (int step = 2; step <= _steps; step++)
                    context.Emit(new Observation { Step = step, Actor = "Client", Operation = "Receive", Result = Results.Success });
            }
            finally { _probe?.Leave(); }
        }
    }

    /// <summary>Counts runs under way at once, and those that were left (cleaned up).</summary>
    private sealed class Probe
    {
        private int _now;
        public int Max;
        public int Left;
        public void Enter() { int n = Interlocked.Increment(ref _now); int m; while ((m = Max) < n && Interlocked.CompareExchange(ref Max, n, m) != m) { } }
        public void Leave() { Interlocked.Decrement(ref _now); Interlocked.Increment(ref Left); }
    }

    private static Task<MatrixResult> Run(IEnumerable<Scenario> scenarios, int throttle, List<MatrixRun> finished,
        List<MatrixProgress>? progress = null, CancellationToken cancellation = default) =>
        MatrixRunner.RunAsync(scenarios, new MatrixOptions { ThrottleLimit = throttle },
            run => { lock (finished) finished.Add(run); }, p => { if (progress is not null) lock (progress) progress.Add(p); },
            NullLogger.Instance, cancellation);

    [Fact]
    public void Every_catalogue_scenario_declares_its_kernel_wait_so_the_long_ones_start_first()
    {
        // An undeclared wait (null) is planned as "maybe long" and goes first; a long wait declared as
        // none would start last and stretch the matrix by its whole timer.
        var request = new MatrixOptions().NewRequest(System.Net.Sockets.AddressFamily.InterNetwork);
        var undeclared = ScenarioCatalog.All.Where(s => s.ExpectedWaitMs(request) is null).Select(s => s.Name).ToList();
        Assert.Empty(undeclared);
    }

    [Fact]
    public async Task A_failing_scenario_does_not_stop_the_others()
    {
        var finished = new List<MatrixRun>();
        var scenarios = new Scenario[]
        {
            new TimedScenario("First", 50, steps: 3),
            new TimedScenario("Broken", 10, throws: new InvalidOperationException("the peer did not answer")),
            new TimedScenario("Last", 100, steps: 2),
        };
        MatrixResult result = await Run(scenarios, 2, finished);

        Assert.Equal(3, finished.Count);
        MatrixRun broken = Assert.Single(finished, r => r.Scenario == "Broken");
        Assert.Equal(MatrixRunStatus.Failed, broken.Status);
        Assert.IsType<InvalidOperationException>(broken.Exception);
        Assert.Equal("the peer did not answer", broken.Reason);
        Assert.Single(broken.Observations); // what it did emit before failing is kept
        // Its three calls, then (on Linux) the run's counters row numbered after them.
        Assert.Equal(new[] { 1, 2, 3 }, finished.Single(r => r.Scenario == "First").Observations.Where(o => o.Actor != Actors.Kernel).Select(o => o.Step));
        if (OperatingSystem.IsLinux())
            Assert.Equal(4, Assert.Single(finished.Single(r => r.Scenario == "First").Observations, o => o.Actor == Actors.Kernel).Step);
        Assert.Equal(MatrixRunStatus.Completed, finished.Single(r => r.Scenario == "Last").Status);
        Assert.Equal(1, result.Failed);
        Assert.Equal(6, result.Steps);
    }

    [Fact]
    public async Task Runs_are_handed_over_whole_in_finishing_order()
    {
        var finished = new List<MatrixRun>();
        await Run(new Scenario[] { new TimedScenario("Slow", 400, steps: 4), new TimedScenario("Fast", 20, steps: 3) }, 4, finished);
        Assert.Equal(new[] { "Fast", "Slow" }, finished.Select(r => r.Scenario));
        // Steps 1..n with no gap; on Linux the last one is the run's Kernel counters row.
        Assert.All(finished, r => Assert.Equal(Enumerable.Range(1, r.Observations.Count), r.Observations.Select(o => o.Step)));
        Assert.All(finished, r => Assert.All(r.Observations, o => Assert.Equal(r.Scenario, o.Scenario)));
    }

    [Fact]
    public async Task Runs_side_by_side_up_to_the_throttle_and_no_further()
    {
        var probe = new Probe();
        var finished = new List<MatrixRun>();
        var scenarios = Enumerable.Range(1, 8).Select(i => (Scenario)new TimedScenario($"S{i}", 200, probe: probe)).ToList();
        MatrixResult result = await Run(scenarios, 4, finished);

        Assert.Equal(4, probe.Max);
        // Side by side, by the runs' own start and end (not wall time): four started before any ended,
        // and at no run's start were more than four under way.
        var byStart = finished.OrderBy(r => r.StartedAtMs).ToList();
        Assert.True(byStart.Take(4).All(r => r.StartedAtMs < finished.Min(f => f.FinishedAtMs)), "the first four did not all start before the first ended");
        Assert.All(finished, r => Assert.True(finished.Count(o => o.StartedAtMs <= r.StartedAtMs && o.FinishedAtMs > r.StartedAtMs) <= 4));
        Assert.True(result.SumMs >= 8 * 190, $"sum {result.SumMs:F0} ms");
        Assert.True(result.SlowestMs >= 190 && result.SlowestMs <= result.ElapsedMs);
    }

    [Fact]
    public async Task Throttle_one_runs_one_at_a_time()
    {
        var probe = new Probe();
        var finished = new List<MatrixRun>();
        await Run(Enumerable.Range(1, 3).Select(i => (Scenario)new TimedScenario($"S{i}", 30, probe: probe)), 1, finished);
        Assert.Equal(1, probe.Max);
        for (int i = 1; i < finished.Count; i++)
            Assert.True(finished[i].StartedAtMs >= finished[i - 1].FinishedAtMs - 1, "the next run started before the previous one ended");
    }

    [Fact]
    public async Task A_scenario_that_cannot_run_is_Skipped_with_its_reason()
    {
        var finished = new List<MatrixRun>();
        MatrixResult result = await Run(new Scenario[] { new TimedScenario("Elsewhere", 10, whyNot: "needs a lab") }, 2, finished);
        MatrixRun run = Assert.Single(finished);
        Assert.Equal(MatrixRunStatus.Skipped, run.Status);
        Assert.Equal("needs a lab", run.Reason);
        Observation row = Assert.Single(run.Observations);
        Assert.Equal(Results.Skipped, row.Result);
        Assert.Equal(1, result.Skipped);
        Assert.Equal(0, result.Steps);
    }

    [Fact]
    public async Task Progress_reports_every_start_and_finish_with_counts()
    {
        var progress = new List<MatrixProgress>();
        await Run(Enumerable.Range(1, 5).Select(i => (Scenario)new TimedScenario($"S{i}", 10 * i)), 2, new List<MatrixRun>(), progress);
        Assert.Equal(5, progress.Count(p => p.Event == MatrixEvent.Started));
        Assert.Equal(5, progress.Count(p => p.Event == MatrixEvent.Finished));
        Assert.Equal(Enumerable.Range(1, 5), progress.Where(p => p.Event == MatrixEvent.Finished).Select(p => p.Finished));
        Assert.All(progress, p => Assert.True(p.Running.Count <= 2));
        Assert.Equal(100, progress[^1].PercentComplete);
        Assert.Empty(progress[^1].Running);
    }

    [Fact]
    public async Task Cancellation_stops_every_run_and_waits_for_their_cleanup()
    {
        var probe = new Probe();
        var finished = new List<MatrixRun>();
        using var cancel = new CancellationTokenSource();
        var scenarios = Enumerable.Range(1, 6).Select(i => (Scenario)new TimedScenario($"S{i}", 30_000, probe: probe)).ToList();
        Task<MatrixResult> running = Run(scenarios, 3, finished, cancellation: cancel.Token);
        // Cancel once the throttle is full (bounded), not after a fixed delay a loaded machine may not meet.
        var wait = Stopwatch.StartNew();
        while (Volatile.Read(ref probe.Max) < 3 && wait.ElapsedMilliseconds < 10_000) await Task.Delay(5);
        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(clock.ElapsedMilliseconds < 5_000);
        Assert.Equal(3, probe.Max);
        Assert.Equal(3, probe.Left); // the three started runs all left before RunAsync returned; the rest never started
        Assert.Empty(finished);
    }

    [Fact]
    public async Task ThrottleLimit_below_one_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Run(Array.Empty<Scenario>(), 0, new List<MatrixRun>()));
    }

    [Theory]
    [InlineData("Error ECONNRESET (tcp_input.c; observed on Linux 6.18)", "Error ECONNRESET", "tcp_input.c; observed on Linux 6.18")]
    [InlineData("Error WSAECONNABORTED|WSAETIMEDOUT (Windows Sockets Error Codes (10053); documented, not verified)",
        "Error WSAECONNABORTED|WSAETIMEDOUT", "Windows Sockets Error Codes (10053); documented, not verified")]
    [InlineData(null, null, null)]
    public void MatrixStep_splits_what_was_expected_from_its_source(string? described, string? expected, string? source)
    {
        var o = new Observation { Scenario = "S", Step = 2, Result = "Error", ErrnoName = "ECONNRESET", Expected = described, Matches = described is null ? null : true };
        var step = MatrixStep.From(o, "IPv4");
        Assert.Equal("Error ECONNRESET", step.Observed);
        Assert.Equal(expected, step.Expected);
        Assert.Equal(source, step.Source);
        Assert.Equal(o.Matches, step.Matches);
    }

    [Fact]
    public void ScenarioInfo_says_which_platforms_were_verified()
    {
        ScenarioInfo info = ScenarioInfo.From(ScenarioCatalog.Find("ConnectRefused")!);
        Assert.Equal("1 Client Connect: Error ECONNREFUSED", info.Linux);
        Assert.Equal("documented, not verified: 1 Client Connect: Error WSAECONNREFUSED", info.Windows);
        Assert.StartsWith("documented, not verified: ", info.MacOS);
        Assert.Equal("Test-TcpRefused", info.Cmdlet);
    }

    [Fact]
    public async Task The_summary_is_one_row_per_run_with_its_counts_a_verdict_and_the_documented_steps_it_never_reached()
    {
        var finished = new List<MatrixRun>();
        await Run(new Scenario[]
        {
            new TimedScenario("Ran", 10, steps: 1),
            new TimedScenario("TwoSteps", 10, steps: 2),   // step 2 has no expectation
            new TimedScenario("Elsewhere", 10, whyNot: "needs a lab"),
            new TimedScenario("Broken", 10, throws: new InvalidOperationException("the peer did not answer")),
        }, 4, finished);
        var rows = finished.ToDictionary(r => r.Scenario, MatrixSummary.From);

        Assert.Equal((MatrixVerdicts.Match, 1, 1, 0, 0, 0), Counts(rows["Ran"]));
        Assert.Equal((MatrixVerdicts.Undocumented, 2, 1, 0, 1, 0), Counts(rows["TwoSteps"]));
        // Its one documented step never ran: counted as skipped, with the reason.
        Assert.Equal((MatrixVerdicts.Skipped, 0, 0, 0, 0, 1), Counts(rows["Elsewhere"]));
        Assert.Equal("needs a lab", rows["Elsewhere"].Reason);
        Assert.Equal((MatrixVerdicts.Failed, 1, 1, 0, 0, 0), Counts(rows["Broken"]));
        Assert.Equal("the peer did not answer", rows["Broken"].Reason);
        Assert.All(rows.Values, r => Assert.Equal("IPv4", r.AddressFamily));
        Assert.All(rows.Values, r => Assert.Equal(Math.Round(r.ElapsedMs, 1), r.ElapsedMs));

        static (string, int, int, int, int, int) Counts(MatrixSummary r) => (r.Verdict, r.Steps, r.Matched, r.Differ, r.Undocumented, r.Skipped);
    }

    [Fact]
    public void A_run_with_a_call_that_differs_has_the_verdict_Differ_whatever_else_matched()
    {
        var run = new MatrixRun(ScenarioCatalog.Find("ConnectRefused")!, System.Net.Sockets.AddressFamily.InterNetwork);
        run.Add(new Observation { Step = 1, Actor = "Client", Operation = "Connect", Result = "Error", ErrnoName = "ETIMEDOUT", Matches = false });
        run.Finish(5, null, new ScenarioRequest());
        MatrixSummary row = MatrixSummary.From(run);
        Assert.Equal(MatrixVerdicts.Differ, row.Verdict);
        Assert.Equal((1, 0, 1, 0), (row.Steps, row.Matched, row.Differ, row.Skipped));
    }

    [Fact]
    public void The_matrix_counts_socket_calls_only()
    {
        var run = new MatrixRun(ScenarioCatalog.Find("PeerHostCrash")!, System.Net.Sockets.AddressFamily.InterNetwork);
        run.Add(new Observation { Step = 1, Actor = "Client", Operation = "Connect", Result = "Success", Matches = true });
        run.Add(new Observation { Step = 2, Actor = "Peer", Operation = "HostCrash", Result = "Success" });
        run.Add(new Observation { Step = 3, Actor = "Peer", Operation = "Kill", Result = "Killed" });
        run.Add(new Observation { Step = 4, Actor = "Client", Operation = "Receive", Result = "Error", Matches = false });
        Assert.Equal(2, run.Steps);
        Assert.Equal(1, run.Matched);
        Assert.Equal(1, run.Differ);
        Assert.Equal(0, run.Undocumented);
    }
}
