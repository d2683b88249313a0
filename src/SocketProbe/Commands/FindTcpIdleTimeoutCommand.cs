using System.Management.Automation;
using System.Text;
using SocketProbe.Engine.Watch;

namespace SocketProbe.Commands;

/// <summary>
/// Find-TcpIdleTimeout: how long may a connection stay idle before the server or the path forgets
/// it? Connections side by side, each idle for a different time, then probed once (a TCP keepalive
/// probe unless told otherwise); one answer per address.
/// </summary>
[Cmdlet(VerbsCommon.Find, "TcpIdleTimeout")]
[OutputType(typeof(IdleTimeoutResult), typeof(IdleConnectionResult))]
public sealed class FindTcpIdleTimeoutCommand : TargetCmdlet
{
    private IdleTimeoutRequest _request = new();

    [Parameter]
    [ValidateRange(1, IdleTimeoutRequest.MaxIdleSeconds)]
    public int MaxSeconds { get; set; } = 900;

    [Parameter]
    [ValidateRange(1, 3600)]
    public int ResolutionSeconds { get; set; } = 1;

    [Parameter]
    public IdleProbe ProbeWith { get; set; } = IdleProbe.KeepAlive;

    /// <summary>
    /// The request (UTF-8) each connection sends right after connect, its answer read before the idle starts: what a
    /// pooled connection has done before it idles. -ProbeWith Send sends it again after the idle.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Send { get; set; }

    /// <summary>How long each connection waits for the answer to -Send (never beyond its idle time).</summary>
    [Parameter]
    [ValidateRange(1, 600_000)]
    public int ReadMs { get; set; } = IdleTimeoutRequest.DefaultReadMs;

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 64;

    [Parameter]
    public SwitchParameter Detailed { get; set; }

    [Parameter]
    [ValidateRange(1, 600_000)]
    public int TimeoutMs { get; set; } = 5_000;

    /// <summary>Capture the connections' segments: SynAckTtl, ResetTtl, ResetFrom (Peer or Path) and IcmpFrom on each connection and answer.</summary>
    [Parameter]
    public SwitchParameter Capture { get; set; }

    /// <summary>The kernel's account of each RST met (Linux, root): ResetSentByThisHost and ResetKernelReason.</summary>
    [Parameter]
    public SwitchParameter Trace { get; set; }

    protected override void BeginProcessing()
    {
        _request = new IdleTimeoutRequest
        {
            AddressFamily = AddressFamily.ToProbeFamily(),
            MaxSeconds = MaxSeconds,
            ResolutionSeconds = ResolutionSeconds,
            ProbeWith = ProbeWith,
            Send = Send is null ? null : Encoding.UTF8.GetBytes(Send),
            ReadMs = ReadMs,
            ThrottleLimit = ThrottleLimit,
            ConnectTimeoutMs = TimeoutMs,
        };
        CheckRequest(_request.Validate);
        // The request always has a ReadMs (its default); only the cmdlet knows it was given for nothing.
        if (Send is null && Given(nameof(ReadMs)))
            ThrowInvalidArgument("-ReadMs bounds the wait for the answer to -Send; without -Send nothing is read. Give -Send too, or drop -ReadMs.", "ReadMsWithoutSend", ReadMs);
    }

    protected override void EndProcessing()
    {
        if (Targets.Tasks.Count > 0)
        {
            IdleTimeoutRequest request = _request;
            request.Tasks = Targets.Tasks;
            using Engine.Wire.ProbeWire? wire = StartProbeCapture(Capture);
            request.Wire = wire;
            using Engine.Trace.ProbeTrace? kernel = StartProbeTrace(Trace);
            request.KernelTrace = kernel;
            bool detailed = Detailed;
            RunEngine(async (queue, logger, token) =>
            {
                const string activity = "Find-TcpIdleTimeout";
                var ids = new Dictionary<string, int>();
                void Progress(IdleProgress p)
                {
                    int id;
                    lock (ids) { if (!ids.TryGetValue(p.Address, out id)) ids[p.Address] = id = ids.Count + 1; }
                    queue.Add(new ProgressItem(new ProgressRecord(id, activity, $"Idle connections to {p.Address}")
                    {
                        StatusDescription = $"{p.Judged} of {p.Planned} judged; alive at {p.LongestAlive?.ToString() ?? "-"} s, dead at {p.ShortestDead?.ToString() ?? "-"} s; {p.ElapsedSeconds:F0} s so far",
                        PercentComplete = Math.Clamp(100 * p.Judged / Math.Max(1, p.Planned), 0, 100),
                    }));
                }
                try
                {
                    await IdleTimeoutFinder.RunAsync(request, r => queue.Add(r), logger, token,
                        detail: detailed ? row => queue.Add(row) : null, progress: Progress).ConfigureAwait(false);
                }
                finally
                {
                    lock (ids)
                    {
                        foreach (int id in ids.Values)
                            queue.Add(new ProgressItem(new ProgressRecord(id, activity, "Done") { RecordType = ProgressRecordType.Completed }));
                    }
                }
            });
        }
        base.EndProcessing();
    }
}
