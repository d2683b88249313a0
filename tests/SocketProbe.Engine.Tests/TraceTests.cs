using SocketProbe.Engine.Trace;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>Watch-TcpReset's pure logic, fed lines as Linux 6.18's trace_pipe printed them.</summary>
public class TraceTests
{
    private const string SentNoSocket = "   connect-sweep-12270   [001] ..s1.  9446.772746: tcp_send_reset: skbaddr=00000000d2420e4b skaddr=0000000000000000 src=127.0.0.1:24996 dest=127.0.0.1:52336 state=UNKNOWN reason=NO_SOCKET";
    private const string ReceivedFromSent = "   connect-sweep-12270   [001] .....  9446.772963: tcp_receive_reset: family=AF_INET sport=52336 dport=24996 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 sock_cookie=2";
    private const string DropSameSkb = "   connect-sweep-12270   [001] ..s1.  9446.772750: kfree_skb: skbaddr=00000000d2420e4b rx_sk=0000000000000000 protocol=2048 location=tcp_v4_rcv+0xa3/0x15b0 reason: NO_SOCKET";
    private const string SentOnClose = " dotnet-4242 [000] .....  100.000100: tcp_send_reset: skbaddr=0000000012345678 skaddr=00000000abcdef01 src=[::1]:8080 dest=[::1]:50000 state=TCP_CLOSE reason=TCP_ABORT_ON_CLOSE";
    private const string ReceivedForeign = " <idle>-0 [000] ..s1.  200.000000: tcp_receive_reset: family=AF_INET sport=56000 dport=41409 saddr=127.0.0.1 daddr=127.13.0.2 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.13.0.2 sock_cookie=9";

    [Fact]
    public void A_line_gives_task_context_clock_event_and_fields()
    {
        TraceLine line = TraceLine.Parse(SentNoSocket)!;
        Assert.Equal("connect-sweep", line.Task);
        Assert.Equal(12270, line.Pid);
        Assert.Equal(1, line.Cpu);
        Assert.False(line.InProcessContext);
        Assert.Equal(9446.772746, line.Seconds, 6);
        Assert.Equal("tcp_send_reset", line.Event);
        Assert.Equal("NO_SOCKET", line.Fields["reason"]);
        Assert.Equal("127.0.0.1:24996", line.Fields["src"]);
        Assert.Equal("NO_SOCKET", TraceLine.Parse(DropSameSkb)!.Fields["reason"]);
        Assert.True(TraceLine.Parse(SentOnClose)!.InProcessContext);
    }

    [Fact]
    public void Lost_notes_are_counted_and_other_text_is_no_event()
    {
        Assert.Equal(17, TraceLine.LostEvents("CPU:1 [LOST 17 EVENTS]"));
        Assert.Null(TraceLine.Parse("CPU:1 [LOST 17 EVENTS]"));
        Assert.Equal(8080, TraceLine.Endpoint("[::1]:8080")!.Port);
    }

    [Theory]
    // A task name with dashes and digits of its own; the tgid column (options/record-tgid); no flags column (old kernels).
    [InlineData("  kworker-u8-3-77  [000] d.s2.  12.500000: tcp_send_reset: src=10.0.0.1:80 dest=10.0.0.2:5000 state=TCP_CLOSE reason=NO_SOCKET", "kworker-u8-3", 77, 0, "d.s2.")]
    [InlineData("           nginx-900     (    900) [003] .....  12.500000: tcp_send_reset: src=10.0.0.1:80 dest=10.0.0.2:5000 state=TCP_CLOSE reason=NO_SOCKET", "nginx", 900, 3, ".....")]
    [InlineData("  curl-5  [001]  12.500000: tcp_send_reset: src=10.0.0.1:80 dest=10.0.0.2:5000 state=TCP_CLOSE reason=NO_SOCKET", "curl", 5, 1, "")]
    [InlineData("  a [b]-c-42  [001] .....  12.500000: tcp_send_reset: src=10.0.0.1:80 dest=10.0.0.2:5000 state=TCP_CLOSE reason=NO_SOCKET", "a [b]-c", 42, 1, ".....")]
    public void Task_pid_cpu_and_flags_come_apart_however_the_columns_stand(string text, string task, int pid, int cpu, string flags)
    {
        TraceLine line = TraceLine.Parse(text)!;
        Assert.Equal((task, pid, cpu, flags), (line.Task, line.Pid, line.Cpu, line.Flags));
        Assert.Equal(12.5, line.Seconds, 6);
        Assert.Equal("NO_SOCKET", line.Field("reason"));
        Assert.Equal("10.0.0.2:5000", line.Field("dest"));
        Assert.Null(line.Field("rea"));                       // a prefix of a name is not the name
        Assert.Null(line.Field("nosuch"));
    }

