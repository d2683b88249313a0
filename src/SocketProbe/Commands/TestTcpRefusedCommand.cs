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
/// -Summary, statistics per target:port:address; with -Quiet, one bool per target:port, true =
/// refused; with -Healthy, one bool per target:port, true only when every attempt ended Open).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "TcpRefused", DefaultParameterSetName = ReproduceSet)]
[OutputType(typeof(Observation), ParameterSetName = new[] { ReproduceSet })]
[OutputType(typeof(ProbeResult), ParameterSetName = new[] { ProbeSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet, HealthySet })]
[OutputType(typeof(string), ParameterSetName = new[] { HealthySet })]
[OutputType(typeof(ProbeSummary), ParameterSetName = new[] { SummarySet })]
public sealed class TestTcpRefusedCommand : SocketProbeCmdlet
{
    private const string ReproduceSet = "Reproduce";
    private const string ProbeSet = "Probe";
    private const string QuietSet = "ProbeQuiet";
    private const string SummarySet = "ProbeSummary";
    private const string HealthySet = "ProbeHealthy";
    private static readonly string[] ProbeSets = { ProbeSet, QuietSet, SummarySet, HealthySet };

    // Targets gathered from every pipeline record; probed together in EndProcessing (see there).
    private readonly TargetCollector _targets = new();

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

    /// <summary>-Healthy as Prometheus text (blackbox_exporter's names) or as a Nagios plugin line and exit code ($LASTEXITCODE).</summary>
    [Parameter(ParameterSetName = HealthySet)]
    public MonitoringFormat As { get; set; }

    /// <summary>With -As: write the text to this file atomically (a temporary file beside it, then a rename), UTF-8 without BOM, LF.</summary>
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>-As Nagios: response time (ms) above which the state is WARNING (check_tcp's -w, in ms).</summary>
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(0.0, 3_600_000.0)]
    public double WarningMs { get; set; }

