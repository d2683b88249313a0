using SocketProbe.Engine.Watch;

namespace SocketProbe.Commands;

/// <summary>
/// Watch-TcpConnection: holds connections to real targets and reports, once per connection, how it
/// ended (Alive, Closed, Reset, TimedOut, Unreachable ...), when, after how long idle, the call that
/// saw it and what TCP_INFO said at the end.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "TcpConnection")]
[OutputType(typeof(WatchResult))]
public sealed class WatchTcpConnectionCommand : HeldConnectionCmdlet
{
    private WatchRequest _request = new();

    /// <summary>Connections held per address.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Count { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 604_800)]
    public int HoldSeconds { get; set; } = 300;

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

    protected override void BeginProcessing()
    {
        _request = Checked(new WatchRequest
        {
            Count = Count,
            HoldSeconds = HoldSeconds,
            HeartbeatSeconds = Given(nameof(HeartbeatSeconds)) ? HeartbeatSeconds : null,
            KeepAliveIdleSeconds = Given(nameof(KeepAliveIdleSeconds)) ? KeepAliveIdleSeconds : null,
            KeepAliveIntervalSeconds = Given(nameof(KeepAliveIntervalSeconds)) ? KeepAliveIntervalSeconds : null,
            KeepAliveCount = Given(nameof(KeepAliveCount)) ? KeepAliveCount : null,
        });
    }

    protected override void EndProcessing()
    {
        WatchRequest request = _request;
        RunHeld("Watch-TcpConnection", request, (bars, queue, logger, token) =>
            TcpConnectionWatcher.RunAsync(request, r => queue.Add(r), logger, token,
                p => bars.Show("", $"{p.Total - p.Ended} still open, {p.Ended} ended; hold ends in {p.SecondsLeft:F0} s",
                    (int)(100 * (1 - p.SecondsLeft / Math.Max(1, request.HoldSeconds))), (int)p.SecondsLeft)));
        base.EndProcessing();
    }
}
