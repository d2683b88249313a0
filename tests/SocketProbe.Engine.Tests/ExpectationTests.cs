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
        context.Event(2, "Peer", "Kill", "Killed", 1.5, "kill(peer, SIGKILL)");
        context.Emit(new Observation { Step = 1, Actor = "Client", Operation = "Connect", Result = "Success" });
        Assert.Null(rows[0].Expected);
        Assert.Null(rows[0].Matches);
        if (PlatformInfo.Current == OsPlatform.Linux) Assert.True(rows[1].Matches);
        Assert.All(rows, r => Assert.True(r.AtMs >= 0));
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
}
