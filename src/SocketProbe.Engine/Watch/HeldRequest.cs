using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Watch;

/// <summary>
/// What every held-connection run (Watch-TcpConnection, Find-TcpIdleTimeout) is given: the targets, the family,
/// the -Send bytes, the connect bound and the -Capture/-Trace sessions; checked once here.
/// </summary>
public abstract class HeldRequest
{
    public IReadOnlyList<ProbeTask> Tasks { get; set; } = Array.Empty<ProbeTask>();

    /// <summary>Only addresses of this family; null uses every address the name gives.</summary>
    public AddressFamily? AddressFamily { get; set; }

    /// <summary>-Send: bytes sent right after connect (what else each run does with them, its own request says); null sends nothing.</summary>
    public byte[]? Send { get; set; }

    /// <summary>Our bound on each connect (and on each name lookup).</summary>
    public int ConnectTimeoutMs { get; set; } = 5_000;

    /// <summary>-Capture: a capture session that adds SynAckTtl, ResetTtl, ResetFrom, IcmpFrom to each result; null captures nothing.</summary>
    public Wire.ProbeWire? Wire { get; set; }
    /// <summary>-Trace: the kernel's account of each RST (ResetSentByThisHost, ResetKernelReason); null reads nothing.</summary>
    public Trace.ProbeTrace? KernelTrace { get; set; }

    /// <summary>Throws on a request that cannot run: the run's own rules first, then the shared ones.</summary>
    public void Validate()
    {
        ValidateOwn();
        if (ConnectTimeoutMs < 1) throw new ArgumentOutOfRangeException(nameof(ConnectTimeoutMs), ConnectTimeoutMs, "must be at least 1 ms");
        foreach (var task in Tasks)
        {
            if (task.Ports.Count == 0) throw new ArgumentException($"{task.Target} has no port", nameof(Tasks));
        }
    }

    /// <summary>The run's own rules.</summary>
    protected abstract void ValidateOwn();
}
