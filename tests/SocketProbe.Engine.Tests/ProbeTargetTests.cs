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
    [InlineData("[fe80::1%2]:22", "fe80::1%2", 22, true)]
    [InlineData("0.0.0.0", "0.0.0.0", null, true)]
    [InlineData("db-1.example", "db-1.example", null, false)]
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
    [InlineData("0x7f.0.0.1", "four numbers")]         // inet_aton: 127.0.0.1
    [InlineData("127.000.000.010", "leading zero")]    // inet_aton: 127.0.0.8 (octal)
    [InlineData("010.0.0.1:80", "leading zero")]
    [InlineData("127.0.0.256", "over 255")]
    [InlineData("1.2.3.4.5", "four numbers")]
    [InlineData("127.0.0.1%lo", "takes no scope id")]  // was sent to DNS
    [InlineData("127.0.0.1%lo:80", "takes no scope id")]
    [InlineData("[::1%nosuchif]", "no interface named 'nosuchif'")] // was ::1 with the scope dropped
    [InlineData("::1%nosuchif", "no interface named 'nosuchif'")]
    [InlineData("[::1%]:80", "neither an interface name nor a number")]
    [InlineData("::1%4294967296", "over 4294967295")]
    [InlineData("::ffff:127.000.0.1", "not an IPv6 address")]
    [InlineData("[::1/64]:80", "not an IPv6 address")]
    public void Rejects_with_a_message(string text, string fragment)
    {
        Assert.False(ProbeTarget.TryParse(text, out var target, out var error));
        Assert.Null(target);
        Assert.Contains(fragment, error);
    }

    [Fact]
    public void An_IPv6_scope_id_keeps_its_number_or_the_named_interface_index()
    {
        Assert.True(ProbeTarget.TryParse("[fe80::1%7]:22", out var numbered, out var error), error);
        Assert.Equal(7, numbered!.Literal!.ScopeId);
        var nic = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(n => n.Supports(System.Net.NetworkInformation.NetworkInterfaceComponent.IPv6) && n.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'));
        if (nic is null) return; // no IPv6 interface with a plain name here
        Assert.True(ProbeTarget.TryParse($"fe80::1%{nic.Name}", out var named, out error), error);
        Assert.Equal(nic.GetIPProperties().GetIPv6Properties().Index, named!.Literal!.ScopeId);
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
