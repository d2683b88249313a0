using SocketProbe.Engine;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class ExpectationTests
{
    private static Expectation Linux(string result, string? errno) =>
        new(OsPlatform.Linux, 1, "Client", "Send", result, errno, "test source", Verified: true);

    [Theory]
    [InlineData("Error", "ECONNRESET", "Error", "ECONNRESET", true)]
    [InlineData("Error", "ECONNRESET", "Error", "EPIPE", false)]
    [InlineData("Error", "ETIMEDOUT|EHOSTUNREACH", "Error", "EHOSTUNREACH", true)]
    [InlineData("Success", null, "Success", null, true)]
    [InlineData("Success", null, "Error", "EPIPE", false)]
    [InlineData("EndOfStream|Error", "ECONNRESET", "Error", "ECONNRESET", true)]
    public void Agrees_compares_result_and_errno(string result, string? errno, string seenResult, string? seenErrno, bool agrees)
    {
        var seen = new Observation { Actor = "Client", Operation = "Send", Result = seenResult, ErrnoName = seenErrno };
        Assert.Equal(agrees, Linux(result, errno).Agrees(seen));
    }

    [Theory]
    [InlineData("Peer", "Send")]
    [InlineData("Client", "Receive")]
    public void Agrees_needs_the_same_actor_and_call(string actor, string operation)
    {
        // Same result and errno, but another call: not a match (a step where a different call happened).
        var seen = new Observation { Actor = actor, Operation = operation, Result = "Success" };
        Assert.False(Linux("Success", null).Agrees(seen));
    }

    [Theory]
    [InlineData("Client", "Connect", true)]
    [InlineData("Peer", "Close", true)]
    [InlineData("Peer", "Kill", false)]
    [InlineData("Peer", "HostCrash", false)]
    [InlineData("Wire", "R.", false)]
    [InlineData("Kernel", "Counters", false)]
    [InlineData("Client", "Run", false)]
    public void Only_socket_calls_are_socket_calls(string actor, string operation, bool isCall) =>
        Assert.Equal(isCall, Operations.IsSocketCall(actor, operation));

    [Fact]
    public void No_expectation_is_written_for_a_row_that_is_not_a_socket_call()
    {
        foreach (Scenario s in ScenarioCatalog.All)
            Assert.All(s.Expectations, e => Assert.True(Operations.IsSocketCall(e.Actor, e.Operation),
                $"{s.Name} step {e.Step} expects {e.Actor} {e.Operation}, which is not a socket call"));
    }

    [Fact]
    public void A_non_call_row_gets_no_expected_and_no_matches()
    {
        var rows = new List<Observation>();
        var scenario = ScenarioCatalog.Find("PeerKilled")!;
        var context = new ScenarioContext(scenario, new ScenarioRequest { ClientAction = ClientAction.Receive }, rows.Add,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        context.Event(new ScenarioStep(2, "Peer", "Kill"), "Killed", 1.5, "kill(peer, SIGKILL)");
        context.Emit(new Observation { Step = 1, Actor = "Client", Operation = "Connect", Result = "Success" });
        Assert.Null(rows[0].Expected);
        Assert.Null(rows[0].Matches);
        if (PlatformInfo.Current == OsPlatform.Linux) Assert.True(rows[1].Matches);
        Assert.All(rows, r => Assert.True(r.AtMs >= 0));
    }

    [Fact]
    public void A_run_that_ended_early_numbers_its_closing_row_after_every_documented_step()
    {
        // AcceptOverflowReset documents steps 2-7; a run whose connect failed stops after step 2. Its
        // counters row must not take number 3, which would count as the documented step 3 observed.
        var scenario = ScenarioCatalog.Find("AcceptOverflowReset")!;
        var context = new ScenarioContext(scenario, new ScenarioRequest(), _ => { },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        context.Emit(new Observation { Step = 2, Actor = "Client", Operation = "Connect", Result = "Error" });
        Assert.Equal(2, context.LastStep);
        int documented = scenario.Expectations.Where(e => e.AppliesTo(PlatformInfo.Current, new ScenarioRequest())).Max(e => e.Step);
        Assert.True(documented > 3);
        Assert.Equal(documented + 1, context.StepAfterRun);
    }

    [Fact]
    public void A_capture_keeps_the_families_of_the_runs_own_sockets_only()
    {
        // Ports repeat across families: an IPv4 flow beside an IPv6 run may share a port number with it.
        var context = new ScenarioContext(ScenarioCatalog.Find("ConnectRefused")!, new ScenarioRequest { Capture = true }, _ => { },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 0));
        context.Own(socket);
        Assert.True(context.UsesFamily(System.Net.IPAddress.IPv6Loopback));
        Assert.False(context.UsesFamily(System.Net.IPAddress.Loopback));
    }

    [Fact]
    public void Describe_marks_unverified_expectations()
    {
        var windows = new Expectation(OsPlatform.Windows, 1, "Client", "Connect", "Error", "WSAECONNREFUSED", "WSA docs", Verified: false);
        Assert.Equal("Error WSAECONNREFUSED (WSA docs; documented, not verified)", windows.Describe());
        Assert.Equal("Error ECONNRESET (test source)", Linux("Error", "ECONNRESET").Describe());
    }

    [Fact]
    public void Every_scenario_has_a_Linux_expectation_for_each_step_it_documents_elsewhere()
    {
        foreach (Scenario s in ScenarioCatalog.All)
        {
            var linuxSteps = s.Expectations.Where(e => e.Platform == OsPlatform.Linux).Select(e => e.Step).ToHashSet();
            var otherSteps = s.Expectations.Where(e => e.Platform != OsPlatform.Linux).Select(e => e.Step);
            Assert.All(otherSteps, step => Assert.Contains(step, linuxSteps));
            Assert.All(s.Expectations, e => Assert.False(string.IsNullOrWhiteSpace(e.Source), $"{s.Name} step {e.Step} has no source"));
        }
    }

    // Every Result word an observation can carry (the Results constants).
    private static readonly HashSet<string> ObservableResults = typeof(Results)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => (string)f.GetValue(null)!).ToHashSet();

    /// <summary>
    /// Every alternative of every row of every catalogue scenario describes something a run can
    /// observe: build that observation (a known result word; an errno only on an Error, as
    /// ScenarioContext.FillError gives one; the time inside the row's window) and the row must agree.
    /// "Success|Error" with an errno could never agree with the Success it names.
    /// </summary>
    [Fact]
    public void Every_alternative_of_every_catalogue_row_can_match_some_observation()
    {
        var request = new ScenarioRequest();   // the default timers: every timer-driven row has a window
        var never = new List<string>();
        foreach (Scenario s in ScenarioCatalog.All)
        foreach (Expectation e in s.Expectations)
        foreach (Outcome o in e.Outcomes)
        foreach (string result in Outcome.Alternatives(o.Result))
        {
            IEnumerable<string?> errnos = result != Results.Error ? new string?[] { null }
                : o.ErrnoName is null ? new string?[] { "EIO" } : Outcome.Alternatives(o.ErrnoName).Cast<string?>();
            foreach (string? errno in errnos)
            {
                TimeWindow? window = e.WindowFor(request);
                var seen = new Observation { Actor = e.Actor, Operation = e.Operation, Result = result, ErrnoName = errno, ElapsedMs = window?.MinMs ?? 1 };
                if (!ObservableResults.Contains(result) || !e.Agrees(seen, window))
                    never.Add($"{s.Name} {e.Platform} step {e.Step} {e.Actor} {e.Operation}: '{result}{(errno is null ? "" : " " + errno)}' can never agree with '{e.OutcomeText}'");
            }
        }
        Assert.Empty(never);
    }

    [Fact]
    public void Each_alternative_carries_its_own_errno()
    {
        var row = new Expectation(OsPlatform.Windows, 3, "Peer", "Accept", "Error", "WSAECONNRESET", "accept function", Verified: false).Or(Results.Success);
        Assert.True(row.Agrees(new Observation { Actor = "Peer", Operation = "Accept", Result = "Success" }));
        Assert.True(row.Agrees(new Observation { Actor = "Peer", Operation = "Accept", Result = "Error", ErrnoName = "WSAECONNRESET" }));
        Assert.False(row.Agrees(new Observation { Actor = "Peer", Operation = "Accept", Result = "Error", ErrnoName = "WSAECONNABORTED" }));
        Assert.Equal("Error WSAECONNRESET or Success (accept function; documented, not verified)", row.Describe());
    }

    [Fact]
    public void A_row_for_one_family_applies_to_that_family_only()
    {
        var v4 = new Expectation(OsPlatform.MacOS, 2, "Client", "Connect", "Error", "ENETUNREACH", "xnu", Verified: false).Over(System.Net.Sockets.AddressFamily.InterNetwork);
        Assert.True(v4.AppliesTo(OsPlatform.MacOS, new ScenarioRequest { AddressFamily = System.Net.Sockets.AddressFamily.InterNetwork }));
        Assert.False(v4.AppliesTo(OsPlatform.MacOS, new ScenarioRequest { AddressFamily = System.Net.Sockets.AddressFamily.InterNetworkV6 }));
        Assert.False(v4.AppliesTo(OsPlatform.Linux, new ScenarioRequest { AddressFamily = System.Net.Sockets.AddressFamily.InterNetwork }));
        Assert.StartsWith("Error ENETUNREACH [IPv4] (xnu", v4.Describe());
    }
}
