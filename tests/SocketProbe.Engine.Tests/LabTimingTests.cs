using SocketProbe.Engine;
using SocketProbe.Engine.Lab;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>Time windows on timer-driven steps, and what a lab run must show.</summary>
public class LabTimingTests
{
    private static readonly Expectation TimedOutAfterUserTimeout =
        new(OsPlatform.Linux, 4, "Client", "Receive", "Error", "ETIMEDOUT", "test source", Verified: true)
        { Window = r => TimeWindow.AfterTimer(r.UserTimeoutMs) };

    private static Observation Receive(double elapsedMs) =>
        new() { Step = 4, Actor = "Client", Operation = "Receive", Result = "Error", ErrnoName = "ETIMEDOUT", ElapsedMs = elapsedMs };

    [Theory]
    [InlineData(3_000, 3_050, true)]    // on time
    [InlineData(3_000, 2_600, false)]   // too soon for a 3 s timer
    [InlineData(3_000, 61_000, false)]  // a minute late: the process was stopped; not the documented ETIMEDOUT
    [InlineData(1_500, 4_000, true)]    // 2 x 1.5 s + 1 s slack
    [InlineData(1_500, 4_100, false)]
    public void A_timer_driven_step_matches_only_inside_its_window(int userTimeoutMs, double elapsedMs, bool agrees)
    {
        var request = new ScenarioRequest { UserTimeoutMs = userTimeoutMs };
        TimeWindow? window = TimedOutAfterUserTimeout.WindowFor(request);
        Assert.NotNull(window);
        Assert.Equal(agrees, TimedOutAfterUserTimeout.Agrees(Receive(elapsedMs), window));
    }

    [Fact]
    public void The_window_shows_next_to_the_errno()
    {
        var request = new ScenarioRequest { UserTimeoutMs = 3_000 };
        Assert.Equal("Error ETIMEDOUT within 2700-7000 ms (test source)",
            TimedOutAfterUserTimeout.Describe(TimedOutAfterUserTimeout.WindowFor(request)));
    }

    [Fact]
    public void A_kernel_default_timer_has_no_window()
    {
        var request = new ScenarioRequest();
        request.UseKernelDefaults();
        Assert.Null(TimedOutAfterUserTimeout.WindowFor(request));
        Assert.True(TimedOutAfterUserTimeout.Agrees(Receive(900_000), null));
    }

    [Theory]
    [InlineData(1, 3_000)]   // SYN at 0, retry at 1 s, give up at 3 s
    [InlineData(2, 7_000)]
    public void Syn_retries_give_the_connect_window(int retries, double timerMs)
    {
        Assert.Equal(TimeWindow.AfterTimer(timerMs), TimeWindow.AfterSynRetries(retries));
    }

    [Fact]
    public void Keepalive_fails_after_idle_plus_count_intervals()
    {
        Assert.Equal(TimeWindow.AfterTimer(3_000), TimeWindow.AfterKeepalive(1, 1, 2));
        Assert.Null(TimeWindow.AfterKeepalive(null, 1, 2));
    }

    [Fact]
    public void The_lab_scenarios_put_windows_on_their_timer_steps()
    {
        var request = new ScenarioRequest();
        foreach (string name in new[] { "PeerHostCrash", "IcmpUnreachableEstablished", "PeerHostCrashKeepalive", "ConnectTimeout" })
        {
            Scenario s = ScenarioCatalog.Find(name)!;
            Assert.Contains(s.Expectations, e => e.Platform == OsPlatform.Linux && e.WindowFor(request) is not null);
        }
    }

    [LinuxFact]   // MissingSteps reads the running platform's expectations: these steps are Linux's
    public void A_lab_run_that_ends_early_misses_documented_steps()
    {
        var scenario = (LabScenario)ScenarioCatalog.Find("PeerHostCrash")!;
        var request = new ScenarioRequest { ClientAction = ClientAction.Send };
        Assert.Equal(new[] { 1, 3, 4 }, scenario.MissingSteps(request, new int[] { }));
        Assert.Equal(new[] { 4 }, scenario.MissingSteps(request, new[] { 1, 2, 3 }));
        Assert.Empty(scenario.MissingSteps(request, new[] { 1, 2, 3, 4 }));
    }

    [Fact]
    public void The_lab_run_bound_comes_from_the_request_timers()
    {
        var scenario = (LabScenario)ScenarioCatalog.Find("PeerHostCrash")!;
        int quick = scenario.RunBoundMs(new ScenarioRequest { CallTimeoutMs = 1_000 });
        int slow = scenario.RunBoundMs(new ScenarioRequest { CallTimeoutMs = 100_000 });
        Assert.True(slow > quick + 100_000);
        Assert.True(quick >= LabScenario.StartAllowanceMs);
    }
}
