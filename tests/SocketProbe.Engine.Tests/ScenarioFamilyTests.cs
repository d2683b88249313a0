using SocketProbe.Engine;
using SocketProbe.Engine.Scenarios;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// One place to add a scenario: the front doors, completion, Get-SocketScenario and these tests read
/// the catalogue; a scenario's steps are declared once, so its rows agree with each other.
/// </summary>
public class ScenarioFamilyTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in ScenarioCatalog.Names) data.Add(name);
        return data;
    }

    [Fact]
    public void Names_are_unique()
    {
        var names = ScenarioCatalog.Names.ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Its_front_door_is_a_family_cmdlet(string name)
    {
        Scenario s = ScenarioCatalog.Find(name)!;
        Assert.Contains(s.Cmdlet, FrontDoors.Parameter.Keys);
        Assert.False(string.IsNullOrWhiteSpace(s.MemberName));
        Assert.DoesNotContain(' ', s.MemberName);
        // The front door finds it again by its member name (and, for a shared name, its default client action).
        Assert.Same(s, ScenarioCatalog.FindMember(s.Cmdlet, s.MemberName, s.ClientActions[0]));
    }

    [Fact]
    public void Members_sharing_a_name_play_different_client_actions()
    {
        foreach (var group in ScenarioCatalog.All.GroupBy(s => (s.Cmdlet.ToLowerInvariant(), s.MemberName.ToLowerInvariant())).Where(g => g.Count() > 1))
        {
            var actions = group.SelectMany(s => s.ClientActions).ToList();
            Assert.True(actions.Count == actions.Distinct().Count(), $"{string.Join(", ", group)} share {group.Key} and a client action");
        }
    }

    [Fact]
    public void The_old_front_door_values_still_resolve()
    {
        foreach (var (mode, scenario) in new[]
        {
            ("Exit", "PeerExit"), ("Kill", "PeerKilled"), ("KillWithUnreadData", "PeerKilledWithUnreadData"), ("Abort", "PeerAbort"),
            ("Shutdown", "PeerShutdown"), ("HostCrash", "PeerHostCrash"), ("Reboot", "PeerReboot"), ("IcmpUnreachable", "IcmpUnreachableEstablished"),
        })
            Assert.Equal(scenario, ScenarioCatalog.FindMember(FrontDoors.InvokePeerCrash, mode)!.Name);
        Assert.Equal("PeerHostCrashKeepalive", ScenarioCatalog.FindMember(FrontDoors.InvokePeerCrash, "HostCrash", ClientAction.Keepalive)!.Name);
        Assert.Null(ScenarioCatalog.FindMember(FrontDoors.InvokePeerCrash, "Exit", ClientAction.Keepalive));
        foreach (var (variant, scenario) in new[] { ("Reset", "WriteAfterReset"), ("Fin", "WriteAfterFin"), ("SigPipe", "WriteAfterFinSigpipe") })
            Assert.Equal(scenario, ScenarioCatalog.FindMember(FrontDoors.TestWriteAfterRst, variant)!.Name);
        Assert.Equal("ConnectRefused", ScenarioCatalog.FindMember(FrontDoors.TestTcpRefused, "connectrefused")!.Name);
        Assert.Null(ScenarioCatalog.FindMember(FrontDoors.TestTcpRefused, "PeerExit"));
    }

    /// <summary>A step is one call: every platform's row for the same step (and client action) names the same actor and call.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Rows_of_one_step_agree_on_actor_and_call(string name)
    {
        Scenario s = ScenarioCatalog.Find(name)!;
        foreach (var step in s.Expectations.GroupBy(e => (e.Step, e.When)))
        {
            var calls = step.Select(e => $"{e.Actor} {e.Operation}").Distinct().ToList();
            Assert.True(calls.Count == 1, $"{name} step {step.Key.Step} [{step.Key.When}]: {string.Join(" / ", calls)}");
        }
        // A row for a client action names one the scenario plays.
        Assert.All(s.Expectations.Where(e => e.When is not null), e => Assert.Contains(e.When, s.ClientActions.Select(a => a.ToString())));
    }

    [Theory]
    [InlineData(false, ClientAction.Receive, "1 Client Connect", "3 Client Receive [Receive]", "4 Client Send [Receive]", "5 Client Send [Receive]", "6 Client Receive [Receive]")]
    [InlineData(false, ClientAction.Send, "1 Client Connect", "3 Client Send [Send]", "4 Client Send [Send]", "5 Client Receive [Send]")]
    [InlineData(true, ClientAction.Receive, "1 Client Connect", "2 Client Send", "4 Client Receive [Receive]", "5 Client Send [Receive]", "6 Client Send [Receive]", "7 Client Receive [Receive]")]
    [InlineData(true, ClientAction.Send, "1 Client Connect", "2 Client Send", "4 Client Send [Send]", "5 Client Send [Send]", "6 Client Receive [Send]")]
    public void Peer_crash_steps_are_numbered_once(bool unread, ClientAction action, params string[] expected)
    {
        var steps = PeerCrashSteps.For(unread, action);
        var declared = new[] { steps.Connect, steps.SendUnread, steps.FirstReceive, steps.FirstSend, steps.SecondSend, steps.LastReceive }
            .Where(x => x is not null).Select(x => x!.ToString()).ToArray();
        Assert.Equal(expected, declared);
        Assert.Equal(unread ? 3 : 2, steps.FateNumber);
    }

    [Theory]
    [InlineData("PeerExit")]
    [InlineData("PeerKilled")]
    [InlineData("PeerKilledWithUnreadData")]
    [InlineData("PeerAbort")]
    [InlineData("PeerShutdown")]
    public void Peer_crash_rows_are_the_declared_steps(string name)
    {
        Scenario s = ScenarioCatalog.Find(name)!;
        bool unread = s.Expectations.Any(e => e.Step == 2 && e.Operation == "Send" && e.When is null);
        foreach (Expectation e in s.Expectations)
        {
            var actions = e.When is null ? s.ClientActions : new[] { Enum.Parse<ClientAction>(e.When) };
            foreach (var action in actions)
            {
                var steps = PeerCrashSteps.For(unread, action);
                var all = new[] { steps.Connect, steps.SendUnread, steps.Fate(e.Operation), steps.FirstReceive, steps.FirstSend, steps.SecondSend, steps.LastReceive };
                Assert.Contains(all, x => x is not null && x.Number == e.Step && x.Actor == e.Actor && x.Operation == e.Operation && x.When == e.When);
            }
        }
    }
}
