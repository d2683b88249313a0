using System.Net;
using SocketProbe.Engine.Lab;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class LabNetworkTests
{
    // /proc/net/ipv6_route of a namespace just after `ip -6 addr add fd00:5350::2/128 dev lo nodad`,
    // once the kernel's addrconf work had run: the prefix route (00200200) and the local one (80200001).
    private const string Installed =
        "fd005350000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00200200       lo\n" +
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n" +
        "fd005350000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n";

    [Fact]
    public void A_local_route_is_found_by_its_RTF_LOCAL_flag()
    {
        Assert.True(LabNetwork.HasLocalRoute(Installed, IPAddress.Parse("fd00:5350::2")));
        Assert.True(LabNetwork.HasLocalRoute(Installed, IPAddress.IPv6Loopback));
        Assert.False(LabNetwork.HasLocalRoute(Installed, IPAddress.Parse("fd00:5350::1")));
    }

    [Fact]
    public void The_prefix_route_alone_is_not_the_local_route()
    {
        // Before the work queue ran: only the prefix route the address add made at once.
        string before = Installed.Split('\n')[0] + "\n";
        Assert.False(LabNetwork.HasLocalRoute(before, IPAddress.Parse("fd00:5350::2")));
    }
}
