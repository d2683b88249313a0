using System.Text;
using SocketProbe.Engine.Monitoring;
using SocketProbe.Engine.Probe;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>Prometheus text, Nagios lines and exit codes, atomic files: pure logic over probe results.</summary>
public sealed class MonitoringTests
{
    private static ProbeResult Attempt(ProbeOutcome outcome, double? connectMs = 3.0, int sequence = 1, string family = "IPv4",
        AfterConnectKind? after = null, string? message = null, int? localPort = 40000) => new()
    {
        Target = "127.0.0.1", Address = family == "IPv6" ? "::1" : "127.0.0.1", AddressFamily = family, Port = 80, Sequence = sequence,
        Kind = outcome, After = after, ConnectMs = connectMs, DnsMs = 0, Message = message, LocalPort = localPort,
        Reason = outcome == ProbeOutcome.Open ? ProbeClassifier.SynAck : "x",
    };

    private static HealthCheck Check(bool healthy, params ProbeResult[] attempts) => new("127.0.0.1", 80, healthy, attempts);

    [Fact]
    public void Prometheus_uses_blackbox_names_one_help_and_type_per_family_LF_and_fixed_reason_series()
    {
        string text = PrometheusText.Write(new[] { Check(false, Attempt(ProbeOutcome.Refused, 0.1, message: "Connection refused")) }, 0.25);
        Assert.DoesNotContain("\r", text);
        Assert.EndsWith("\n", text);
        Assert.Contains("probe_success{target=\"127.0.0.1\",port=\"80\"} 0\n", text);
        Assert.Contains("probe_duration_seconds{target=\"127.0.0.1\",port=\"80\"} 0.25\n", text);
        Assert.Contains("probe_ip_protocol{target=\"127.0.0.1\",port=\"80\"} 4\n", text);
        Assert.Contains("socketprobe_outcome{target=\"127.0.0.1\",port=\"80\",outcome=\"Refused\"} 1\n", text);
        Assert.Contains("socketprobe_failed_phase{target=\"127.0.0.1\",port=\"80\",phase=\"connect\"} 1\n", text);
        // One series per outcome and per phase, whatever happened: never a free-text label (the message is not in it).
        Assert.Equal(Enum.GetValues<ProbeOutcome>().Length, text.Split('\n').Count(l => l.StartsWith("socketprobe_outcome{")));
        Assert.Equal(4, text.Split('\n').Count(l => l.StartsWith("socketprobe_failed_phase{")));
        Assert.DoesNotContain("Connection refused", text);
        foreach (string family in new[] { "probe_success", "probe_duration_seconds", "socketprobe_outcome" })
        {
            Assert.Single(text.Split('\n'), l => l == $"# TYPE {family} gauge");
        }
    }

    [Fact]
    public void Prometheus_healthy_has_no_failed_phase_and_escapes_label_values()
    {
        var check = new HealthCheck("a\"b\\c", 443, true, new[] { Attempt(ProbeOutcome.Open, family: "IPv6") });
        string text = PrometheusText.Write(new[] { check }, 0.01);
        Assert.Contains("probe_success{target=\"a\\\"b\\\\c\",port=\"443\"} 1\n", text);
        Assert.Contains("probe_ip_protocol{target=\"a\\\"b\\\\c\",port=\"443\"} 6\n", text);
        Assert.DoesNotContain(text.Split('\n'), l => l.StartsWith("socketprobe_failed_phase{") && l.EndsWith(" 1"));
    }

    [Fact]
    public void Prometheus_could_not_probe_is_phase_local_not_a_connect_failure()
    {
        string text = PrometheusText.Write(new[] { Check(false, Attempt(ProbeOutcome.LocalError, null, localPort: null)) }, 0.01);
        Assert.Contains("phase=\"local\"} 1\n", text);
        Assert.Contains("phase=\"connect\"} 0\n", text);
        Assert.Contains("probe_success{target=\"127.0.0.1\",port=\"80\"} 0\n", text);
    }

