using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Monitoring;

/// <summary>Where a probe's deciding attempt went wrong: a fixed set, so monitoring series never carry free text.</summary>
public enum ProbePhase
{
    /// <summary>Nothing went wrong.</summary>
    None,
    /// <summary>The name gave no address.</summary>
    Resolve,
    /// <summary>The handshake did not complete (refused, timed out, unreachable, other connect error).</summary>
    Connect,
    /// <summary>The handshake completed, then the server closed, reset or failed to answer as a healthy one does.</summary>
    Answer,
    /// <summary>Our own side could not probe (a local limit, a self-connect): says nothing about the target.</summary>
    Local,
}

/// <summary>
/// The health verdict of one target:port with the attempts behind it, as a monitoring system reads it:
/// healthy or not, and the one attempt that decided it (the first that failed, else the last).
/// The verdict itself comes from the probe (<see cref="ProbeTally.Healthy"/>); this only explains it.
/// </summary>
public sealed class HealthCheck
{
    public HealthCheck(string target, int port, bool healthy, IReadOnlyList<ProbeResult> attempts)
    {
        if (attempts.Count == 0) throw new ArgumentException("a verdict without attempts", nameof(attempts));
        Target = target;
        Port = port;
        Healthy = healthy;
        Attempts = attempts;
        // The first attempt that reached the target and was not Open explains an unhealthy verdict;
        // with only our own failures, the first of those; a healthy one is told by its last attempt.
        Deciding = healthy
            ? attempts[^1]
            : attempts.FirstOrDefault(a => ProbeClassifier.IsTargets(a.Kind) && !IsGood(a))
              ?? attempts.FirstOrDefault(a => ProbeClassifier.IsTargets(a.Kind))
              ?? attempts[0];
    }

    public string Target { get; }
    public int Port { get; }
    public bool Healthy { get; }
    public IReadOnlyList<ProbeResult> Attempts { get; }
    /// <summary>The attempt that explains the verdict.</summary>
    public ProbeResult Deciding { get; }

    /// <summary>True when no attempt reached the target: the probe itself could not run (Nagios UNKNOWN).</summary>
    public bool CouldNotProbe => Attempts.All(a => !ProbeClassifier.IsTargets(a.Kind));

    public ProbeOutcome Outcome => Deciding.Kind;

    /// <summary>Where the deciding attempt failed (None for a healthy verdict).</summary>
    public ProbePhase Phase => Healthy ? ProbePhase.None : PhaseOf(Deciding);

    /// <summary>The deciding attempt's response time in seconds: connect, plus the wait for the first answer when one was read.</summary>
    public double? ResponseSeconds => Deciding.ConnectMs is double connect ? (connect + (Deciding.FirstByteMs ?? 0)) / 1000.0 : null;

    public static ProbePhase PhaseOf(ProbeResult attempt) => attempt.Kind switch
    {
        ProbeOutcome.NameNotResolved => ProbePhase.Resolve,
        ProbeOutcome.LocalError => ProbePhase.Local,
        ProbeOutcome.Reset or ProbeOutcome.Closed => ProbePhase.Answer,
        ProbeOutcome.Open => ProbePhase.Answer,
        // An error after a completed handshake (ETIMEDOUT while sending) is the answer's; before, the connect's.
        ProbeOutcome.Error when attempt.LocalPort is not null && attempt.FirstByteMs is not null => ProbePhase.Answer,
        _ => ProbePhase.Connect,
    };

    private static bool IsGood(ProbeResult a) => a.Kind == ProbeOutcome.Open && a.After is not (AfterConnectKind.Closed or AfterConnectKind.Reset);

    /// <summary>One check per target:port, in the order the verdicts are given, each with its attempts.</summary>
    public static IReadOnlyList<HealthCheck> From(IEnumerable<(string Target, int Port, bool Healthy)> verdicts, IEnumerable<ProbeResult> attempts)
    {
        var byTarget = attempts.GroupBy(a => (a.Target, a.Port)).ToDictionary(g => g.Key, g => (IReadOnlyList<ProbeResult>)g.OrderBy(a => a.Sequence).ToList());
        return verdicts.Where(v => byTarget.ContainsKey((v.Target, v.Port)))
            .Select(v => new HealthCheck(v.Target, v.Port, v.Healthy, byTarget[(v.Target, v.Port)])).ToList();
    }
}
