using System.Net.Sockets;
using SocketProbe.Engine.Probe;
using SocketProbe.Engine.Wire;

namespace SocketProbe.Commands;

/// <summary>
/// Test-TcpRefused: the connect-phase failures. It reproduces ConnectRefused (or another
/// connect-phase scenario) on loopback and emits one observation per socket call.
/// With -ComputerName it forwards, for this release, to Test-TcpEndpoint's probe with a warning
/// naming it (its -Quiet keeps meaning "refused" here; -Healthy is Test-TcpEndpoint's -Quiet).
/// The forwarded parameters stay declared here only so that old scripts bind; they go with it.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "TcpRefused", DefaultParameterSetName = ReproduceSet)]
[OutputType(typeof(Observation), ParameterSetName = new[] { ReproduceSet })]
[OutputType(typeof(ProbeResult), ParameterSetName = new[] { ProbeSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet, HealthySet })]
[OutputType(typeof(ProbeSummary), ParameterSetName = new[] { SummarySet })]
public sealed class TestTcpRefusedCommand : SocketProbeCmdlet, IProbeParameters
{
    private const string ReproduceSet = "Reproduce";
    private const string ProbeSet = "Probe";
    private const string QuietSet = "ProbeQuiet";
    private const string SummarySet = "ProbeSummary";
    private const string HealthySet = "ProbeHealthy";
    private static readonly string[] ProbeSets = { ProbeSet, QuietSet, SummarySet, HealthySet };

    // Forward: targets gathered from every pipeline record, probed together in EndProcessing.
    private readonly TargetCollector _targets = new();
    private ProbeRequest _request = new();

    [Parameter(ParameterSetName = ReproduceSet, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateFamilyMember(FrontDoors.TestTcpRefused)]
    [ArgumentCompleter(typeof(FamilyMemberCompleter))]
    public string Scenario { get; set; } = "ConnectRefused";

    // Not positional: a first positional argument already means -Scenario in the default set.
    /// <summary>TCP_SYNCNT for the scenarios whose SYNs go unanswered (ConnectTimeout, AcceptQueueFull).</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    [ValidateRange(1, 127)]
    public int SynRetries { get; set; } = 1;

    /// <summary>Leave the kernel's own SYN retries (ConnectTimeout then takes about 127 s).</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    public SwitchParameter KernelDefaults { get; set; }

    [Parameter(ParameterSetName = ProbeSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = QuietSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SummarySet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = HealthySet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("TargetName", "HostName", "CN")]
    [TargetInput]
    [ValidateTargetText]
    public string[] ComputerName { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ProbeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = QuietSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SummarySet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = HealthySet, ValueFromPipelineByPropertyName = true)]
    [PortList]
    [ValidateRange(1, 65535)]
    public int[] Port { get; set; } = Array.Empty<int>();

    /// <summary>Reproduce: IPv4 unless given. Probe: Any (every resolved address) unless given.</summary>
    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.IPv4;

    /// <summary>Reproduce: 10000 unless given. Probe: 2000 unless given.</summary>
    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    /// <summary>Rounds until Ctrl+C. With -Summary, the totals so far are written to the host when stopped.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = SummarySet)]
    public SwitchParameter Continuous { get; set; }

    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(0, 86_400_000)]
    public int IntervalMs { get; set; } = 1_000;

    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 64;

    [Parameter(ParameterSetName = QuietSet, Mandatory = true)]
    public SwitchParameter Quiet { get; set; }

    [Parameter(ParameterSetName = SummarySet, Mandatory = true)]
    public SwitchParameter Summary { get; set; }

    /// <summary>One bool per target:port: true only when every attempt ended Open (with -ReadMs: not Reset or Closed).</summary>
    [Parameter(ParameterSetName = HealthySet, Mandatory = true)]
    public SwitchParameter Healthy { get; set; }

    /// <summary>After each connect, read for up to this many ms: Open (Data or Silent), Closed or Reset.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    public int ReadMs { get; set; }

    /// <summary>Text sent (UTF-8) right after each connect, before reading; needs -ReadMs.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateNotNullOrEmpty]
    public string? Send { get; set; }

    // -Expect is Test-TcpEndpoint's only: this forward keeps the parameters it had.
    string? IProbeParameters.Expect => null;

    /// <summary>Local address each probe socket is bound to (a multi-homed host's interface; to match a capture).</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateNotNull]
    [StrictAddress]
    public System.Net.IPAddress? SourceAddress { get; set; }

    /// <summary>Local port each probe socket is bound to (SO_REUSEADDR); absent: the kernel chooses.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(1, 65535)]
    public int SourcePort { get; set; }

    /// <summary>Reproduce: the run's segments as Wire rows. Probe: SynAckTtl, ResetTtl, ResetFrom, IcmpFrom on each attempt.</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Capture { get; set; }

    /// <summary>Add the kernel's own account of the run's resets and drops (reason, who sent it) as Kernel rows, in time order among the calls (Linux, root).</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    public SwitchParameter Trace { get; set; }
    /// <summary>Also write the captured packets to this pcapng file (tcpdump -r, Wireshark, Read-TcpCapture); implies -Capture. Scenarios only, not probes.</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    [ValidateNotNullOrEmpty]
    public string? PcapPath { get; set; }

    private bool IsProbe => ParameterSetName != ReproduceSet;

    protected override void BeginProcessing()
    {
        if (!IsProbe) return;
        WriteWarning("Test-TcpRefused -ComputerName is now Test-TcpEndpoint (its -Quiet means healthy, as -Healthy here); " +
            "this form of Test-TcpRefused is forwarded to it for this release only.");
        _request = ProbeRun.Prepare(this, this);
    }

    protected override void ProcessRecord()
    {
        if (!IsProbe) return;
        var (family, why) = ProbeRun.Family(this, this, _request.SourceAddress);
        foreach (string text in ComputerName) _targets.Add(this, text, Port, family, why);
    }

    protected override void EndProcessing()
    {
        if (!IsProbe)
        {
            Reproduce();
            return;
        }
        ProbeAnswer answer = ParameterSetName switch
        {
            QuietSet => ProbeAnswer.Refused,
            HealthySet => ProbeAnswer.Healthy,
            SummarySet => ProbeAnswer.Summary,
            _ => ProbeAnswer.Results,
        };
        ProbeRun.Run(this, _request, _targets.Tasks, answer, Capture);
    }

    private void Reproduce()
    {
        Scenario scenario = ScenarioCatalog.FindMember(FrontDoors.TestTcpRefused, Scenario)!;
        RunScenarios(new[] { scenario }, AddressFamily, family =>
        {
            var request = new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs, SynRetries = SynRetries, Capture = Capture, Trace = Trace };
            if (KernelDefaults) request.UseKernelDefaults();
            return request;
        }, PcapPath);
    }
}
