using SocketProbe.Engine.Capture;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class WireLookAlikesTests
{
    [Fact]
    public void EveryNameInTheTableIsACatalogueScenario()
    {
        var names = new HashSet<string>(ScenarioCatalog.Names);
        foreach (string read in new[] { "AcceptThenClose", "PeerKilledWithUnreadData", "AcceptThenReset", "PeerAbort", "ConnectRefused", "ConnectTimeout", "PeerHostCrash" })
        {
            Assert.Contains(read, names);
            Assert.NotEmpty(WireLookAlikes.Of(read));
            Assert.All(WireLookAlikes.Of(read), alike => Assert.Contains(alike, names));
            Assert.DoesNotContain(read, WireLookAlikes.Of(read));
            Assert.Equal(string.Join(", ", WireLookAlikes.Of(read)), WireLookAlikes.TextOf(read));
        }
        Assert.All(WireLookAlikes.NotOnTheWire.Keys, n => Assert.Contains(n, names));
    }

    [Fact]
    public void AScenarioNotOnTheWireIsNobodysLookAlike()
    {
        // A scenario cannot both leave no trace and look like another's trace.
        foreach (string scenario in ScenarioCatalog.Names)
            Assert.All(WireLookAlikes.Of(scenario), alike => Assert.False(WireLookAlikes.NotOnTheWire.ContainsKey(alike), alike));
    }

    [Fact]
    public void AnOrdinaryOrUnknownEndingHasNoLookAlikes()
    {
        Assert.Empty(WireLookAlikes.Of(null));
        Assert.Empty(WireLookAlikes.Of("NoSuchScenario"));
        Assert.Null(WireLookAlikes.TextOf(null));
        Assert.Null(WireLookAlikes.TextOf("ConnectRefused" + "X"));
    }
}
