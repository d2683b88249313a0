using System.Collections;
using System.Management.Automation;
using System.Net.Sockets;
using SocketProbe.Engine;
using SocketProbe.Engine.Probe;
using SocketProbe.Engine.Wire;

namespace SocketProbe.Commands;

/// <summary>
/// Test-TcpRefused: the connect-phase failures. Without a target it reproduces ConnectRefused (or
/// another connect-phase scenario) on loopback and emits one observation per socket call. With
/// -ComputerName it probes real targets and emits one result per connect attempt (or, with
/// -Summary, statistics per target:port; with -Quiet, one bool per target:port, true = refused).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "TcpRefused", DefaultParameterSetName = ReproduceSet)]
[OutputType(typeof(Observation), ParameterSetName = new[] { ReproduceSet })]
[OutputType(typeof(ProbeResult), ParameterSetName = new[] { ProbeSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet })]
[OutputType(typeof(ProbeSummary), ParameterSetName = new[] { SummarySet })]
public sealed class TestTcpRefusedCommand : SocketProbeCmdlet
{
    private const string ReproduceSet = "Reproduce";
    private const string ProbeSet = "Probe";
    private const string QuietSet = "ProbeQuiet";
    private const string SummarySet = "ProbeSummary";

    // Targets gathered from every pipeline record; probed together in EndProcessing (see there).
    private readonly List<ProbeTask> _tasks = new();
    private readonly Dictionary<string, int> _taskIndex = new(StringComparer.OrdinalIgnoreCase);

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
    [Alias("TargetName", "HostName", "CN")]
    [TargetInput]
    [ValidateTargetText]
    public string[] ComputerName { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ProbeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = QuietSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SummarySet, ValueFromPipelineByPropertyName = true)]
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
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Continuous { get; set; }

    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [ValidateRange(0, 86_400_000)]
    public int IntervalMs { get; set; } = 1_000;

    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 64;

    [Parameter(ParameterSetName = QuietSet, Mandatory = true)]
    public SwitchParameter Quiet { get; set; }

    [Parameter(ParameterSetName = SummarySet, Mandatory = true)]
    public SwitchParameter Summary { get; set; }

    /// <summary>Reproduce: the run's segments as Wire rows. Probe: SynAckTtl, ResetTtl, ResetFrom, IcmpFrom on each attempt.</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Capture { get; set; }

    private bool IsProbe => ParameterSetName != ReproduceSet;

    private bool Given(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    protected override void BeginProcessing()
    {
        if (Continuous && Given(nameof(Count)))
        {
            ThrowInvalidArgument("-Count and -Continuous cannot be used together: -Continuous runs rounds until Ctrl+C.",
                "CountWithContinuous", Count);
        }
    }

    protected override void ProcessRecord()
    {
        if (!IsProbe) return;
        foreach (string text in ComputerName)
        {
            AddTarget(text);
        }
    }

    private void AddTarget(string text)
    {
        if (!ProbeTarget.TryParse(text, out ProbeTarget? target, out string? problem))
        {
            WriteTargetError(problem!, "InvalidTarget", text);
            return;
        }
        if (target!.Literal is { } literal && ProbeFamily() is { } family && literal.AddressFamily != family)
        {
            WriteTargetError($"'{text}' is an {(literal.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address, but -AddressFamily is {AddressFamily}.",
                "AddressFamilyMismatch", text);
            return;
        }
        int[] ports;
        if (target.Port is int own)
        {
            // The port written in the name wins over -Port for that target.
            if (Port.Length > 0 && !(Port.Length == 1 && Port[0] == own))
            {
                WriteVerbose($"{text}: the port in the name ({own}) is used; -Port {string.Join(",", Port)} is ignored for this target.");
            }
            ports = new[] { own };
        }
        else if (Port.Length > 0)
        {
            ports = Port;
        }
        else
        {
            WriteTargetError($"'{text}' has no port: give -Port, or write host:port ([IPv6]:port).", "NoPort", text);
            return;
        }

        // One task per host: ports of repeated hosts are merged, duplicates dropped, order kept.
        string key = target.Host;
        if (_taskIndex.TryGetValue(key, out int i))
        {
            var merged = _tasks[i].Ports.Concat(ports).Distinct().ToArray();
            _tasks[i] = _tasks[i] with { Ports = merged };
        }
        else
        {
            _taskIndex[key] = _tasks.Count;
            _tasks.Add(new ProbeTask(target, ports.Distinct().ToArray()));
        }
    }

    private void WriteTargetError(string message, string errorId, string target) =>
        WriteError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target));

    private AddressFamily? ProbeFamily()
    {
        IPFamily family = Given(nameof(AddressFamily)) ? AddressFamily : IPFamily.Any;
        return family switch
        {
            IPFamily.IPv4 => System.Net.Sockets.AddressFamily.InterNetwork,
            IPFamily.IPv6 => System.Net.Sockets.AddressFamily.InterNetworkV6,
            _ => null,
        };
    }

    protected override void EndProcessing()
    {
        if (IsProbe)
        {
            Probe();
        }
        else
        {
            Reproduce();
        }
        base.EndProcessing();
    }

    private void Reproduce()
    {
        Scenario scenario = ScenarioCatalog.FindMember(FrontDoors.TestTcpRefused, Scenario)!;
        RunScenarios(new[] { scenario }, AddressFamily, family =>
        {
            var request = new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs, SynRetries = SynRetries, Capture = Capture };
            if (KernelDefaults) request.UseKernelDefaults();
            return request;
        });
    }

    /// <summary>
    /// Targets from every pipeline record are probed together here, not per record: rounds
    /// (-Count, -Continuous, -IntervalMs) then cover all of them and -ThrottleLimit applies across
    /// them. Attempts stream out as each round's results come in, in the order the engine documents.
    /// </summary>
    private void Probe()
    {
        if (_tasks.Count == 0) return; // every target was rejected, with an error each
        var request = new ProbeRequest
        {
            Tasks = _tasks.ToArray(),
            AddressFamily = ProbeFamily(),
            TimeoutMs = Given(nameof(TimeoutMs)) ? TimeoutMs : 2_000,
            Count = Count,
            Continuous = Continuous,
            IntervalMs = IntervalMs,
            ThrottleLimit = ThrottleLimit,
        };
        string set = ParameterSetName;
        var local = new LocalErrorTally();
        using ProbeWire? wire = Capture ? ProbeWire.Start() : null;
        if (wire?.Unavailable is string why) WriteWarning($"-Capture: nothing captured: {why}");
        request.Wire = wire;
        RunEngine(async (queue, logger, token) =>
        {
            if (set == ProbeSet)
            {
                try
                {
                    await Prober.RunAsync(request, r => { local.Add(r); queue.Add(r); }, logger, token).ConfigureAwait(false);
                }
                finally
                {
                    if (local.Warning() is { } warning) queue.Add(new WarningItem(warning));
                }
                return;
            }
            // -Summary and -Quiet answer at the end: show the rounds going by meanwhile.
            var attempts = new List<ProbeResult>();
            string activity = $"Probing {request.Tasks.Count} target(s), {request.Count} rounds";
            void RoundDone(int round) => queue.Add(new ProgressItem(new ProgressRecord(1, "Test-TcpRefused", activity)
            {
                StatusDescription = $"Round {round} of {request.Count} done",
                PercentComplete = (int)(100L * round / request.Count),
                RecordType = round == request.Count ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            }));
            await Prober.RunAsync(request, r => { local.Add(r); attempts.Add(r); }, logger, token, roundDone: request.Count > 1 ? RoundDone : null).ConfigureAwait(false);
            if (local.Warning() is { } localWarning) queue.Add(new WarningItem(localWarning));
            if (set == SummarySet)
            {
                foreach (var summary in ProbeStatistics.Summarize(attempts)) queue.Add(summary);
            }
            else
            {
                foreach (var verdict in ProbeStatistics.Verdicts(attempts)) queue.Add(verdict.Refused);
            }
        });
    }
}

