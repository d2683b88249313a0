namespace SocketProbe.Engine;

/// <summary>What the caller asks of one scenario run. Defaults keep every run to a few seconds.</summary>
public sealed class ScenarioRequest
{
    /// <summary>InterNetwork (IPv4, 127.0.0.1) or InterNetworkV6 (::1).</summary>
    public AddressFamily AddressFamily { get; set; } = AddressFamily.InterNetwork;

    /// <summary>Our own bound on any single blocking call, so no step can hang; a call cut by it reports Result TimedOut.</summary>
    public int CallTimeoutMs { get; set; } = 10_000;

    /// <summary>What the client does when the peer fails (crash scenarios); Default lets the scenario choose.</summary>
    public ClientAction ClientAction { get; set; } = ClientAction.Default;

    // Kernel timers, shortened per socket so a default run takes seconds; null leaves the kernel's own default.

    /// <summary>TCP_SYNCNT: SYN retransmissions before connect gives up (1: about 3 s; the kernel default 6: about 130 s on Linux 6.18).</summary>
    public int? SynRetries { get; set; } = 1;

    /// <summary>TCP_USER_TIMEOUT: how long sent data may stay unacknowledged (kernel default: about 15 min of retransmits).</summary>
    public int? UserTimeoutMs { get; set; } = 3_000;

    /// <summary>TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (kernel defaults 7200 s, 75 s, 9).</summary>
    public int? KeepAliveIdleSeconds { get; set; } = 1;
    public int? KeepAliveIntervalSeconds { get; set; } = 1;
    public int? KeepAliveCount { get; set; } = 2;

    /// <summary>How long an idle client waits to show that nothing happens (our own bound).</summary>
    public int IdleWaitMs { get; set; } = 2_000;

    /// <summary>Capture the run's own segments and the ICMP errors about them as Wire rows (-Capture).</summary>
    public bool Capture { get; set; }

    /// <summary>Add the kernel's own account of the run's resets and drops, with its reasons, as Kernel rows (-Trace; Linux, root).</summary>
    public bool Trace { get; set; }
    /// <summary>With <see cref="Capture"/>: also write the run's own packets to this pcapng file (-PcapPath gives each run its own, then merges them).</summary>
    public string? PcapPath { get; set; }
    /// <summary>
    /// The lab middlebox's idle timeout (MiddleboxIdleReset/-Drop): conntrack forgets an established
    /// flow idle this long (nf_conntrack_tcp_timeout_established, seconds; the kernel's default is 5 days).
    /// The fault itself, not a timer of the client's: the client stays idle a little longer than this.
    /// </summary>
    public int MiddleboxTimeoutSeconds { get; set; } = 1;

    /// <summary>Leave every kernel timer at the system's default (a run may take minutes).</summary>
    public void UseKernelDefaults()
    {
        SynRetries = null;
        UserTimeoutMs = null;
        KeepAliveIdleSeconds = KeepAliveIntervalSeconds = KeepAliveCount = null;
    }

    /// <summary>A copy with another client action.</summary>
    public ScenarioRequest With(ClientAction action)
    {
        var copy = (ScenarioRequest)MemberwiseClone();
        copy.ClientAction = action;
        return copy;
    }
}

/// <summary>What the client is doing when its peer fails.</summary>
public enum ClientAction
{
    Default,
    /// <summary>Reads: shows EOF or the reset, then writes.</summary>
    Receive,
    /// <summary>Writes: shows the accepted write, the RST, the failing write.</summary>
    Send,
    /// <summary>Does nothing: an idle connection learns nothing by itself.</summary>
    Idle,
    /// <summary>Idle with SO_KEEPALIVE: the kernel's probes find a dead peer.</summary>
    Keepalive,
}
