using System.Text;
using Microsoft.Extensions.Logging;
using SocketProbe.Engine.Wire;

namespace SocketProbe;

/// <summary>
/// Base of the cmdlets that hold connections to real targets (Watch-TcpConnection,
/// Find-TcpIdleTimeout): what they send, their connect bound, -Capture and -Trace, declared once, and the
/// run over the gathered targets with its capture, its kernel trace and its progress bars.
/// </summary>
public abstract class HeldConnectionCmdlet : TargetCmdlet
{
    /// <summary>Text sent (UTF-8) right after connect; each cmdlet says when else.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Send { get; set; }

    /// <summary>Our bound on each connect and name lookup.</summary>
    [Parameter]
    [ValidateRange(1, 600_000)]
    public int TimeoutMs { get; set; } = 5_000;

    /// <summary>Capture the connections' segments: SynAckTtl, ResetTtl, ResetFrom (Peer or Path) and IcmpFrom on each result.</summary>
    [Parameter]
    public SwitchParameter Capture { get; set; }

    /// <summary>The kernel's account of each RST met (Linux, root): ResetSentByThisHost and ResetKernelReason.</summary>
    [Parameter]
    public SwitchParameter Trace { get; set; }

    /// <summary>Also write the run's own connections' packets (never the host's other traffic) to this pcapng file (tcpdump -r, Wireshark, Read-TcpCapture); implies -Capture.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PcapPath { get; set; }

    /// <summary>-Send as the bytes on the wire.</summary>
    private protected byte[]? SendBytes => Send is null ? null : Encoding.UTF8.GetBytes(Send);

    /// <summary>The request with what this base's parameters say (the family, -Send, -TimeoutMs), checked.</summary>
    private protected T Checked<T>(T request) where T : Engine.Watch.HeldRequest
    {
        request.AddressFamily = AddressFamily.ToProbeFamily();
        request.Send = SendBytes;
        request.ConnectTimeoutMs = TimeoutMs;
        CheckRequest(request.Validate);
        return request;
    }

    /// <summary>
    /// Run <paramref name="work"/> on <paramref name="request"/> over the gathered targets (nothing when
    /// none stood), with the -Capture/-Trace sessions open (the -PcapPath file written however it ends)
    /// and its progress bars completed however it ends.
    /// </summary>
    private protected void RunHeld(string activity, Engine.Watch.HeldRequest request, Func<ProgressBars, OutputQueue, ILogger, CancellationToken, Task> work)
    {
        request.Tasks = Targets.Tasks;
        if (Targets.Tasks.Count == 0) return;
        using PcapOutput? pcap = PcapOutput.Open(this, PcapPath);
        // A connection is claimed as the run's once connected: within the connect bound, a minute to spare.
        ProbeWire? wire = StartProbeCapture(Capture, pcap, TimeSpan.FromMilliseconds(TimeoutMs) + TimeSpan.FromMinutes(1));
        using Engine.Trace.ProbeTrace? kernel = StartProbeTrace(Trace);
        (request.Wire, request.KernelTrace) = (wire, kernel);
        try
        {
            RunEngine(async (queue, logger, token) =>
            {
                var bars = new ProgressBars(queue, activity);
                try { await work(bars, queue, logger, token).ConfigureAwait(false); }
                finally { bars.CompleteAll(); }
            });
        }
        finally
        {
            FinishProbeCapture(wire, pcap);
        }
    }
}

/// <summary>One progress bar per key (an address), numbered in the order they first show; all completed at the end.</summary>
internal sealed class ProgressBars
{
    private readonly OutputQueue _queue;
    private readonly string _activity;
    private readonly Dictionary<string, int> _ids = new();

    public ProgressBars(OutputQueue queue, string activity)
    {
        _queue = queue;
        _activity = activity;
    }

    public void Show(string key, string status, int percent, int secondsRemaining = -1)
    {
        int id;
        lock (_ids) { if (!_ids.TryGetValue(key, out id)) _ids[key] = id = _ids.Count + 1; }
        _queue.Add(new ProgressItem(new ProgressRecord(id, _activity, status)
        {
            PercentComplete = Math.Clamp(percent, 0, 100),
            SecondsRemaining = secondsRemaining,
        }));
    }

    public void CompleteAll()
    {
        lock (_ids)
        {
            foreach (int id in _ids.Values)
                _queue.Add(new ProgressItem(new ProgressRecord(id, _activity, "Done") { RecordType = ProgressRecordType.Completed }));
        }
    }
}
