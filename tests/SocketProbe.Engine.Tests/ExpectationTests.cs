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
        var seen = new Observation { Result = seenResult, ErrnoName = seenErrno };
        Assert.Equal(agrees, Linux(result, errno).Agrees(seen));
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