    /// <summary>-As Nagios: response time (ms) above which the state is CRITICAL (check_tcp's -c, in ms).</summary>
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(0.0, 3_600_000.0)]
    public double CriticalMs { get; set; }

    /// <summary>-As Nagios: the state of a refused connect (check_tcp's -r ok|warn|crit); Critical unless given.</summary>
    [Parameter(ParameterSetName = HealthySet)]
    public RefusedState RefusedState { get; set; } = RefusedState.Critical;

    /// <summary>After each connect, read for up to this many ms: Open (Data or Silent), Closed or Reset.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateRange(1, 600_000)]
    public int ReadMs { get; set; }

    /// <summary>Text sent (UTF-8) right after each connect, before reading; needs -ReadMs.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    [ValidateNotNullOrEmpty]
    public string? Send { get; set; }

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

    /// <summary>End each probe connection with RST (SO_LINGER {on, 0}) instead of FIN. Without it a probe closes politely.</summary>
    [Parameter(ParameterSetName = ProbeSet)]
    [Parameter(ParameterSetName = QuietSet)]
    [Parameter(ParameterSetName = SummarySet)]
    [Parameter(ParameterSetName = HealthySet)]
    public SwitchParameter Abort { get; set; }

    /// <summary>Reproduce: the run's segments as Wire rows. Probe: SynAckTtl, ResetTtl, ResetFrom, IcmpFrom on each attempt.</summary>
    [Parameter(ParameterSetName = ReproduceSet)]
    [Parameter(ParameterSetName = ProbeSet)]
    public SwitchParameter Capture { get; set; }

    private bool IsProbe => ParameterSetName != ReproduceSet;

    protected override void BeginProcessing()
    {
        if (Continuous && Given(nameof(Count)))
        {
            ThrowInvalidArgument("-Count and -Continuous cannot be used together: -Continuous runs rounds until Ctrl+C.",
                "CountWithContinuous", Count);
        }
        if (Send is not null && !Given(nameof(ReadMs)))
        {
            // Sending without reading tells nothing: the answer (or the RST it draws) is only seen by a read.
            ThrowInvalidArgument("-Send needs -ReadMs: what the server does with the bytes is only seen by reading. Add e.g. -ReadMs 1000.",
                "SendWithoutReadMs", Send);
        }
        foreach (string name in new[] { nameof(OutFile), nameof(WarningMs), nameof(CriticalMs), nameof(RefusedState) })
        {
            if (Given(name) && !Given(nameof(As)))
            {
                ThrowInvalidArgument($"-{name} needs -As (Prometheus or Nagios): it shapes the monitoring output.", name + "WithoutAs", name);
            }
        }
        foreach (string name in new[] { nameof(WarningMs), nameof(CriticalMs), nameof(RefusedState) })
        {
            if (Given(name) && As != MonitoringFormat.Nagios)
            {
                ThrowInvalidArgument($"-{name} is a Nagios threshold: use it with -As Nagios.", name + "WithoutNagios", name);
            }
        }
        if (SourceAddress is not null)
        {
            if (SourceAddress.IsIPv4MappedToIPv6) SourceAddress = SourceAddress.MapToIPv4();
            IPFamily own = SourceAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPFamily.IPv6 : IPFamily.IPv4;
            if (Given(nameof(AddressFamily)) && AddressFamily != IPFamily.Any && AddressFamily != own)
            {
                ThrowInvalidArgument($"-SourceAddress {SourceAddress} is {own}, but -AddressFamily is {AddressFamily}.", "SourceAddressFamilyMismatch", SourceAddress);
            }
            if (WhyNoSource(SourceAddress) is { } kind)
            {
                // Linux lets a TCP socket bind to these, then connect() quietly picks another source address.
                ThrowInvalidArgument($"-SourceAddress {SourceAddress} is {kind}: a TCP connection starts from one of this machine's unicast addresses.",
                    "SourceAddressNotUnicast", SourceAddress);
            }
            if (WhyNotLocal(SourceAddress) is { } why)
            {
                ThrowInvalidArgument($"-SourceAddress {SourceAddress} cannot be bound on this machine ({why}): give one of its own addresses.",
                    "SourceAddressNotLocal", SourceAddress);
            }
        }
    }

    /// <summary>What an address is when it cannot be where a connection comes from (null: a unicast address).</summary>
    private static string? WhyNoSource(System.Net.IPAddress address)
    {
        if (address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any)) return "the unspecified address";
        if (address.IsIPv6Multicast) return "a multicast address";
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return null;
        byte[] bytes = address.GetAddressBytes();
        if (bytes[0] is >= 224 and <= 239) return "a multicast address";
        if (address.Equals(System.Net.IPAddress.Broadcast)) return "the broadcast address";
        return IsLocalSubnetBroadcast(address) ? "the broadcast address of a local subnet" : null;
    }

    private static bool IsLocalSubnetBroadcast(System.Net.IPAddress address)
    {
        uint wanted = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        try
        {
            foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || unicast.PrefixLength is <= 0 or >= 31) continue;
                    uint own = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(unicast.Address.GetAddressBytes());
                    uint hostBits = uint.MaxValue >> unicast.PrefixLength;
                    if ((own | hostBits) == wanted) return true;
                }
            }
        }
        catch (System.Net.NetworkInformation.NetworkInformationException) { }
        return false;
    }

    /// <summary>Why a socket cannot bind to <paramref name="address"/> here (null: it can).</summary>
    private static string? WhyNotLocal(System.Net.IPAddress address)
    {
        try
        {
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new System.Net.IPEndPoint(address, 0));
            return null;
        }
        catch (SocketException ex)
        {
            return $"{ex.SocketErrorCode}: {ex.Message}";
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

    private void AddTarget(string text) =>
        _targets.Add(this, text, Port, ProbeFamily(),
            SourceAddress is not null ? $"-SourceAddress {SourceAddress} is not." : $"-AddressFamily is {AddressFamily}.");

    private AddressFamily? ProbeFamily()
    {
        // -SourceAddress binds every socket to one family: only that family's addresses can be probed.
        if (SourceAddress is not null) return SourceAddress.AddressFamily;
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
        if (_targets.Tasks.Count == 0)
        {
            // Every target was rejected, with an error each.
            if (Given(nameof(As))) MonitoringOutput.NothingProbed(this, As);
            return;
        }
        var request = new ProbeRequest
        {
            Tasks = _targets.Tasks.ToArray(),
            AddressFamily = ProbeFamily(),
            TimeoutMs = Given(nameof(TimeoutMs)) ? TimeoutMs : 2_000,
            Count = Count,
            Continuous = Continuous,
            IntervalMs = IntervalMs,
            ThrottleLimit = ThrottleLimit,
            ReadMs = Given(nameof(ReadMs)) ? ReadMs : null,
            Send = Send is null ? null : System.Text.Encoding.UTF8.GetBytes(Send),
            SourceAddress = SourceAddress,
            SourcePort = SourcePort,
            Abort = Abort,
        };
        string set = ParameterSetName;
        var local = new LocalErrorTally();
        var tally = new ProbeTally();
        // -As keeps every attempt: the monitoring output explains a verdict by the attempt that decided it.
        List<ProbeResult>? attempts = Given(nameof(As)) ? new() : null;
        IReadOnlyList<(string Target, int Port, bool Healthy)>? verdicts = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool finished = false;
        using ProbeWire? wire = StartProbeCapture(Capture);
        request.Wire = wire;
        try
        {
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
                // -Summary, -Quiet and -Healthy answer at the end: show the rounds going by meanwhile.
                string rounds = request.Continuous ? "until Ctrl+C" : $"{request.Count} rounds";
                string activity = $"Probing {request.Tasks.Count} target(s), {rounds}";
                void RoundDone(int round) => queue.Add(new ProgressItem(new ProgressRecord(1, "Test-TcpRefused", activity)
                {
                    StatusDescription = request.Continuous ? $"Round {round} done" : $"Round {round} of {request.Count} done",
                    PercentComplete = request.Continuous ? -1 : (int)(100L * round / request.Count),
                    RecordType = !request.Continuous && round == request.Count ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                }));
                await Prober.RunAsync(request, r => { local.Add(r); tally.Add(r); if (attempts is not null) lock (attempts) attempts.Add(r); }, logger, token,
                    roundDone: request.Count > 1 || request.Continuous ? RoundDone : null).ConfigureAwait(false);
                finished = true;
                if (local.Warning() is { } localWarning) queue.Add(new WarningItem(localWarning));
                switch (set)
                {
                    case SummarySet:
                        foreach (var summary in tally.Summaries()) queue.Add(summary);
                        break;
                    case HealthySet when attempts is not null:
                        verdicts = tally.Healthy(); // written below, on the pipeline thread
                        break;
                    case HealthySet:
                        foreach (var verdict in tally.Healthy()) queue.Add(verdict.Healthy);
                        break;
                    default:
                        foreach (var verdict in tally.Refused()) queue.Add(verdict.Refused);
                        break;
                }
            });
            if (verdicts is not null && attempts is not null)
            {
                MonitoringOutput.Write(this, As, OutFile, Engine.Monitoring.HealthCheck.From(verdicts, attempts), clock.Elapsed.TotalSeconds,
                    new Engine.Monitoring.NagiosOptions(Given(nameof(WarningMs)) ? WarningMs : null, Given(nameof(CriticalMs)) ? CriticalMs : null,
                        (Engine.Monitoring.NagiosState)RefusedState, request.TimeoutMs));
            }
        }
        finally
        {
            // -Continuous -Summary stopped by Ctrl+C: PowerShell takes no more output objects from a
            // stopping pipeline, so the totals so far go to the host, as ping prints its statistics.
            if (set == SummarySet && Continuous && !finished) WriteTotalsToHost(tally.Summaries(), local.Warning());
        }
    }

    private void WriteTotalsToHost(IReadOnlyList<ProbeSummary> summaries, string? warning)
    {
        if (summaries.Count == 0) return;
        try
        {
            var ui = Host.UI;
            ui.WriteLine("");
            ui.WriteLine("Test-TcpRefused totals when stopped (-Continuous -Summary):");
            ui.WriteLine(ProbeSummaryText.List(summaries));
            if (warning is not null) ui.WriteLine(warning);
        }
        catch (Exception e) when (e is PipelineStoppedException or NotImplementedException or System.Management.Automation.Host.HostException or InvalidOperationException)
        {
            // A host without a UI: nothing more can be said.
        }
    }
}

/// <summary>Counts the attempts our own side could not make, for one warning at the end of the run.</summary>
internal sealed class LocalErrorTally
{
    private readonly Dictionary<string, int> _byCause = new();
    private int _total;

    public void Add(ProbeResult result)
    {
        if (result.Outcome != nameof(ProbeOutcome.LocalError)) return;
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

/// <summary>
/// Reads an address parameter strictly (<see cref="AddressSyntax"/>): PowerShell's own conversion is IPAddress.Parse,
/// which takes 127.000.000.010 as 127.0.0.8 (octal), 0x7f.0.0.1 as 127.0.0.1 and drops an unknown IPv6 scope id. What
/// it refuses, and why, becomes a parameter binding error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class StrictAddressAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text) return inputData; // an IPAddress object is already one address
        text = text.Trim();
        return AddressSyntax.Classify(text, scopeMustExist: true, out System.Net.IPAddress? address, out string? why) switch
        {
            HostKind.Address => address!,
            HostKind.Invalid => throw new ArgumentTransformationMetadataException(why + "."),
            _ => throw new ArgumentTransformationMetadataException($"'{text}' is not an IP address."),
        };
    }
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