    [Theory]
    [InlineData(null, null, NagiosState.Ok)]
    [InlineData(2.0, null, NagiosState.Warning)]
    [InlineData(2.0, 2.5, NagiosState.Critical)]
    [InlineData(5.0, 10.0, NagiosState.Ok)]
    public void Nagios_open_is_ok_or_by_thresholds_in_check_tcps_words(double? warnMs, double? critMs, NagiosState expected)
    {
        var (state, line) = NagiosCheck.Evaluate(Check(true, Attempt(ProbeOutcome.Open, 3.0)), new NagiosOptions(warnMs, critMs, TimeoutMs: 10_000));
        Assert.Equal(expected, state);
        string warn = warnMs is double w ? (w / 1000).ToString("F6", System.Globalization.CultureInfo.InvariantCulture) : "";
        string crit = critMs is double c ? (c / 1000).ToString("F6", System.Globalization.CultureInfo.InvariantCulture) : "";
        Assert.Equal($"TCP {NagiosCheck.Word(expected)} - 0.003 second response time on 127.0.0.1 port 80|time=0.003000s;{warn};{crit};0.000000;10.000000", line);
    }

    [Theory]
    [InlineData(NagiosState.Ok)]
    [InlineData(NagiosState.Warning)]
    [InlineData(NagiosState.Critical)]
    public void Nagios_refused_takes_the_state_the_user_chose(NagiosState refused)
    {
        var (state, line) = NagiosCheck.Evaluate(Check(false, Attempt(ProbeOutcome.Refused, 0.1, message: "Connection refused")), new NagiosOptions(RefusedState: refused));
        Assert.Equal(refused, state);
        Assert.Equal("connect to address 127.0.0.1 and port 80: Connection refused", line);
    }

    [Fact]
    public void Nagios_unknown_only_when_the_probe_could_not_run_never_for_an_unhealthy_target()
    {
        var options = new NagiosOptions();
        Assert.Equal(NagiosState.Unknown, NagiosCheck.Evaluate(Check(false, Attempt(ProbeOutcome.LocalError, null, message: "EMFILE")), options).State);
        foreach (var outcome in new[] { ProbeOutcome.TimedOut, ProbeOutcome.NameNotResolved, ProbeOutcome.HostUnreachable, ProbeOutcome.Reset, ProbeOutcome.Closed, ProbeOutcome.Error })
        {
            Assert.Equal(NagiosState.Critical, NagiosCheck.Evaluate(Check(false, Attempt(outcome)), options).State);
        }
        // A target that answered once, beside our own failures, is judged by its answer.
        Assert.Equal(NagiosState.Critical, NagiosCheck.Evaluate(Check(false, Attempt(ProbeOutcome.LocalError, null), Attempt(ProbeOutcome.Reset, sequence: 2)), options).State);
        Assert.Equal("CRITICAL - Socket timeout after 0.3 seconds", NagiosCheck.Evaluate(Check(false, Attempt(ProbeOutcome.TimedOut)), new NagiosOptions(TimeoutMs: 300)).Line);
    }

    [Fact]
    public void Nagios_report_puts_the_worst_first_and_exits_with_its_code()
    {
        var ok = Check(true, Attempt(ProbeOutcome.Open));
        var bad = new HealthCheck("b", 81, false, new[] { Attempt(ProbeOutcome.Reset) });
        var (state, text) = NagiosCheck.Report(new[] { ok, bad }, new NagiosOptions());
        Assert.Equal(NagiosState.Critical, state);
        Assert.StartsWith("TCP CRITICAL", text);
        Assert.Equal(2, text.TrimEnd('\n').Split('\n').Length);
        Assert.Equal(NagiosState.Unknown, NagiosCheck.Report(Array.Empty<HealthCheck>(), new NagiosOptions()).State);
    }

    [Fact]
    public void The_deciding_attempt_is_the_first_failure()
    {
        var check = Check(false, Attempt(ProbeOutcome.Open), Attempt(ProbeOutcome.Refused, sequence: 2), Attempt(ProbeOutcome.TimedOut, sequence: 3));
        Assert.Equal(ProbeOutcome.Refused, check.Outcome);
        Assert.Equal(ProbePhase.Connect, check.Phase);
    }

    [Fact]
    public void Atomic_file_replaces_whole_writes_UTF8_without_BOM_and_leaves_no_temporary()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sp-atomic-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "probe.prom");
            File.WriteAllText(path, "old\r\n", new UTF8Encoding(true));
            AtomicFile.WriteAllText(path, "née 1\n");
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(Encoding.UTF8.GetBytes("née 1\n"), bytes);
            Assert.Equal(new[] { path }, Directory.GetFiles(dir));
            // A directory that does not exist: the error, and nothing left behind.
            Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(Path.Combine(dir, "missing", "x.prom"), "x"));
            Assert.Equal(new[] { path }, Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }
}
