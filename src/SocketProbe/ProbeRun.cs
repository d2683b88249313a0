using System.Net.Sockets;
using SocketProbe.Engine.Probe;
using SocketProbe.Engine.Wire;

namespace SocketProbe;

/// <summary>What a probe run writes: each attempt, a summary per address, or one bool per target:port.</summary>
internal enum ProbeAnswer
{
    Results,
    Summary,
    /// <summary>True only when every attempt ended Open and answered as a healthy service does (ProbeHealth).</summary>
    Healthy,
    /// <summary>True when every attempt was refused (Test-TcpRefused -ComputerName -Quiet, forwarded for this release).</summary>
    Refused,
}

/// <summary>The probe's parameters, as Test-TcpEndpoint and Test-TcpRefused's forward both declare them.</summary>
internal interface IProbeParameters
{
    IPFamily AddressFamily { get; }
    int TimeoutMs { get; }
    int Count { get; }
    SwitchParameter Continuous { get; }
    int IntervalMs { get; }
    int ThrottleLimit { get; }
    int ReadMs { get; }
    string? Send { get; }
    /// <summary>A regular expression the answer must match (Test-TcpEndpoint -Expect); null: none.</summary>
    string? Expect { get; }
    System.Net.IPAddress? SourceAddress { get; }
    int SourcePort { get; }
}

