using System.Net.Sockets;
using SocketProbe.Engine.Probe;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class ProbeTargetTests
{
    [Theory]
    [InlineData("localhost", "localhost", null, false)]
    [InlineData("  localhost:8080 ", "localhost", 8080, false)]
    [InlineData("db.example.test:5432", "db.example.test", 5432, false)]
    [InlineData("127.0.0.1", "127.0.0.1", null, true)]
    [InlineData("127.0.0.1:22", "127.0.0.1", 22, true)]
    [InlineData("[::1]:443", "::1", 443, true)]
    [InlineData("[::1]", "::1", null, true)]
    [InlineData("::1", "::1", null, true)]
    [InlineData("2001:db8::1", "2001:db8::1", null, true)]
    [InlineData("fe80::1%2", "fe80::1%2", null, true)]
    [InlineData("host:65535", "host", 65535, false)]
    [InlineData("host:1", "host", 1, false)]
    public void Parses_the_forms(string text, string host, int? port, bool literal)
    {
        Assert.True(ProbeTarget.TryParse(text, out var target, out var error), error);
        Assert.Equal(host, target!.Host);
        Assert.Equal(port, target.Port);
        Assert.Equal(literal, target.IsLiteral);
    }

    [Fact]
    public void A_bare_IPv6_literal_is_a_host_never_a_host_and_port()
    {
        // "::80" is the address ::0.0.0.80, not port 80 on "::".
        Assert.True(ProbeTarget.TryParse("::80", out var target, out _));
        Assert.Null(target!.Port);
        Assert.Equal(AddressFamily.InterNetworkV6, target.Literal!.AddressFamily);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("host:0", "outside 1-65535")]
    [InlineData("host:65536", "outside 1-65535")]
    [InlineData("host:99999999999", "outside 1-65535")]
    [InlineData("host:-1", "not a number")]
    [InlineData("host:+80", "not a number")]
    [InlineData("host:", "not a number")]
    [InlineData(":80", "no host")]
    [InlineData("[::1", "never closes")]
    [InlineData("[::1]x", "only ':port'")]
    [InlineData("[::1]:", "only ':port'")]
    [InlineData("[127.0.0.1]:80", "not an IPv6 address")]
    [InlineData("1:2:3:zz", "not an IPv6 address")]
    [InlineData("http://host:80", "not an IPv6 address")]
    [InlineData("a b", "not a host name")]
    [InlineData("host/path", "not a host name")]
    [InlineData("[::1]:0", "outside 1-65535")]
    [InlineData("1", "four numbers")]          // inet_aton would make it 0.0.0.1
    [InlineData("1:80", "four numbers")]
    [InlineData("127.1", "four numbers")]
    [InlineData("0x7f000001", "four numbers")]
    public void Rejects_with_a_message(string text, string fragment)
    {
        Assert.False(ProbeTarget.TryParse(text, out var target, out var error));
        Assert.Null(target);
        Assert.Contains(fragment, error);
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", null)]
    [InlineData("[::ffff:127.0.0.1]:8080", "127.0.0.1", 8080)]
    public void An_IPv4_mapped_literal_is_an_IPv4_target(string text, string address, int? port)
    {
        Assert.True(ProbeTarget.TryParse(text, out var target, out var error), error);
        Assert.Equal(AddressFamily.InterNetwork, target!.Literal!.AddressFamily);
        Assert.Equal(address, target.Literal.ToString());
        Assert.Equal(port, target.Port);
        Assert.Equal(text.Contains('[') ? "::ffff:127.0.0.1" : text, target.Host); // the target keeps what was written
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST.", true)]
    [InlineData("api.localhost", true)]
    [InlineData("localhost.example", false)]
    [InlineData("mylocalhost", false)]
    public void Knows_the_RFC_6761_localhost_names(string host, bool special) =>
        Assert.Equal(special, ProbeResolver.IsLocalhostName(host));
}