/// <summary>Counts the attempts our own side could not make, for one warning at the end of the run.</summary>
internal sealed class LocalErrorTally
{
    private readonly Dictionary<string, int> _byCause = new();
    private int _total;

    public void Add(ProbeResult result)
    {
        if (result.Outcome != ProbeOutcome.LocalError) return;
        string cause = result.Reason == ProbeClassifier.SelfConnect ? "self-connect" : result.ErrnoName ?? result.SocketError ?? "unknown";
        lock (_byCause)
        {
            _total++;
            _byCause[cause] = _byCause.GetValueOrDefault(cause) + 1;
        }
    }

    public string? Warning()
    {
        lock (_byCause)
        {
            if (_total == 0) return null;
            string causes = string.Join(", ", _byCause.Select(kv => $"{kv.Key} x{kv.Value}"));
            return $"{_total} attempt(s) failed on this machine's side ({causes}) even after retrying within -TimeoutMs: " +
                "they say nothing about the targets (Outcome LocalError; -Summary and -Quiet leave them out). " +
                "Raise the limit (ulimit -n, ip_local_port_range) or lower -ThrottleLimit.";
        }
    }
}

/// <summary>
/// Refuses pipeline input that is not a target before PowerShell turns it into a string: a piped
/// number would become an address (1 -> "1" -> 0.0.0.1) and a hashtable the host name
/// "System.Collections.Hashtable". Strings and IP addresses pass; an object with a ComputerName
/// (or alias) property passes unchanged so that binding by property name takes it (Import-Csv).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TargetInputAttribute : ArgumentTransformationAttribute
{
    private static readonly string[] Names = { "ComputerName", "TargetName", "HostName", "CN" };

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case null or string:
                return inputData;
            case System.Net.IPAddress address:
                return address.ToString();
            case IDictionary:
                throw Refuse(value);
            case IEnumerable many:
                var texts = new List<string>();
                foreach (object? item in many)
                {
                    object? one = item is PSObject p ? p.BaseObject : item;
                    texts.Add(one switch
                    {
                        string t => t,
                        System.Net.IPAddress a => a.ToString(),
                        _ => throw Refuse(one),
                    });
                }
                return texts.ToArray();
        }
        // An object whose target is in a property: leave it to binding by property name.
        var properties = PSObject.AsPSObject(inputData).Properties;
        if (Names.Any(n => properties[n] is not null)) return inputData;
        throw Refuse(value);
    }

    private static ArgumentTransformationMetadataException Refuse(object? value) => new(
        $"A {(value is null ? "null" : value.GetType().Name)} is not a target. Give a host name or IP address as a string " +
        "(host, host:port, [IPv6]:port), or objects with a ComputerName property (e.g. from Import-Csv).");
}

/// <summary>An empty or blank target is a parameter validation error, before any record is probed.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateTargetTextAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        IEnumerable values = arguments as IEnumerable is { } many && arguments is not string ? many : new[] { arguments };
        foreach (object? value in values)
        {
            if (string.IsNullOrWhiteSpace(value as string ?? value?.ToString()))
            {
                throw new ValidationMetadataException("The target is empty. Give a host, host:port or [IPv6]:port.");
            }
        }
    }
}

/// <summary>
/// Lets a CSV cell say what a person means: an empty Port cell is "no port here" (the target
/// carries its own, e.g. [::1]:8080) rather than 0, and "80,443" or "80 443" is two ports.
/// Anything else goes on to PowerShell's own conversion and to ValidateRange unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PortListAttribute : ArgumentTransformationAttribute
{
    private static readonly char[] Separators = { ',', ';', ' ', '\t' };

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text) return inputData;
        if (string.IsNullOrWhiteSpace(text)) return Array.Empty<int>();
        string[] parts = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) return inputData;
        var ports = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out ports[i])) return inputData;
        }
        return ports;
    }
}
