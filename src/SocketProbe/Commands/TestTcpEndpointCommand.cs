using SocketProbe.Engine.Probe;

namespace SocketProbe.Commands;

/// <summary>
/// Test-TcpEndpoint: probes real targets, every resolved address, and emits one result per connect
/// attempt; with -Summary, statistics per target:port:address; with -Quiet, one bool per
/// target:port, true only when the service answered as a healthy one does (as Test-Connection's
/// -Quiet means reachable).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "TcpEndpoint", DefaultParameterSetName = ProbeSet)]
[OutputType(typeof(ProbeResult), ParameterSetName = new[] { ProbeSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet })]
[OutputType(typeof(string), ParameterSetName = new[] { QuietSet })]
[OutputType(typeof(ProbeSummary), ParameterSetName = new[] { SummarySet })]
public sealed class TestTcpEndpointCommand : TargetCmdlet, IProbeParameters
{
    private const string ProbeSet = "Probe";
    private const string QuietSet = "Quiet";
    private const string SummarySet = "Summary";

    private ProbeRequest _request = new();

    /// <summary>Our own bound on each connect (and name lookup).</summary>
    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = ProbeRequest.DefaultTimeoutMs;

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    /// <summary>Rounds until Ctrl+C. With -Summary, the totals so far are written to the host when stopped.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = SummarySet)]
    public SwitchParameter Continuous { get; set; }

    [Parameter]
    [ValidateRange(0, 86_400_000)]
    public int IntervalMs { get; set; } = 1_000;

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 64;

    /// <summary>One bool per target:port: true only when every attempt ended Open and, with -ReadMs, answered as a healthy service does.</summary>
    [Parameter(ParameterSetName = QuietSet, Mandatory = true)]
    [Alias("Healthy")]
    public SwitchParameter Quiet { get; set; }

    [Parameter(ParameterSetName = SummarySet, Mandatory = true)]
    public SwitchParameter Summary { get; set; }

    /// <summary>After each connect, read for up to this many ms (1-600000): Open (Data or Silent), Closed or Reset.</summary>
    [Parameter]
    public int ReadMs { get; set; }

    /// <summary>Text sent (UTF-8) right after each connect, before reading; needs -ReadMs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Send { get; set; }

    /// <summary>
    /// A regular expression the answer must match (as check_tcp -e and blackbox_exporter's
    /// query_response expect): reading stops when it matches; an answer that does not is not healthy.
    /// Needs -ReadMs.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Expect { get; set; }

    /// <summary>Local address each probe socket is bound to (a multi-homed host's interface; to match a capture).</summary>
    [Parameter]
    [ValidateNotNull]
    [StrictAddress]
    public System.Net.IPAddress? SourceAddress { get; set; }

    /// <summary>Local port each probe socket is bound to (SO_REUSEADDR); absent: the kernel chooses.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int SourcePort { get; set; }

    /// <summary>End each probe connection with RST (SO_LINGER {on, 0}) instead of FIN. Without it a probe closes politely.</summary>
    [Parameter]
    public SwitchParameter Abort { get; set; }

    /// <summary>-Quiet as Prometheus text (blackbox_exporter's names) or as a Nagios plugin line and exit code ($LASTEXITCODE).</summary>
    [Parameter(ParameterSetName = QuietSet)]
    public MonitoringFormat As { get; set; }

    /// <summary>With -As: write the text to this file atomically (a temporary file beside it, then a rename), UTF-8 without BOM, LF.</summary>
    [Parameter(ParameterSetName = QuietSet)]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>-As Nagios: response time (ms) above which the state is WARNING (check_tcp's -w, in ms).</summary>
    [Parameter(ParameterSetName = QuietSet)]
    [ValidateRange(0.0, 3_600_000.0)]
    public double WarningMs { get; set; }

    /// <summary>-As Nagios: response time (ms) above which the state is CRITICAL (check_tcp's -c, in ms).</summary>
    [Parameter(ParameterSetName = QuietSet)]
    [ValidateRange(0.0, 3_600_000.0)]
    public double CriticalMs { get; set; }

    /// <summary>-As Nagios: the state of a refused connect (check_tcp's -r ok|warn|crit); Critical unless given.</summary>
    [Parameter(ParameterSetName = QuietSet)]
    public RefusedState RefusedState { get; set; } = RefusedState.Critical;

    /// <summary>SynAckTtl, ResetTtl, ResetFrom, IcmpFrom on each attempt.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Capture { get; set; }

    /// <summary>The kernel's account of each RST met (Linux, root): ResetSentByThisHost and ResetKernelReason.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Trace { get; set; }

    /// <summary>Also write the run's own connections' packets (never the host's other traffic) to this pcapng file (tcpdump -r, Wireshark, Read-TcpCapture); implies capturing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PcapPath { get; set; }

    private protected override (System.Net.Sockets.AddressFamily? Family, string Why) TargetFamily =>
        ProbeRun.Family(this, this, _request.SourceAddress);

    protected override void BeginProcessing()
    {
        foreach (string name in new[] { nameof(OutFile), nameof(WarningMs), nameof(CriticalMs), nameof(RefusedState) })
        {
            if (Given(name) && !Given(nameof(As)))
            {
                ThrowInvalidArgument($"-{name} needs -As (Prometheus or Nagios): it shapes the monitoring output.", name + "WithoutAs", name);
            }
            if (name != nameof(OutFile) && Given(name) && As != MonitoringFormat.Nagios)
            {
                ThrowInvalidArgument($"-{name} is a Nagios threshold: use it with -As Nagios.", name + "WithoutNagios", name);
            }
        }
        _request = ProbeRun.Prepare(this, this);
        _request.Abort = Abort;
    }

    protected override void EndProcessing()
    {
        ProbeAnswer answer = ParameterSetName switch
        {
            QuietSet => ProbeAnswer.Healthy,
            SummarySet => ProbeAnswer.Summary,
            _ => ProbeAnswer.Results,
        };
        MonitoringRequest? monitoring = Given(nameof(As))
            ? new(As, OutFile, new Engine.Monitoring.NagiosOptions(Given(nameof(WarningMs)) ? WarningMs : null,
                Given(nameof(CriticalMs)) ? CriticalMs : null, (Engine.Monitoring.NagiosState)RefusedState))
            : null;
        using Engine.Trace.ProbeTrace? kernel = StartProbeTrace(Trace);
        _request.KernelTrace = kernel;
        ProbeRun.Run(this, _request, Targets.Tasks, answer, Capture, monitoring, PcapPath);
    }
}
