using SocketProbe.Engine.Watch;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class PoolAdviceTests
{
    [Fact]
    public void EveryClientNamesItsSettingDefaultRetryAndSource()
    {
        Assert.Equal(6, PoolAdvice.Clients.Count);
        Assert.All(PoolAdvice.Clients, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Client));
            Assert.False(string.IsNullOrWhiteSpace(c.Setting));
            Assert.False(string.IsNullOrWhiteSpace(c.Default));
            Assert.False(string.IsNullOrWhiteSpace(c.Retry));
            Assert.False(string.IsNullOrWhiteSpace(c.Source));
        });
    }

    [Theory]
    [InlineData("PooledConnectionIdleTimeout = TimeSpan.FromSeconds(48)")]
    [InlineData("IdleConnTimeout: 48 * time.Second")]
    [InlineData("-Djdk.httpclient.keepalive.timeout=48")]
    [InlineData("freeSocketTimeout: 48000")]
    [InlineData("keepalive_timeout 48s;")]
    [InlineData("HTTPAdapter(max_retries=Retry(")]
    public void TheSecondsAreFilledIntoEachSetting(string expected) =>
        Assert.Contains(PoolAdvice.For(48), line => line.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void NoPlaceholderIsLeftAndBracesSurvive()
    {
        string all = string.Join("\n", PoolAdvice.For(5));
        Assert.DoesNotContain("{0}", all);
        Assert.Contains("new SocketsHttpHandler { PooledConnectionIdleTimeout", all);
    }
}
