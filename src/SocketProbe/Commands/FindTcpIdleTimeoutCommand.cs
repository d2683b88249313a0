using SocketProbe.Engine.Watch;

namespace SocketProbe.Commands;

/// <summary>
/// Find-TcpIdleTimeout: how long may a connection stay idle before the server or the path forgets
/// it? Connections side by side, each idle for a different time, then probed once (a TCP keepalive
/// probe unless told otherwise); one answer per address.
/// </summary>
[Cmdlet(VerbsCommon.Find, "TcpIdleTimeout")]
[OutputType(typeof(IdleTimeoutResult), typeof(IdleConnectionResult))]
public sealed class FindTcpIdleTimeoutCommand : HeldConnectionCmdlet
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

    /// <summary>How long each connection waits for the answer to -Send (never beyond its idle time).</summary>
    [Parameter]
    [ValidateRange(1, 600_000)]
    public int ReadMs { get; set; } = IdleTimeoutRequest.DefaultReadMs;

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 64;

    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void BeginProcessing()
    {
        _request = Checked(new IdleTimeoutRequest
        {
            MaxSeconds = MaxSeconds,
            ResolutionSeconds = ResolutionSeconds,
            ProbeWith = ProbeWith,
            ReadMs = ReadMs,
            ThrottleLimit = ThrottleLimit,
        });
        // The request always has a ReadMs (its default); only the cmdlet knows it was given for nothing.
        if (Send is null && Given(nameof(ReadMs)))
            ThrowInvalidArgument("-ReadMs bounds the wait for the answer to -Send; without -Send nothing is read. Give -Send too, or drop -ReadMs.", "ReadMsWithoutSend", ReadMs);
    }

    protected override void EndProcessing()
    {
        IdleTimeoutRequest request = _request;
        bool detailed = Detailed;
        // -Send: what a pooled connection has done before it idles (its answer is read before the idle); -ProbeWith Send sends it again after.
        RunHeld("Find-TcpIdleTimeout", request, (bars, queue, logger, token) =>
            IdleTimeoutFinder.RunAsync(request, r => queue.Add(r), logger, token,
                detail: detailed ? row => queue.Add(row) : null,
                progress: p => bars.Show(p.Address,
                    $"{p.Judged} of {p.Planned} judged; alive at {p.LongestAlive?.ToString() ?? "-"} s, dead at {p.ShortestDead?.ToString() ?? "-"} s; {p.ElapsedSeconds:F0} s so far",
                    100 * p.Judged / Math.Max(1, p.Planned))));
        base.EndProcessing();
    }
}
