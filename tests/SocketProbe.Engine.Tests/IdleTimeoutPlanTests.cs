using System.Net.Sockets;
using SocketProbe.Engine.Watch;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class IdleTimeoutPlanTests
{
    [Fact]
    public void AllIdleTimesFitTheLimit_TheyStartTogetherOneResolutionApart()
    {
        var plan = IdleTimeoutPlan.Build(maxSeconds: 10, resolutionSeconds: 1, throttleLimit: 64, probeSeconds: 3);
        Assert.Equal(Enumerable.Range(1, 10), plan.Select(p => p.IdleSeconds));
        Assert.All(plan, p => Assert.Equal(0, p.StartSeconds));
    }

    [Fact]
    public void MaxSecondsIsAlwaysTried_EvenOffTheGrid()
    {
        var plan = IdleTimeoutPlan.Build(maxSeconds: 10, resolutionSeconds: 3, throttleLimit: 64, probeSeconds: 3);
        Assert.Equal(new[] { 3, 6, 9, 10 }, plan.Select(p => p.IdleSeconds));
    }

    [Theory]
    [InlineData(900, 1, 64)]
    [InlineData(900, 1, 16)]
    [InlineData(3600, 5, 128)]
    [InlineData(32767, 1, 1024)]
    public void LongSearches_StayWithinTheLimit_AndAnswerBy1Point2TimesTheIdleTime(int max, int resolution, int limit)
    {
        var plan = IdleTimeoutPlan.Build(max, resolution, limit, probeSeconds: 3);
        Assert.True(IdleTimeoutPlan.MostOpenAtOnce(plan, 3) <= limit, $"{IdleTimeoutPlan.MostOpenAtOnce(plan, 3)} open at once > {limit}");
        Assert.Equal(resolution, plan[0].IdleSeconds);
        Assert.Equal(max, plan[^1].IdleSeconds);
        Assert.All(plan, p => Assert.Equal(IdleTimeoutPlan.StaggerFactor * p.IdleSeconds, p.StartSeconds, 6));
        // Idle times strictly increase, and the step never goes below the resolution.
        for (int i = 1; i < plan.Count; i++) Assert.True(plan[i].IdleSeconds > plan[i - 1].IdleSeconds);
        for (int i = 1; i < plan.Count - 1; i++) Assert.True(plan[i].IdleSeconds - plan[i - 1].IdleSeconds >= resolution);
    }

    [Fact]
    public void WithEnoughConnections_The350SecondNlbTimeoutIsBracketedWithin1Point25Times()
    {
        // AWS NLB forgets idle flows after 350 s: the first idle time past it must answer by 1.25 x 350.
        var plan = IdleTimeoutPlan.Build(900, 1, 64, probeSeconds: 3);
        IdlePoint firstDead = plan.First(p => p.IdleSeconds > 350);
        Assert.True(firstDead.StartSeconds + firstDead.IdleSeconds <= 1.25 * 350, $"answers at {firstDead.StartSeconds + firstDead.IdleSeconds} s");
    }

    [Theory]
    [InlineData(5, 10, 64)]
    [InlineData(10, 0, 64)]
    [InlineData(10, 1, 0)]
    public void BadArgumentsThrow(int max, int resolution, int limit) =>
        Assert.ThrowsAny<ArgumentException>(() => IdleTimeoutPlan.Build(max, resolution, limit, 3));
}

public class IdleTimeoutRequestTests
{
    [Fact]
    public void SendWithKeepAliveIsTheRequestBeforeTheIdle() =>
        new IdleTimeoutRequest { Send = new byte[] { 1 } }.Validate();

    [Fact]
    public void EmptySendIsRefused() =>
        Assert.Throws<ArgumentException>(() => new IdleTimeoutRequest { Send = Array.Empty<byte>() }.Validate());

    [Fact]
    public void SendProbeNeedsBytes() =>
        Assert.Equal("SendProbeWithoutSend", Assert.Throws<InvalidRequestException>(() => new IdleTimeoutRequest { ProbeWith = IdleProbe.Send }.Validate()).ErrorId);

    [Fact]
    public void MaxBelowResolutionIsRefused() =>
        Assert.Equal("MaxBelowResolution", Assert.Throws<InvalidRequestException>(() => new IdleTimeoutRequest { MaxSeconds = 5, ResolutionSeconds = 10 }.Validate()).ErrorId);
}

public class SocketEndTests
{
    [Theory]
    [InlineData(SocketError.ConnectionReset, true, WatchFate.Reset)]
    [InlineData(SocketError.TimedOut, true, WatchFate.TimedOut)]
    [InlineData(SocketError.HostUnreachable, true, WatchFate.Unreachable)]
    [InlineData(SocketError.NetworkUnreachable, false, WatchFate.Unreachable)]
    [InlineData(SocketError.ConnectionRefused, false, WatchFate.Refused)]
    [InlineData(SocketError.Shutdown, true, WatchFate.Closed)]
    [InlineData(SocketError.AccessDenied, true, WatchFate.Failed)]
    [InlineData(SocketError.AccessDenied, false, WatchFate.NotConnected)]
    [InlineData(SocketError.TooManyOpenSockets, false, WatchFate.LocalError)]
    [InlineData(SocketError.AddressNotAvailable, false, WatchFate.LocalError)]
    public void SocketErrorsMapToFates(SocketError error, bool established, WatchFate fate)
    {
        var end = SocketEnd.FromError("Receive", new SocketException((int)error), established);
        Assert.Equal(fate, end.Fate);
        Assert.Equal(error.ToString(), end.SocketError);
    }
}
