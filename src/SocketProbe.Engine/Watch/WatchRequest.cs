namespace SocketProbe.Engine.Watch;

/// <summary>What Watch-TcpConnection holds, and how. Every wait in it is bounded by HoldSeconds or the caller's token.</summary>
/// <remarks><see cref="HeldRequest.Send"/> is sent once right after connect, and on each heartbeat.</remarks>
public sealed class WatchRequest : HeldRequest
{
    /// <summary>Connections held per address.</summary>
    public int Count { get; set; } = 1;

    /// <summary>How long each connection is held before it is reported Alive and closed.</summary>
    public int HoldSeconds { get; set; } = 300;

    /// <summary>Send <see cref="Send"/> again every this many seconds; null: never.</summary>
    public int? HeartbeatSeconds { get; set; }

    public int? KeepAliveIdleSeconds { get; set; }
    public int? KeepAliveIntervalSeconds { get; set; }
    public int? KeepAliveCount { get; set; }

    public bool KeepAlive => KeepAliveIdleSeconds is not null || KeepAliveIntervalSeconds is not null || KeepAliveCount is not null;

    protected override void ValidateOwn()
    {
        if (Count < 1) throw new ArgumentOutOfRangeException(nameof(Count), Count, "must be at least 1");
        if (HoldSeconds < 1) throw new ArgumentOutOfRangeException(nameof(HoldSeconds), HoldSeconds, "must be at least 1 s");
        if (HeartbeatSeconds is int h && h < 1) throw new ArgumentOutOfRangeException(nameof(HeartbeatSeconds), h, "must be at least 1 s");
        if (HeartbeatSeconds is not null && (Send is null || Send.Length == 0))
            throw new InvalidRequestException("HeartbeatWithoutSend", "-HeartbeatSeconds sends the -Send text again every so many seconds: give -Send too.", HeartbeatSeconds);
        if (KeepAliveIdleSeconds is < 1 || KeepAliveIntervalSeconds is < 1 || KeepAliveCount is < 1)
            throw new ArgumentOutOfRangeException(nameof(KeepAliveIdleSeconds), "keepalive times and count must be at least 1");
    }
}
