using System.Globalization;
using System.Text;
using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Monitoring;

/// <summary>A Nagios / Icinga plugin's state; the value is its exit code.</summary>
public enum NagiosState
{
    Ok = 0,
    Warning = 1,
    Critical = 2,
    /// <summary>The check itself could not run (our own side failed, bad input): never an unhealthy target's code.</summary>
    Unknown = 3,
}

/// <summary>check_tcp's knobs: -w, -c (here in ms), -r (state of a refused connect), -t (the bound, for the perfdata maximum).</summary>
public sealed record NagiosOptions(double? WarningMs = null, double? CriticalMs = null, NagiosState RefusedState = NagiosState.Critical, int TimeoutMs = 10_000);

/// <summary>
/// Health verdicts as a Nagios plugin reports them, in the words of monitoring-plugins' check_tcp
/// (plugins/check_tcp.c, as its 2.3 release prints them), so a service switched from check_tcp keeps its
/// states and graphs: "TCP OK - 0.003 second response time on HOST port N|time=0.003000s;W;C;0.000000;T",
/// "connect to address A and port N: Connection refused" (state per -r), "CRITICAL - Socket timeout after
/// N seconds", "TCP CRITICAL - Invalid hostname, address or socket: HOST". Where check_tcp has no word
/// (the server closed or reset after the handshake, our own side failed) the line says what happened.
/// </summary>
public static class NagiosCheck
{
    public static (NagiosState State, string Line) Evaluate(HealthCheck check, NagiosOptions options)
    {
        ProbeResult a = check.Deciding;
        if (check.CouldNotProbe)
        {
            return (NagiosState.Unknown, $"TCP UNKNOWN - could not probe {check.Target} port {check.Port} from this machine: {a.Message ?? a.ErrnoName ?? a.Reason}");
        }
        if (check.Healthy)
        {
            double seconds = check.ResponseSeconds ?? 0;
            double ms = seconds * 1000;
            NagiosState state = options.CriticalMs is double c && ms > c ? NagiosState.Critical
                : options.WarningMs is double w && ms > w ? NagiosState.Warning
                : NagiosState.Ok;
            return (state, $"TCP {Word(state)} - {F(seconds, 3)} second response time on {check.Target} port {check.Port}|{Perf(seconds, options)}");
        }
        switch (a.Kind)
        {
            case ProbeOutcome.Refused:
                return (options.RefusedState, $"connect to address {a.Address} and port {a.Port}: {a.Message ?? "Connection refused"}");
            case ProbeOutcome.TimedOut:
                return (NagiosState.Critical, $"CRITICAL - Socket timeout after {F(options.TimeoutMs / 1000.0, 3).TrimEnd('0').TrimEnd('.')} seconds");
            case ProbeOutcome.NameNotResolved:
                return (NagiosState.Critical, $"TCP CRITICAL - Invalid hostname, address or socket: {check.Target}");
            case ProbeOutcome.HostUnreachable or ProbeOutcome.NetworkUnreachable:
                return (NagiosState.Critical, $"connect to address {a.Address} and port {a.Port}: {a.Message}");
        }
        // Connected, then not the answer of a healthy service (reset, closed, silent where an answer was due).
        string what = a.Kind switch
        {
            ProbeOutcome.Reset => "the server reset the connection after the handshake",
            ProbeOutcome.Closed => "the server closed the connection before sending anything",
            _ => a.Message ?? a.Outcome,
        };
        string perf = check.ResponseSeconds is double s ? $"|{Perf(s, options)}" : "";
        return (NagiosState.Critical, $"TCP CRITICAL - {what} on {check.Target} port {check.Port} ({a.Address}){perf}");
    }

    /// <summary>
    /// One plugin output for several checks: the worst first line (Nagios reads its state and perfdata from
    /// it), the others below as long output. Worst is CRITICAL, then WARNING, then UNKNOWN, then OK
    /// (monitoring-plugins' max_state_alt); no checks at all is UNKNOWN.
    /// </summary>
    public static (NagiosState State, string Text) Report(IReadOnlyList<HealthCheck> checks, NagiosOptions options)
    {
        if (checks.Count == 0) return (NagiosState.Unknown, "TCP UNKNOWN - nothing was probed");
        var lines = checks.Select(c => Evaluate(c, options)).ToList();
        var ordered = lines.Select((l, i) => (l.State, l.Line, i)).OrderByDescending(l => Severity(l.State)).ThenBy(l => l.i).ToList();
        var text = new StringBuilder();
        foreach (var line in ordered) text.Append(line.Line).Append('\n');
        return (ordered[0].State, text.ToString());
    }

    public static int Severity(NagiosState state) => state switch
    {
        NagiosState.Critical => 3,
        NagiosState.Warning => 2,
        NagiosState.Unknown => 1,
        _ => 0,
    };

    /// <summary>check_tcp's perfdata: time=Ss;warn;crit;0.000000;timeout, six decimals, seconds.</summary>
    private static string Perf(double seconds, NagiosOptions options) =>
        $"time={F(seconds, 6)}s;{(options.WarningMs is double w ? F(w / 1000, 6) : "")};{(options.CriticalMs is double c ? F(c / 1000, 6) : "")};{F(0, 6)};{F(options.TimeoutMs / 1000.0, 6)}";

    public static string Word(NagiosState state) => state switch
    {
        NagiosState.Ok => "OK",
        NagiosState.Warning => "WARNING",
        NagiosState.Critical => "CRITICAL",
        _ => "UNKNOWN",
    };

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
