namespace SocketProbe.Engine.Probe;

/// <summary>One host with the ports to try on it, in the order given.</summary>
public sealed record ProbeTask(ProbeTarget Target, IReadOnlyList<int> Ports);

/// <summary>What to probe and how. Defaults: one round, 2 s bound per connect, 64 attempts at once.</summary>
public sealed class ProbeRequest
{
    public IReadOnlyList<ProbeTask> Tasks { get; set; } = Array.Empty<ProbeTask>();

    /// <summary>Only addresses of this family; null tries every address the name gives.</summary>
    public AddressFamily? AddressFamily { get; set; }

    /// <summary>Our own bound on each connect (and on each name lookup).</summary>
    public int TimeoutMs { get; set; } = DefaultTimeoutMs;

    public const int DefaultTimeoutMs = 2_000;

    /// <summary>The longest -ReadMs: ten minutes.</summary>
    public const int MaxReadMs = 600_000;

    /// <summary>Rounds to run; ignored when <see cref="Continuous"/>.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Run rounds until the token is cancelled.</summary>
    public bool Continuous { get; set; }

    /// <summary>Time between the starts of two rounds; a round that takes longer is followed at once.</summary>
    public int IntervalMs { get; set; } = 1_000;

    /// <summary>How many connect attempts (and lookups) may be in flight at once.</summary>
    public int ThrottleLimit { get; set; } = 64;

    /// <summary>After a connect, read for up to this long to see what the server does (null: stop at connect).</summary>
    public int? ReadMs { get; set; }

    /// <summary>Bytes sent right after the connect, before reading (needs <see cref="ReadMs"/>).</summary>
    public byte[]? Send { get; set; }

    /// <summary>A pattern the answer must match to be healthy (needs <see cref="ReadMs"/>); reading stops as soon as it matches.</summary>
    public System.Text.RegularExpressions.Regex? Expect { get; set; }

    /// <summary>Bind each probe socket to this local address first (null: the kernel chooses).</summary>
    public System.Net.IPAddress? SourceAddress { get; set; }

    /// <summary>Bind each probe socket to this local port (0: the kernel chooses).</summary>
    public int SourcePort { get; set; }

    /// <summary>End each connection with RST (SO_LINGER {on, 0}) instead of FIN: what a server logs as "connection reset by peer".</summary>
    public bool Abort { get; set; }
    /// <summary>-Capture: a capture session that annotates each attempt with TTLs and the RST's origin; null captures nothing.</summary>
    public Wire.ProbeWire? Wire { get; set; }
    /// <summary>-Trace: the kernel\'s account of each RST (ResetSentByThisHost, ResetKernelReason); null reads nothing.</summary>
    public Trace.ProbeTrace? KernelTrace { get; set; }

    public void Validate()
    {
        if (TimeoutMs < 1) throw new ArgumentOutOfRangeException(nameof(TimeoutMs), TimeoutMs, "must be at least 1 ms");
        if (!Continuous && Count < 1) throw new ArgumentOutOfRangeException(nameof(Count), Count, "must be at least 1");
        if (IntervalMs < 0) throw new ArgumentOutOfRangeException(nameof(IntervalMs), IntervalMs, "must not be negative");
        if (ReadMs is int read && (read < 1 || read > MaxReadMs))
            throw new InvalidRequestException("ReadMsOutOfRange", $"-ReadMs {read} is outside 1-{MaxReadMs} ms.", read);
        // Sending without reading tells nothing: the answer (or the RST it draws) is only seen by a read.
        if (Send is not null && ReadMs is null)
            throw new InvalidRequestException("SendWithoutReadMs", "-Send needs -ReadMs: what the server does with the bytes is only seen by reading. Add e.g. -ReadMs 1000.", Send);
        if (Expect is not null && ReadMs is null)
            throw new InvalidRequestException("ExpectWithoutReadMs", "-Expect needs -ReadMs: the answer is only seen by reading. Add e.g. -ReadMs 1000.", Expect.ToString());
        if (SourcePort < 0 || SourcePort > 65535) throw new ArgumentOutOfRangeException(nameof(SourcePort), SourcePort, "ports are 0-65535");
        if (ThrottleLimit < 1) throw new ArgumentOutOfRangeException(nameof(ThrottleLimit), ThrottleLimit, "must be at least 1");
        foreach (var task in Tasks)
        {
            if (task.Ports.Count == 0) throw new ArgumentException($"{task.Target} has no port", nameof(Tasks));
            foreach (int port in task.Ports)
            {
                if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(Tasks), port, "ports are 1-65535");
            }
        }
    }
}