    [Fact]
    public void One_field_read_alone_is_what_the_whole_field_list_holds()
    {
        foreach (string text in new[] { SentNoSocket, ReceivedFromSent, DropSameSkb, SentOnClose, ReceivedForeign })
        {
            TraceLine line = TraceLine.Parse(text)!;
            Assert.NotEmpty(line.Fields);
            foreach (var (name, value) in line.Fields) Assert.Equal(value, line.Field(name));
        }
    }

    [Fact]
    public void The_reader_cuts_lines_across_its_reads_and_counts_the_ring_s_lost_notes()
    {
        string root = FakeTracefs("format:\n\tfield:enum sk_rst_reason reason;\toffset:28;\tsize:4;\tsigned:0;\n");
        try
        {
            using TraceInstance instance = TraceInstance.Create(ResetWatcher.EventsFor(false), root: root);
            // A regular file stands in for trace_pipe: 3,000 lines (far more than one 64 KB read) and two LOST notes.
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < 3000; i++)
            {
                text.Append($" conn-{i}-{i}  [001] .....  {i}.000001: tcp_send_reset: skbaddr=0 skaddr=0 src=127.0.0.1:{1 + i % 60000} dest=127.0.0.1:9 state=TCP_CLOSE reason=NO_SOCKET\n");
                if (i is 1000 or 2000) text.Append("CPU:1 [LOST 7 EVENTS]\n");
            }
            File.WriteAllText(Path.Combine(instance.Path, "trace_pipe"), text.ToString());
            var lines = new List<TraceLine>();
            Assert.Equal(new TraceRead(3000, 14), instance.ReadAvailable(lines, waitMs: 0));
            Assert.Equal(3000, lines.Count);
            Assert.Equal(Enumerable.Range(0, 3000), lines.Select(l => l.Pid));
            Assert.Equal($"conn-2999", lines[^1].Task);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Minus_Port_turns_down_other_ports_sends_before_they_are_made()
    {
        LineFilter keep = ResetWatcher.PortFilter(new[] { 52336 })!;
        Assert.Equal(LineKind.Event, TraceLine.TryParse(SentNoSocket, keep, out _));        // dest=...:52336
        Assert.Equal(LineKind.Event, TraceLine.TryParse(ReceivedForeign, keep, out _));     // the kernel filters receives by port
        Assert.Equal(LineKind.TurnedDown, TraceLine.TryParse(SentOnClose, keep, out TraceLine? none));
        Assert.Null(none);
        Assert.Equal(LineKind.Event, TraceLine.TryParse(SentOnClose, ResetWatcher.PortFilter(new[] { 8080 }), out _));
        Assert.Null(ResetWatcher.PortFilter(Array.Empty<int>()));
        Assert.Equal(LineKind.Other, TraceLine.TryParse("CPU:1 [LOST 17 EVENTS]", keep, out _));
    }

    [Fact]
    public void The_format_file_says_whether_the_reason_field_exists()
    {
        const string with = "\tfield:int state;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:enum sk_rst_reason reason;\toffset:28;\tsize:4;\tsigned:0;\n\tfield:__u8 saddr[28];\toffset:32;";
        const string without = "\tfield:int state;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:__u8 saddr[28];\toffset:32;\n print fmt: \"reason=%s\"";
        Assert.True(TraceFormat.HasField(with, "reason"));
        Assert.True(TraceFormat.HasField(with, "saddr"));
        Assert.False(TraceFormat.HasField(without, "reason"));
    }

    /// <summary>A tracker fed these trace lines in order, and the events it has let out so far.</summary>
    private static (ResetTracker Tracker, List<TcpResetEvent> Ready) Fed(bool hasReason, bool includeDrops, params string[] lines)
    {
        var tracker = new ResetTracker(hasReason, includeDrops);
        var ready = new List<TcpResetEvent>();
        foreach (string line in lines) tracker.Feed(TraceLine.Parse(line)!, ready);
        return (tracker, ready);
    }

    [Fact]
    public void A_received_RST_this_host_sent_is_SentHere_with_the_send_s_reason()
    {
        var (_, ready) = Fed(hasReason: true, includeDrops: true, SentNoSocket, DropSameSkb, ReceivedFromSent);
        Assert.Equal(new[] { "Sent", "Dropped", "Received" }, ready.Select(e => e.Direction));
        Assert.Equal(ResetVerdicts.NoSocket, ready[0].Verdict);
        Assert.Null(ready[0].Process);                       // softirq: the running task is not the owner
        Assert.Equal(24996, ready[1].LocalPort);              // the drop of the same skb takes the flow
        Assert.Equal(ResetVerdicts.SentHere, ready[2].Verdict);
        Assert.Equal("NO_SOCKET", ready[2].Reason);
        Assert.Equal("connect-sweep", ready[2].Process);
    }

    [Fact]
    public void A_drop_for_a_socket_that_sent_an_RST_takes_its_flow_and_any_other_drop_has_none()
    {
        var (_, ready) = Fed(hasReason: true, includeDrops: true,
            SentOnClose,   // skaddr=00000000abcdef01, [::1]:8080 > [::1]:50000
            " <idle>-0 [000] ..s1.  100.000200: kfree_skb: skbaddr=0000000099999999 rx_sk=00000000abcdef01 protocol=34525 location=tcp_validate_incoming+0x1/0x2 reason: TCP_INVALID_SEQUENCE",
            " <idle>-0 [000] ..s1.  100.000300: kfree_skb: skbaddr=0000000088888888 rx_sk=0000000000000000 protocol=2048 location=nft_do_chain+0x1/0x2 reason: NETFILTER_DROP");
        Assert.Equal(new[] { "Sent", "Dropped", "Dropped" }, ready.Select(e => e.Direction));
        Assert.Equal((8080, 50000), (ready[1].LocalPort, ready[1].RemotePort));
        Assert.Equal("for the socket that sent an RST here", ready[1].Note);
        // No socket and no RST of the same skb: no flow, so no run's -Trace claims it (TraceInstrument keeps rows by port).
        Assert.Null(ready[2].LocalPort);
        Assert.Null(ready[2].RemotePort);
    }

    [Fact]
    public void A_received_RST_with_no_send_here_is_NotSentHere_after_the_hold()
    {
        var (tracker, ready) = Fed(hasReason: true, includeDrops: false, ReceivedForeign);
        Assert.Empty(ready);                                  // held: a send may come from another CPU's ring
        tracker.Release(200.0 + ResetTracker.HoldSeconds / 2, ready);
        Assert.Empty(ready);
        tracker.Release(200.0 + ResetTracker.HoldSeconds + 0.001, ready);
        TcpResetEvent e = Assert.Single(ready);
        Assert.Equal(ResetVerdicts.NotSentHere, e.Verdict);
        Assert.Null(e.Reason);
        Assert.Equal("127.13.0.2", e.RemoteAddress);
    }

    [Fact]
    public void A_send_that_arrives_after_its_receive_settles_it()
    {
        var (_, ready) = Fed(hasReason: true, includeDrops: false, ReceivedFromSent, SentNoSocket);
        Assert.Equal(new[] { "Sent", "Received" }, ready.Select(e => e.Direction));
        Assert.Equal(ResetVerdicts.SentHere, ready[1].Verdict);
    }

    [Fact]
    public void A_close_with_unread_data_is_the_application_s_doing_in_its_own_call()
    {
        var (_, ready) = Fed(hasReason: true, includeDrops: false, SentOnClose);
        TcpResetEvent e = Assert.Single(ready);
        Assert.Equal(ResetVerdicts.Application, e.Verdict);
        Assert.Equal("closed with unread data", e.ReasonText);
        Assert.Equal(("dotnet", 4242), (e.Process, e.ProcessId));
        Assert.Equal("::1", e.LocalAddress);
        Assert.Equal("CLOSE", e.State);
    }

    [Fact]
    public void Without_the_reason_field_nothing_is_claimed_about_why()
    {
        var (_, ready) = Fed(hasReason: false, includeDrops: false, SentOnClose);
        Assert.Equal(ResetVerdicts.Unknown, ready[0].Verdict);
        Assert.Null(ready[0].Reason);
    }

    [Fact]
    public void Every_reason_the_running_kernel_prints_has_words()
    {
        // The names of enum sk_rst_reason as Linux 6.18's tcp_send_reset format prints them.
        string[] kernel = { "NOT_SPECIFIED", "NO_SOCKET", "TCP_INVALID_ACK_SEQUENCE", "TCP_RFC7323_PAWS", "TCP_TOO_OLD_ACK", "TCP_ACK_UNSENT_DATA",
            "TCP_FLAGS", "TCP_OLD_ACK", "TCP_ABORT_ON_DATA", "TCP_TIMEWAIT_SOCKET", "INVALID_SYN", "TCP_ABORT_ON_CLOSE", "TCP_ABORT_ON_LINGER",
            "TCP_ABORT_ON_MEMORY", "TCP_STATE", "TCP_KEEPALIVE_TIMEOUT", "TCP_DISCONNECT_WITH_DATA", "MPTCP_RST_EUNSPEC", "ERROR" };
        foreach (string name in kernel)
            Assert.NotEqual(ResetCause.Unknown, ResetReasons.Describe(name).Cause);
        Assert.Equal(ResetCause.NoSocket, ResetReasons.Describe("NO_SOCKET").Cause);
        Assert.Equal(ResetCause.Application, ResetReasons.Describe("TCP_STATE").Cause);
    }

    [Fact]
    public void A_root_without_tcp_send_reset_says_what_is_missing_and_what_still_works()
    {
        string root = Directory.CreateTempSubdirectory("fake-tracefs").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "instances"));
            var e = Assert.Throws<TraceUnavailableException>(() => TraceInstance.Create(ResetWatcher.EventsFor(false), root: root));
            Assert.Contains("tcp_send_reset", e.Message);
            Assert.Contains("Get-TcpCounter", e.Message);
            Assert.Empty(Directory.GetDirectories(Path.Combine(root, "instances")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_kernel_without_the_reason_field_still_traces_and_the_instance_goes_on_dispose()
    {
        string root = FakeTracefs("name: tcp_send_reset\nformat:\n\tfield:const void * skaddr;\toffset:16;\tsize:8;\tsigned:0;\n");
        try
        {
            // A dead run's instance (no such PID) is removed first.
            string dead = Path.Combine(root, "instances", "socketprobe-999999999-1-1");
            Directory.CreateDirectory(dead);
            string path;
            using (TraceInstance instance = TraceInstance.Create(ResetWatcher.EventsFor(false), root: root))
            {
                Assert.False(instance.HasResetReason);
                Assert.Contains("socketprobe-999999999-1-1", instance.Removed);
                Assert.False(Directory.Exists(dead));
                path = instance.Path;
                Assert.True(Directory.Exists(path));
                Assert.StartsWith($"socketprobe-{Environment.ProcessId}-", instance.Name);
            }
            Assert.False(Directory.Exists(path));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_run_is_alive_only_with_the_same_pid_and_start_time()
    {
        string me = TraceInstance.StartTimeOf(Environment.ProcessId)!;
        Assert.True(TraceInstance.IsAlive($"socketprobe-{Environment.ProcessId}-{me}-3", "socketprobe-"));
        Assert.False(TraceInstance.IsAlive($"socketprobe-{Environment.ProcessId}-{me}0-3", "socketprobe-"));
        Assert.False(TraceInstance.IsAlive("socketprobe-999999999-5-1", "socketprobe-"));
    }

    /// <summary>A tracefs of files: instances/ and tcp_send_reset's format as <paramref name="format"/> gives it.</summary>
    private static string FakeTracefs(string format)
    {
        string root = Directory.CreateTempSubdirectory("fake-tracefs").FullName;
        Directory.CreateDirectory(Path.Combine(root, "instances"));
        string ev = Path.Combine(root, "events", "tcp", "tcp_send_reset");
        Directory.CreateDirectory(ev);
        File.WriteAllText(Path.Combine(ev, "format"), format);
        return root;
    }
}
