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
    [InlineData(65535, 200, 2, true)]
    [InlineData(65535, 200, 1, false)]  // one core
    [InlineData(65535, 1, 4, false)]    // one throttle slot
    [InlineData(100, 200, 4, false)]    // too few attempts for a thread
    public void A_second_lane_is_for_large_sweeps_on_several_cores(long attempts, int throttle, int cores, bool wanted) =>
        Assert.Equal(wanted, ProbeRound.MaySecondLane(attempts, throttle, cores));

    [Theory]
    [InlineData(2, 0, true)]     // nothing else wants a core: the other one is spare
    [InlineData(2, 1, false)]    // another task holds the other core: the second lane only costs CPU
    [InlineData(2, 5, false)]
    [InlineData(2, null, false)] // unknown: busy
    [InlineData(4, 2, true)]
    [InlineData(4, 3, false)]
    public void It_runs_only_on_a_spare_core(int cores, int? othersRunnable, bool wanted) =>
        Assert.Equal(wanted, ProbeRound.SpareCoreFor(cores, othersRunnable));

    [Theory]
    [InlineData("0.52 0.58 0.59 3/467 12345\n", 3)]
    [InlineData("13.45 9.39 6.20 1/113 11547\n", 1)] // a high load average from work that has ended: 1 runnable now
    [InlineData("0.00 0.00 0.00", null)]
    [InlineData("0.1 0.1 0.1 x/12 1", null)]
    public void The_tasks_runnable_now_come_from_loadavg_fourth_field(string loadavg, int? runnable) =>
        Assert.Equal(runnable, SpareCore.MachineRunnable(loadavg));

    [Theory]
    [InlineData("123 (pwsh) R 1 123", true)]
    [InlineData("124 (.NET TP Worker) S 1 123", false)]
    [InlineData("125 (a) b) R) R 1", true)]   // the name may hold ')' and spaces: the state follows the last one
    [InlineData("126 (x) D 1", false)]
    public void A_thread_is_runnable_when_its_state_is_R(string stat, bool runnable) =>
        Assert.Equal(runnable, SpareCore.IsRunnable(stat));

    [SkippableLinuxFact]
    public void A_lane_beside_another_keeps_one_spare_slot_not_all_it_took()
    {
        // The first lane once kept every slot its connects in flight had taken, and the second lane
        // found none free for the whole sweep (it started 0 of 65,535 attempts). Connects stay in
        // flight here at a listener whose accept queue is full: the kernel drops their SYNs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        var request = new ProbeRequest { ThrottleLimit = 8, TimeoutMs = 5000 };
        using var throttle = new SemaphoreSlim(8);
        var round = new ProbeRound(request, 1, throttle, (_, _) => Task.FromResult(Array.Empty<IPAddress>()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        using (var lane = new BatchConnector(round, new SocketConnector(round)))
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.True(lane.TakeSlot());
                lane.Start(new ProbeAttempt(new ProbeResult { Port = target.Port }, target));
            }
            Assert.True(lane.Active >= 3, $"{lane.Active} connects in flight"); // the queue took one or two
            lane.Wait(0); // a connect the queue took ends here, its slot kept for the next attempt
            int inFlight = lane.Active;
            Assert.Equal(8 - 5, throttle.CurrentCount);
            lane.Trim(keep: 1);
            Assert.Equal(8 - inFlight - 1, throttle.CurrentCount);
            lane.Trim();
            Assert.Equal(8 - inFlight, throttle.CurrentCount);
        }
        Assert.Equal(8, throttle.CurrentCount);
    }

    [Fact]
    public void This_process_reading_itself_is_never_counted_as_others()
    {
        // Linux /proc: the reader's own runnable thread is in both counts, so it cancels out.
        if (!OperatingSystem.IsLinux()) return;
        int? others = SpareCore.OthersRunnable();
        Assert.NotNull(others);
        Assert.True(others >= 0);
    }
}
