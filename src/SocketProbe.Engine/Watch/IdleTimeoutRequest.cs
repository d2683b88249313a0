namespace SocketProbe.Engine.Watch;

/// <summary>How an idle connection is probed once its idle time is up.</summary>
public enum IdleProbe
{
    /// <summary>One TCP keepalive probe (SO_KEEPALIVE, TCP_KEEPIDLE = the idle time): no application byte is sent.</summary>
    KeepAlive,
    /// <summary>The -Send bytes, with TCP_USER_TIMEOUT bounding how long they may stay unacknowledged.</summary>
    Send,
}

/// <summary>What Find-TcpIdleTimeout searches, and how.</summary>
/// <remarks>
/// <see cref="HeldRequest.Send"/>: the request a client sends right after connect, its answer read before the idle
/// starts (what a pooled connection has done before it idles); a Send probe sends it again after the idle. Null:
/// connections send nothing, and what is measured is the server's wait for a first request.
/// </remarks>
public sealed class IdleTimeoutRequest : HeldRequest
{
    /// <summary>TCP_KEEPIDLE's ceiling on Linux (MAX_TCP_KEEPIDLE, include/net/tcp.h).</summary>
    public const int MaxIdleSeconds = 32_767;

    public int MaxSeconds { get; set; } = 900;
    public int ResolutionSeconds { get; set; } = 1;
    public IdleProbe ProbeWith { get; set; } = IdleProbe.KeepAlive;
    /// <summary>How long the answer to <see cref="Send"/> is waited for, at most (never beyond a connection's idle time: its probe keeps its moment).</summary>
    public int ReadMs { get; set; } = DefaultReadMs;
    public const int DefaultReadMs = HeldConnection.DefaultAnswerMs;
    /// <summary>Most connections open at once, over all addresses.</summary>
    public int ThrottleLimit { get; set; } = 64;

    /// <summary>Keepalive probes after the first (TCP_KEEPINTVL apart) before the kernel gives up: 2 probes, 1 s apart.</summary>
    public int KeepAliveIntervalSeconds { get; set; } = 1;
    public int KeepAliveCount { get; set; } = 2;

    /// <summary>
    /// The probe's own time: how long after the idle time a silent path is known to be silent
    /// (keepalive: KEEPINTVL × KEEPCNT; send: the TCP_USER_TIMEOUT we set, the same 2 s).
    /// </summary>
    public double ProbeSeconds => KeepAliveIntervalSeconds * KeepAliveCount;

    protected override void ValidateOwn()
    {
        if (ResolutionSeconds < 1) throw new ArgumentOutOfRangeException(nameof(ResolutionSeconds), ResolutionSeconds, "must be at least 1 s");
        if (MaxSeconds < ResolutionSeconds)
            throw new InvalidRequestException("MaxBelowResolution", $"-MaxSeconds ({MaxSeconds}) is below -ResolutionSeconds ({ResolutionSeconds}): no idle time could be tried.", MaxSeconds);
        if (MaxSeconds > MaxIdleSeconds) throw new ArgumentOutOfRangeException(nameof(MaxSeconds), MaxSeconds, $"must be at most {MaxIdleSeconds} s (TCP_KEEPIDLE's ceiling)");
        if (Send is { Length: 0 }) throw new ArgumentException("-Send is empty: give the request a client sends, or leave -Send out", nameof(Send));
        if (ProbeWith == IdleProbe.Send && Send is null)
            throw new InvalidRequestException("SendProbeWithoutSend", "-ProbeWith Send sends the -Send request again after the idle, as a pool does: give -Send (a request the server answers, e.g. \"GET / HTTP/1.1`r`nHost: name`r`n`r`n\").", ProbeWith);
        if (ReadMs < 1) throw new ArgumentOutOfRangeException(nameof(ReadMs), ReadMs, "must be at least 1 ms");
        if (ThrottleLimit < 1) throw new ArgumentOutOfRangeException(nameof(ThrottleLimit), ThrottleLimit, "must be at least 1");
    }
}
