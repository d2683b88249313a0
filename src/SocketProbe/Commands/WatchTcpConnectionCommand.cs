using System.Management.Automation;
using System.Text;
using SocketProbe.Engine.Watch;

namespace SocketProbe.Commands;

/// <summary>
/// Watch-TcpConnection: holds connections to real targets and reports, once per connection, how it
/// ended (Alive, Closed, Reset, TimedOut, Unreachable ...), when, after how long idle, the call that
/// saw it and what TCP_INFO said at the end.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "TcpConnection")]
[OutputType(typeof(WatchResult))]
public sealed class WatchTcpConnectionCommand : TargetCmdlet
{
    private WatchRequest _request = new();

    /// <summary>Connections held per address.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Count { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 604_800)]
    public int HoldSeconds { get; set; } = 300;

    /// <summary>Text sent (UTF-8) right after connect, and on every heartbeat.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Send { get; set; }

    [Parameter]
    [ValidateRange(1, 86_400)]
    public int HeartbeatSeconds { get; set; }

    [Parameter]
    [ValidateRange(1, 32_767)]
    public int KeepAliveIdleSeconds { get; set; }

    [Parameter]
    [ValidateRange(1, 32_767)]
    public int KeepAliveIntervalSeconds { get; set; }

    [Parameter]
    [ValidateRange(1, 127)]
    public int KeepAliveCount { get; set; }

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

    protected override void BeginProcessing()
    {
        _request = new WatchRequest
        {
            AddressFamily = AddressFamily.ToProbeFamily(),
            Count = Count,
            HoldSeconds = HoldSeconds,
            Send = Send is null ? null : Encoding.UTF8.GetBytes(Send),
            HeartbeatSeconds = Given(nameof(HeartbeatSeconds)) ? HeartbeatSeconds : null,
            KeepAliveIdleSeconds = Given(nameof(KeepAliveIdleSeconds)) ? KeepAliveIdleSeconds : null,
            KeepAliveIntervalSeconds = Given(nameof(KeepAliveIntervalSeconds)) ? KeepAliveIntervalSeconds : null,
            KeepAliveCount = Given(nameof(KeepAliveCount)) ? KeepAliveCount : null,
            ConnectTimeoutMs = TimeoutMs,
        };
        CheckRequest(_request.Validate);
    }

    protected override void EndProcessing()
    {
        if (Targets.Tasks.Count > 0)
        {
            WatchRequest request = _request;
            request.Tasks = Targets.Tasks;
            using Engine.Wire.ProbeWire? wire = StartProbeCapture(Capture);
            request.Wire = wire;
            using Engine.Trace.ProbeTrace? kernel = StartProbeTrace(Trace);
            request.KernelTrace = kernel;
            RunEngine(async (queue, logger, token) =>
            {
                const string activity = "Watch-TcpConnection";
                void Progress(WatchProgress p) => queue.Add(new ProgressItem(new ProgressRecord(1, activity,
                    $"Holding {p.Total} connection(s)")
                {
                    StatusDescription = $"{p.Total - p.Ended} still open, {p.Ended} ended; hold ends in {p.SecondsLeft:F0} s",
                    PercentComplete = Math.Clamp((int)(100 * (1 - p.SecondsLeft / Math.Max(1, request.HoldSeconds))), 0, 100),
                    SecondsRemaining = (int)p.SecondsLeft,
                }));
                try
                {
                    await TcpConnectionWatcher.RunAsync(request, r => queue.Add(r), logger, token, Progress).ConfigureAwait(false);
                }
                finally
                {
                    queue.Add(new ProgressItem(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed }));
                }
            });
        }
        base.EndProcessing();
    }
}
