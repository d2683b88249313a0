using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Watch;

/// <summary>What Watch-TcpConnection holds, and how. Every wait in it is bounded by HoldSeconds or the caller's token.</summary>
public sealed class WatchRequest
{
    public IReadOnlyList<ProbeTask> Tasks { get; set; } = Array.Empty<ProbeTask>();

    /// <summary>Only addresses of this family; null holds connections to every address the name gives.</summary>
    public AddressFamily? AddressFamily { get; set; }

    /// <summary>Connections held per address.</summary>
    public int Count { get; set; } = 1;

    /// <summary>-Capture: a capture session that adds SynAckTtl, ResetTtl, ResetFrom, IcmpFrom to each result; null captures nothing.</summary>
    public Wire.ProbeWire? Wire { get; set; }
    /// <summary>-Trace: the kernel\'s account of each RST (ResetSentByThisHost, ResetKernelReason); null reads nothing.</summary>
    public Trace.ProbeTrace? KernelTrace { get; set; }

    /// <summary>How long each connection is held before it is reported Alive and closed.</summary>
    public int HoldSeconds { get; set; } = 300;

    /// <summary>Bytes sent once right after connect (and on each heartbeat); null sends nothing.</summary>
    public byte[]? Send { get; set; }

    /// <summary>Send <see cref="Send"/> again every this many seconds; null: never.</summary>
    public int? HeartbeatSeconds { get; set; }

    public int? KeepAliveIdleSeconds { get; set; }
    public int? KeepAliveIntervalSeconds { get; set; }
    public int? KeepAliveCount { get; set; }

    public bool KeepAlive => KeepAliveIdleSeconds is not null || KeepAliveIntervalSeconds is not null || KeepAliveCount is not null;

    /// <summary>Our bound on each connect (and on each name lookup).</summary>
    public int ConnectTimeoutMs { get; set; } = 5_000;

    public void Validate()
    {
        if (Count < 1) throw new ArgumentOutOfRangeException(nameof(Count), Count, "must be at least 1");
        if (HoldSeconds < 1) throw new ArgumentOutOfRangeException(nameof(HoldSeconds), HoldSeconds, "must be at least 1 s");
        if (HeartbeatSeconds is int h && h < 1) throw new ArgumentOutOfRangeException(nameof(HeartbeatSeconds), h, "must be at least 1 s");
        if (HeartbeatSeconds is not null && (Send is null || Send.Length == 0))
            throw new InvalidRequestException("HeartbeatWithoutSend", "-HeartbeatSeconds sends the -Send text again every so many seconds: give -Send too.", HeartbeatSeconds);
        if (KeepAliveIdleSeconds is < 1 || KeepAliveIntervalSeconds is < 1 || KeepAliveCount is < 1)
            throw new ArgumentOutOfRangeException(nameof(KeepAliveIdleSeconds), "keepalive times and count must be at least 1");
        if (ConnectTimeoutMs < 1) throw new ArgumentOutOfRangeException(nameof(ConnectTimeoutMs), ConnectTimeoutMs, "must be at least 1 ms");
        foreach (var task in Tasks)
        {
            if (task.Ports.Count == 0) throw new ArgumentException($"{task.Target} has no port", nameof(Tasks));
        }
    }
}