/// <summary>
/// The probe of real targets, run by Test-TcpEndpoint (and by Test-TcpRefused -ComputerName, which
/// forwards to it for this release): checks the parameters binding cannot, builds the request, and
/// streams the attempts or the answer at the end.
/// </summary>
internal static class ProbeRun
{
    /// <summary>
    /// The request for <paramref name="p"/>, without targets, refused (terminating error) when the
    /// parameters cannot work together. A default the caller did not give is the probe's own
    /// (TimeoutMs 2000, AddressFamily Any), whatever the declaring cmdlet's default is.
    /// </summary>
    public static ProbeRequest Prepare(SocketProbeCmdlet cmdlet, IProbeParameters p)
    {
        if (p.Continuous && cmdlet.Given(nameof(p.Count)))
        {
            cmdlet.ThrowInvalidArgument("-Count and -Continuous cannot be used together: -Continuous runs rounds until Ctrl+C.",
                "CountWithContinuous", p.Count);
        }
        var request = new ProbeRequest
        {
            TimeoutMs = cmdlet.Given(nameof(p.TimeoutMs)) ? p.TimeoutMs : ProbeRequest.DefaultTimeoutMs,
            Count = p.Count,
            Continuous = p.Continuous,
            IntervalMs = p.IntervalMs,
            ThrottleLimit = p.ThrottleLimit,
            ReadMs = cmdlet.Given(nameof(p.ReadMs)) ? p.ReadMs : null,
            Send = p.Send is null ? null : System.Text.Encoding.UTF8.GetBytes(p.Send),
            SourcePort = p.SourcePort,
        };
        if (p.Expect is not null)
        {
            // Bounded: a pattern that backtracks for ever must not hold a probe (a match that times out matches nothing).
            try { request.Expect = new System.Text.RegularExpressions.Regex(p.Expect, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException e) { cmdlet.ThrowInvalidArgument($"-Expect is not a regular expression: {e.Message}", "ExpectNotRegex", p.Expect); }
        }
        cmdlet.CheckRequest(request.Validate);
        request.SourceAddress = CheckSource(cmdlet, p);
        request.AddressFamily = Family(cmdlet, p, request.SourceAddress).Family;
        return request;
    }

    /// <summary>The one family a target may be (null: either), and why, for the error on a literal of the other.</summary>
    public static (AddressFamily? Family, string Why) Family(SocketProbeCmdlet cmdlet, IProbeParameters p, System.Net.IPAddress? source)
    {
        // -SourceAddress binds every socket to one family: only that family's addresses can be probed.
        if (source is not null) return (source.AddressFamily, $"-SourceAddress {source} is not.");
        IPFamily family = cmdlet.Given(nameof(p.AddressFamily)) ? p.AddressFamily : IPFamily.Any;
        return (family.ToProbeFamily(), $"-AddressFamily is {family}.");
    }

    /// <summary>-SourceAddress as a socket can bind it (IPv4-mapped made IPv4); refused when no connection can start from it.</summary>
    private static System.Net.IPAddress? CheckSource(SocketProbeCmdlet cmdlet, IProbeParameters p)
    {
        System.Net.IPAddress? source = p.SourceAddress;
        if (source is null) return null;
        if (source.IsIPv4MappedToIPv6) source = source.MapToIPv4();
        IPFamily own = source.AddressFamily == AddressFamily.InterNetworkV6 ? IPFamily.IPv6 : IPFamily.IPv4;
        if (cmdlet.Given(nameof(p.AddressFamily)) && p.AddressFamily != IPFamily.Any && p.AddressFamily != own)
        {
            cmdlet.ThrowInvalidArgument($"-SourceAddress {source} is {own}, but -AddressFamily is {p.AddressFamily}.", "SourceAddressFamilyMismatch", source);
        }
        if (WhyNoSource(source) is { } kind)
        {
            // Linux lets a TCP socket bind to these, then connect() quietly picks another source address.
            cmdlet.ThrowInvalidArgument($"-SourceAddress {source} is {kind}: a TCP connection starts from one of this machine's unicast addresses.",
                "SourceAddressNotUnicast", source);
        }
        if (WhyNotLocal(source) is { } why)
        {
            cmdlet.ThrowInvalidArgument($"-SourceAddress {source} cannot be bound on this machine ({why}): give one of its own addresses.",
                "SourceAddressNotLocal", source);
        }
        return source;
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


    /// <summary>
    /// Probes the targets of every pipeline record together, not per record: rounds (-Count,
    /// -Continuous, -IntervalMs) then cover all of them and -ThrottleLimit applies across them.
    /// Attempts stream out as each round's results come in, in the order the engine documents;
    /// the other answers are written at the end.
    /// </summary>
    public static void Run(SocketProbeCmdlet cmdlet, ProbeRequest request, IReadOnlyList<ProbeTask> targets, ProbeAnswer answer, bool capture,
        MonitoringRequest? monitoring = null, string? pcapPath = null)
    {
        if (targets.Count == 0)
        {
            // Every target was rejected, with an error each.
            if (monitoring is not null) MonitoringOutput.NothingProbed(cmdlet, monitoring.Format);
            return;
        }
        request.Tasks = targets;
        // -As keeps every attempt: the monitoring output explains a verdict by the attempt that decided it.
        List<ProbeResult>? attempts = monitoring is not null ? new() : null;
        IReadOnlyList<(string Target, int Port, bool Healthy)>? verdicts = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string name = cmdlet.MyInvocation.MyCommand.Name;
        var local = new LocalErrorTally();
        var tally = new ProbeTally();
        bool finished = false;
        using PcapOutput? pcap = PcapOutput.Open(cmdlet, pcapPath);
        // An attempt learns its local port when it ends: its connect, its read, and a minute to spare.
        var claimWithin = TimeSpan.FromMilliseconds(request.TimeoutMs + (request.ReadMs ?? 0)) + TimeSpan.FromMinutes(1);
        ProbeWire? wire = cmdlet.StartProbeCapture(capture, pcap, claimWithin);
        request.Wire = wire;
        try
        {
            cmdlet.RunEngine(async (queue, logger, token) =>
            {
                if (answer == ProbeAnswer.Results)
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
                string rounds = request.Continuous ? "until Ctrl+C" : $"{request.Count} rounds";
                string activity = $"Probing {request.Tasks.Count} target(s), {rounds}";
                void RoundDone(int round) => queue.Add(new ProgressItem(new ProgressRecord(1, name, activity)
                {
                    StatusDescription = request.Continuous ? $"Round {round} done" : $"Round {round} of {request.Count} done",
                    PercentComplete = request.Continuous ? -1 : (int)(100L * round / request.Count),
                    RecordType = !request.Continuous && round == request.Count ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                }));
                await Prober.RunAsync(request, r => { local.Add(r); tally.Add(r); if (attempts is not null) lock (attempts) attempts.Add(r); }, logger, token,
                    roundDone: request.Count > 1 || request.Continuous ? RoundDone : null).ConfigureAwait(false);
                finished = true;
                if (local.Warning() is { } localWarning) queue.Add(new WarningItem(localWarning));
                switch (answer)
                {
                    case ProbeAnswer.Summary:
                        foreach (var summary in tally.Summaries()) queue.Add(summary);
                        break;
                    case ProbeAnswer.Healthy when attempts is not null:
                        verdicts = tally.Healthy(); // written below, on the pipeline thread
                        break;
                    case ProbeAnswer.Healthy:
                        foreach (var verdict in tally.Healthy()) queue.Add(verdict.Healthy);
                        break;
                    default:
                        foreach (var verdict in tally.Refused()) queue.Add(verdict.Refused);
                        break;
                }
            });
            if (monitoring is not null && verdicts is not null && attempts is not null)
            {
                MonitoringOutput.Write(cmdlet, monitoring.Format, monitoring.OutFile, Engine.Monitoring.HealthCheck.From(verdicts, attempts),
                    clock.Elapsed.TotalSeconds, monitoring.Nagios with { TimeoutMs = request.TimeoutMs });
            }
        }
        finally
        {
            // -Continuous -Summary stopped by Ctrl+C: PowerShell takes no more output objects from a
            // stopping pipeline, so the totals so far go to the host, as ping prints its statistics.
            if (answer == ProbeAnswer.Summary && request.Continuous && !finished) WriteTotalsToHost(cmdlet, name, tally.Summaries(), local.Warning());
            cmdlet.FinishProbeCapture(wire, pcap);
        }
    }

    private static void WriteTotalsToHost(PSCmdlet cmdlet, string name, IReadOnlyList<ProbeSummary> summaries, string? warning)
    {
        if (summaries.Count == 0) return;
        try
        {
            var ui = cmdlet.Host.UI;
            ui.WriteLine("");
            ui.WriteLine($"{name} totals when stopped (-Continuous -Summary):");
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

