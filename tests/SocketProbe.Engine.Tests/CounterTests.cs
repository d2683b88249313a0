using SocketProbe.Engine;
using SocketProbe.Engine.Counters;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class CounterTests
{
    // Shapes of the real files (Linux 6.18), cut short.
    private const string Snmp =
        "Ip: Forwarding DefaultTTL InReceives OutNoRoutes\n" +
        "Ip: 2 64 10051 3\n" +
        "Icmp: InMsgs InDestUnreachs\n" +
        "Icmp: 25 25\n" +
        "IcmpMsg: InType3 OutType3\n" +
        "IcmpMsg: 25 24\n" +
        "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens AttemptFails EstabResets CurrEstab OutRsts\n" +
        "Tcp: 1 200 120000 -1 2844 2203 643 7 2674\n" +
        "Udp: InDatagrams NoPorts\n" +
        "Udp: 57 24\n";

    private const string Netstat =
        "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPAbortOnData TCPAbortOnLinger\n" +
        "TcpExt: 0 138 138 350 0\n" +
        "IpExt: InNoRoutes InOctets\n" +
        "IpExt: 0 18446744073709551615\n";

    private const string Snmp6 =
        "Ip6InReceives                   \t1013\n" +
        "Icmp6InDestUnreachs             \t2\n" +
        "Udp6NoPorts                     \t1\n";

    [Fact]
    public void Parse_glues_the_line_prefix_to_each_column_as_nstat_names_them()
    {
        var values = LinuxCounters.Parse(Snmp, Netstat, Snmp6).ToDictionary(v => v.Key, v => v.Value);
        Assert.Equal(10051, values["IpInReceives"]);
        Assert.Equal(3, values["IpOutNoRoutes"]);
        Assert.Equal(25, values["IcmpInDestUnreachs"]);
        Assert.Equal(24, values["IcmpMsgOutType3"]);
        Assert.Equal(2203, values["TcpAttemptFails"]);
        Assert.Equal(2674, values["TcpOutRsts"]);
        Assert.Equal(24, values["UdpNoPorts"]);
        Assert.Equal(138, values["TcpExtListenOverflows"]);
        Assert.Equal(350, values["TcpExtTCPAbortOnData"]);
        Assert.Equal(1013, values["Ip6InReceives"]);
        Assert.Equal(1, values["Udp6NoPorts"]);
    }

    [Theory]
    [InlineData("IpForwarding")]
    [InlineData("IpDefaultTTL")]
    [InlineData("TcpRtoAlgorithm")]
    [InlineData("TcpRtoMin")]
    [InlineData("TcpRtoMax")]
    [InlineData("TcpMaxConn")]
    [InlineData("TcpCurrEstab")]
    public void Parse_leaves_out_what_nstat_leaves_out(string name)
    {
        Assert.DoesNotContain(LinuxCounters.Parse(Snmp, Netstat, Snmp6), v => v.Key == name);
    }

    [Fact]
    public void Parse_keeps_file_order_and_reads_64_bit_counters()
    {
        var names = LinuxCounters.Parse(Snmp, Netstat, Snmp6).Select(v => v.Key).ToList();
        Assert.Equal("IpInReceives", names[0]);
        Assert.True(names.IndexOf("TcpOutRsts") < names.IndexOf("TcpExtListenOverflows"));
        Assert.Equal("Udp6NoPorts", names[^1]);
        var octets = LinuxCounters.Parse(Snmp, Netstat, Snmp6).Single(v => v.Key == "IpExtInOctets").Value;
        Assert.Equal(unchecked((long)ulong.MaxValue), octets);
    }

    [Fact]
    public void Parse_stops_at_a_pair_of_lines_out_of_step_and_survives_empty_files()
    {
        var broken = LinuxCounters.Parse("Ip: InReceives\nTcp: 5\n", "", "");
        Assert.Empty(broken);
        Assert.Empty(LinuxCounters.Parse("", "", ""));
        Assert.Single(LinuxCounters.Parse("Tcp: OutRsts\r\nTcp: 9\r\n", "", ""));
    }

    [Fact]
    public void Since_gives_what_moved_and_counts_a_newly_listed_counter_from_zero()
    {
        var before = Snapshot(("TcpOutRsts", 10), ("TcpAttemptFails", 4), ("IcmpMsgInType3", 0));
        var after = Snapshot(("TcpOutRsts", 13), ("TcpAttemptFails", 4), ("IcmpMsgOutType3", 2));
        var moved = after.Since(before).ToDictionary(m => m.Key, m => m.Value);
        Assert.Equal(2, moved.Count);
        Assert.Equal(3, moved["TcpOutRsts"]);
        Assert.Equal(2, moved["IcmpMsgOutType3"]);
    }

    [Fact]
    public void Describe_puts_the_lead_counters_first_in_a_stable_order()
    {
        var moved = new[]
        {
            new KeyValuePair<string, long>("IpInReceives", 2), new("TcpExtTCPAbortOnData", 1), new("TcpOutRsts", 1), new("TcpInSegs", 2),
        };
        Assert.Equal("TcpOutRsts +1, TcpExtTCPAbortOnData +1, IpInReceives +2, TcpInSegs +2", CounterCatalog.Describe(moved));
    }

    [Fact]
    public void Rows_give_deltas_and_rates_over_the_measured_interval_and_NonZero_keeps_what_moved()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0);
        var before = Snapshot(t0, ("IpInReceives", 100), ("TcpOutRsts", 10), ("TcpAttemptFails", 4));
        var after = Snapshot(t0.AddSeconds(2), ("IpInReceives", 110), ("TcpOutRsts", 13), ("TcpAttemptFails", 4));
        var all = CounterSampler.Rows(new CounterRequest(), after, before, 2).ToList();
        Assert.Equal(new[] { "TcpOutRsts", "TcpAttemptFails", "IpInReceives" }, all.Select(r => r.Name));
        var rst = all[0];
        Assert.Equal(13, rst.Value);
        Assert.Equal(3, rst.Delta);
        Assert.Equal(1.5, rst.PerSecond);
        Assert.Equal(2.0, rst.IntervalSeconds);
        Assert.Equal(2, rst.Sample);
        Assert.True(rst.IsLead);
        Assert.NotNull(rst.Meaning);
        Assert.Contains("tcp_v4_send_reset", rst.Source);
        Assert.Equal(0, all[1].PerSecond);

        var moved = CounterSampler.Rows(new CounterRequest { NonZero = true }, after, before, 1).Select(r => r.Name);
        Assert.Equal(new[] { "TcpOutRsts", "IpInReceives" }, moved);
        var once = CounterSampler.Rows(new CounterRequest { NonZero = true, Selects = n => n.StartsWith("Tcp") }, after, null, 1).ToList();
        Assert.All(once, r => { Assert.Null(r.Delta); Assert.Null(r.PerSecond); });
        Assert.Equal(new[] { "TcpOutRsts", "TcpAttemptFails" }, once.Select(r => r.Name));
    }

    [Fact]
    public async Task RunAsync_takes_one_set_per_interval_from_the_previous_read()
    {
        int reads = 0;
        var first = Snapshot(("TcpOutRsts", 0));
        CounterSnapshot Read() { reads++; return Snapshot(DateTime.Now, ("TcpOutRsts", reads * 2)); }
        var rows = new List<TcpCounter>();
        await CounterSampler.RunAsync(new CounterRequest { Interval = TimeSpan.FromMilliseconds(20), Count = 3 }, first, rows.Add,
            CancellationToken.None, Read);
        Assert.Equal(3, reads);
        Assert.Equal(new long?[] { 2, 2, 2 }, rows.Select(r => r.Delta));
        Assert.Equal(new[] { 1, 2, 3 }, rows.Select(r => r.Sample));
    }

    [Fact]
    public async Task RunAsync_honours_cancellation_while_it_waits()
    {
        using var stop = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CounterSampler.RunAsync(
            new CounterRequest { Interval = TimeSpan.FromMinutes(5), Count = null }, Snapshot(("TcpOutRsts", 0)), _ => { }, stop.Token,
            () => Snapshot(("TcpOutRsts", 0))));
    }

    [Fact]
    public void Mac_tcpstat_parses_its_leading_fields_in_xnu_order()
    {
        var raw = new byte[MacCounters.Fields.Length * 4 + 16];
        for (int i = 0; i < MacCounters.Fields.Length; i++) BitConverter.GetBytes((uint)(i + 1)).CopyTo(raw, i * 4);
        var values = MacCounters.Parse(raw).ToDictionary(v => v.Key, v => v.Value);
        Assert.Equal(MacCounters.Fields.Length, values.Count);
        Assert.Equal(1, values["tcps_connattempt"]);
        Assert.Equal(4, values["tcps_drops"]);
        Assert.Equal(61, values["tcps_listendrop"]);
    }

    [Fact]
    public void The_catalogue_has_one_meaning_per_name_and_every_lead_Linux_counter_is_described()
    {
        Assert.Equal(CounterCatalog.All.Count, CounterCatalog.All.Select(m => m.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(CounterCatalog.Lead.Count, CounterCatalog.Lead.Distinct().Count());
        foreach (string lead in CounterCatalog.Lead) Assert.NotNull(CounterCatalog.Find(lead));
        Assert.All(CounterCatalog.All, m => { Assert.False(string.IsNullOrWhiteSpace(m.Meaning)); Assert.False(string.IsNullOrWhiteSpace(m.Source)); });
    }

    [Fact]
    public void Icmp_counters_take_their_meaning_from_one_table_of_types_and_udplite_from_udp()
    {
        // Numbered columns appear once a type is first seen, so any type number has a meaning.
        Assert.Equal("ICMP Echo (type 8) sent: a ping request.", CounterCatalog.Find("IcmpMsgOutType8")!.Meaning);
        Assert.StartsWith("RFC 4861 (type 135)", CounterCatalog.Find("Icmp6OutType135")!.Source);
        Assert.StartsWith("ICMPv6 Version 2 Multicast Listener Report (type 143) received", CounterCatalog.Find("Icmp6InType143")!.Meaning);
        Assert.Equal("ICMPv6 messages of type 200 received.", CounterCatalog.Find("Icmp6InType200")!.Meaning);
        Assert.Null(CounterCatalog.Find("IcmpMsgInType256"));
        Assert.Null(CounterCatalog.Find("Icmp6InTypeX"));
        // Named columns come from the same table; a row written out wins over the generated one.
        Assert.StartsWith("ICMP Time Exceeded (type 11) received", CounterCatalog.Find("IcmpInTimeExcds")!.Meaning);
        Assert.StartsWith("ICMPv6 Neighbor Solicitation (type 135) sent", CounterCatalog.Find("Icmp6OutNeighborSolicits")!.Meaning);
        Assert.Contains("firewall reject", CounterCatalog.Find("IcmpOutDestUnreachs")!.Meaning);
        Assert.StartsWith("As UdpNoPorts, for UDP-Lite (RFC 3828) sockets", CounterCatalog.Find("UdpLiteNoPorts")!.Meaning);
        Assert.StartsWith("As Udp6MemErrors", CounterCatalog.Find("UdpLite6MemErrors")!.Meaning);
    }

    [Fact]
    public void Scenarios_moving_a_counter_come_from_the_scenarios_own_tables()
    {
        Assert.Contains("AcceptQueueFull", CounterCatalog.ScenariosMoving("TcpExtListenOverflows", OsPlatform.Linux));
        Assert.Contains("ConnectRefused", CounterCatalog.ScenariosMoving("TcpAttemptFails", OsPlatform.Windows));
        Assert.Empty(CounterCatalog.ScenariosMoving("NoSuchCounter", OsPlatform.Linux));
        foreach (Scenario s in ScenarioCatalog.All)
            foreach (CounterExpectation c in s.Counters)
                Assert.NotNull(CounterCatalog.Find(c.Counter));
    }

    [Fact]
    public void A_counter_expectation_describes_its_figure_and_source()
    {
        var c = CounterExpectation.Linux("TcpOutRsts", 1, "the RST", "tcp_v4_send_reset()");
        Assert.Equal("TcpOutRsts +1 (the RST; tcp_v4_send_reset(); measured in a namespace of its own on Linux 6.18)", c.Describe());
        var w = CounterExpectation.Documented(OsPlatform.Windows, "TcpOutRsts", "the RST", "dwOutRsts");
        Assert.EndsWith("documented, not verified)", w.Describe());
    }

    /// <summary>
    /// Every counter the running kernel exposes in /proc/net/snmp, netstat and snmp6 has a meaning and
    /// a source in the catalogue: Get-TcpCounter must never show a figure nobody can read.
    /// </summary>
    [LinuxFact]
    public void Every_counter_this_kernel_exposes_has_a_meaning_and_a_source()
    {
        var missing = CounterReader.Read().Values.Select(v => v.Key)
            .Where(name => CounterCatalog.Find(name) is not { } m || string.IsNullOrWhiteSpace(m.Meaning) || string.IsNullOrWhiteSpace(m.Source))
            .ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} counters of this kernel have no meaning: {string.Join(", ", missing)}");
    }

    [LinuxFact]
    public void On_Linux_the_reader_gives_what_the_proc_files_say()
    {
        var snapshot = CounterReader.Read();
        Assert.Contains("/proc/net/snmp", snapshot.Source);
        Assert.True(snapshot.Contains("TcpOutRsts"));
        Assert.True(snapshot.Values.Count > 100);
    }

    private static CounterSnapshot Snapshot(params (string Name, long Value)[] values) => Snapshot(DateTime.Now, values);

    private static CounterSnapshot Snapshot(DateTime at, params (string Name, long Value)[] values) =>
        new(values.Select(v => new KeyValuePair<string, long>(v.Name, v.Value)).ToList(), at, "test");
}
