using System.Globalization;
using System.Text;
using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Monitoring;

/// <summary>
/// Health verdicts as Prometheus text exposition format 0.0.4, for node_exporter's textfile collector.
/// Names are blackbox_exporter's where they mean the same (prober/prober.go, prober/tcp.go, prober/utils.go:
/// probe_success, probe_duration_seconds, probe_dns_lookup_time_seconds, probe_ip_protocol); the reason is a
/// fixed set of 0/1 series, one per outcome and one per phase, never a free-text label (its cardinality
/// would grow with every new message). Every series carries target and port, so one file holds several probes.
/// </summary>
public static class PrometheusText
{
    /// <summary>Label values of socketprobe_failed_phase, in the order written.</summary>
    public static readonly IReadOnlyList<ProbePhase> FailurePhases = new[] { ProbePhase.Resolve, ProbePhase.Connect, ProbePhase.Answer, ProbePhase.Local };

    /// <summary>The whole exposition: HELP and TYPE once per family, then its samples; LF line ends, ending with one.</summary>
    public static string Write(IReadOnlyList<HealthCheck> checks, double durationSeconds)
    {
        var text = new StringBuilder();
        Family(text, "probe_success", "Displays whether or not the probe was a success",
            checks.Select(c => (c, (string?)null, (double?)(c.Healthy ? 1 : 0))));
        Family(text, "probe_duration_seconds", "Returns how long the probe took to complete in seconds",
            checks.Select(c => (c, (string?)null, (double?)durationSeconds)));
        Family(text, "probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds",
            checks.Select(c => (c, (string?)null, (double?)(c.Deciding.DnsMs / 1000.0))));
        Family(text, "probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6",
            checks.Select(c => (c, (string?)null, (double?)IpProtocol(c.Deciding))));
        Family(text, "socketprobe_connect_seconds", "Time of the deciding attempt's connect call in seconds (absent when nothing was connected)",
            checks.Select(c => (c, (string?)null, c.Deciding.ConnectMs / 1000.0)));
        Family(text, "socketprobe_outcome", "1 for the outcome of the attempt that decided the verdict (the first that failed, else the last), 0 for the others",
            checks.SelectMany(c => Enum.GetValues<ProbeOutcome>().Select(o => (c, (string?)$"outcome=\"{o}\"", (double?)(c.Outcome == o ? 1 : 0)))));
        Family(text, "socketprobe_failed_phase", "1 for the phase the deciding attempt failed in (resolve, connect, answer, local: our own side), 0 for the others; all 0 when healthy",
            checks.SelectMany(c => FailurePhases.Select(p => (c, (string?)$"phase=\"{p.ToString().ToLowerInvariant()}\"", (double?)(c.Phase == p ? 1 : 0)))));
        Family(text, "socketprobe_attempts", "Attempts made to the target:port in this run",
            checks.Select(c => (c, (string?)null, (double?)c.Attempts.Count)));
        return text.ToString();
    }

    private static int IpProtocol(ProbeResult attempt) => attempt.AddressFamily switch
    {
        "IPv4" => 4,
        "IPv6" => 6,
        _ => 0, // as blackbox_exporter leaves it when no address was chosen
    };

    private static void Family(StringBuilder text, string name, string help, IEnumerable<(HealthCheck Check, string? Extra, double? Value)> samples)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" gauge\n");
        foreach (var (check, extra, value) in samples)
        {
            if (value is not double v) continue;
            text.Append(name).Append("{target=\"").Append(EscapeLabel(check.Target)).Append("\",port=\"")
                .Append(check.Port.ToString(CultureInfo.InvariantCulture)).Append('"');
            if (extra is not null) text.Append(',').Append(extra);
            text.Append("} ").Append(Number(v)).Append('\n');
        }
    }

    /// <summary>A sample value as the format wants it: Go's float syntax, NaN and +Inf/-Inf spelled out.</summary>
    public static string Number(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    /// <summary>HELP text escapes backslash and line feed.</summary>
    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");
}
