using System.Net;
using System.Net.Sockets;
using SocketProbe.Engine.Probe;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>The batch path's per-attempt readings, kept raw so a sweep allocates nothing per attempt for them.</summary>
public sealed class ConnectBatchTests
{
    [Fact]
    public void A_source_address_is_one_string_for_every_attempt_that_shares_it()
    {
        var text = new LocalAddressText();
        string first = text.Of(new byte[] { 127, 0, 0, 1 }, 0);
        Assert.Equal("127.0.0.1", first);
        Assert.Same(first, text.Of(new byte[] { 127, 0, 0, 1 }, 0));
        Assert.Equal("127.0.0.2", text.Of(new byte[] { 127, 0, 0, 2 }, 0));
        Assert.Equal("::1", text.Of(IPAddress.IPv6Loopback.GetAddressBytes(), 0));
        byte[] linkLocal = IPAddress.Parse("fe80::1").GetAddressBytes();
        Assert.Equal("fe80::1%2", text.Of(linkLocal, 2));
        Assert.Equal("fe80::1%3", text.Of(linkLocal, 3)); // the same bytes on another interface
        Assert.Equal("127.0.0.1", text.Of(new byte[] { 127, 0, 0, 1 }, 0));
    }

    [SkippableLinuxFact]
    public void LocalName_reads_what_the_kernel_bound_on_both_families()
    {
        foreach (IPAddress loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var listener = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(loopback, 0));
            listener.Listen(1);
            using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            var expected = (IPEndPoint)client.LocalEndPoint!;
            var address = new byte[16];
            int length = ConnectBatch.LocalName((int)client.Handle, address, out int port, out uint scope);
            Assert.Equal(expected.Port, port);
            Assert.Equal(expected.Address, ConnectBatch.AddressOf(address.AsSpan(0, length), scope));
        }
    }

    [Fact]
    public void An_attempt_that_did_not_connect_is_judged_by_its_outcome_with_one_shared_text()
    {
        foreach (ProbeOutcome outcome in Enum.GetValues<ProbeOutcome>().Where(o => o != ProbeOutcome.Open))
        {
            var (healthy, why) = ProbeHealth.Judge(new ProbeResult { Kind = outcome }, sent: false, expecting: false);
            Assert.False(healthy);
            Assert.Equal($"the connect ended {outcome}", why);
            Assert.Same(why, ProbeHealth.Judge(new ProbeResult { Kind = outcome }, sent: false, expecting: false).Why);
        }
    }
}

/// <summary>When a batch sweep takes a second lane (a thread of its own with its own poll(2) batch).</summary>
public sealed class SecondLaneTests
{
    [Theory]
    [InlineData(65535, 200, 2, 0.3, true)]   // a core to spare
    [InlineData(65535, 200, 2, 1.0, false)]  // the other core is busy: the second lane only costs CPU
    [InlineData(65535, 200, 2, 5.3, false)]
    [InlineData(65535, 200, 2, null, false)] // load unknown: busy
    [InlineData(65535, 200, 1, 0.0, false)]  // one core
    [InlineData(65535, 1, 4, 0.0, false)]    // one throttle slot
    [InlineData(100, 200, 4, 0.0, false)]    // too few attempts for a thread
    [InlineData(65535, 200, 4, 2.5, true)]
    public void A_second_lane_runs_only_on_a_spare_core(long attempts, int throttle, int cores, double? load, bool wanted) =>
        Assert.Equal(wanted, ProbeRound.WantsSecondLane(attempts, throttle, cores, load));
}
