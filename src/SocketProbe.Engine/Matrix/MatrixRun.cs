namespace SocketProbe.Engine.Matrix;

/// <summary>How one run of the matrix ended.</summary>
public enum MatrixRunStatus
{
    Pending,
    Running,
    /// <summary>Ran to its end; its observations are all there.</summary>
    Completed,
    /// <summary>Cannot run here; its one observation says why.</summary>
    Skipped,
    /// <summary>The engine failed (peer or lab did not do its part); see Error.</summary>
    Failed,
}

/// <summary>
/// One scenario on one address family within the matrix: its observations in step order, when it
/// started and ended relative to the matrix's start, and its own wall time. Counts are flat so the
/// object can be exported; Observations and Exception hold the detail.
/// </summary>
public sealed class MatrixRun
{
    private readonly List<Observation> _observations = new();

    internal MatrixRun(Scenario scenario, AddressFamily family)
    {
        ScenarioDefinition = scenario;
        AddressFamily = family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        Family = family;
    }

    public string Scenario => ScenarioDefinition.Name;
    public string AddressFamily { get; }
    public MatrixRunStatus Status { get; private set; } = MatrixRunStatus.Pending;
    /// <summary>Socket calls observed (not the Skipped row, not faults, signals, segments or counters: they match nothing).</summary>
    public int Steps => Observations.Count(IsCall);
    public int Matched => Observations.Count(o => IsCall(o) && o.Matches == true);
    public int Differ => Observations.Count(o => IsCall(o) && o.Matches == false);
    /// <summary>Socket calls this platform documents nothing for.</summary>
    public int Undocumented => Observations.Count(o => IsCall(o) && o.Matches is null);

    /// <summary>
    /// Steps this platform documents for the run (its expectations) that it never reached: all of them for a
    /// Skipped run, the rest of them for one that failed half-way, none for a run that went to its end.
    /// </summary>
    public int Skipped { get; private set; }

    private static bool IsCall(Observation o) => o.Result != Results.Skipped && Operations.IsSocketCall(o.Actor, o.Operation);
    /// <summary>Milliseconds from the matrix's start to this run's start (it waits for a free slot first).</summary>
    public double StartedAtMs { get; private set; }
    /// <summary>Milliseconds from the matrix's start to this run's end.</summary>
    public double FinishedAtMs { get; private set; }
    /// <summary>This run's own wall time: from its start to its end, cleanup included.</summary>
    public double ElapsedMs => Math.Max(0, FinishedAtMs - StartedAtMs);
    /// <summary>Why it was Skipped, or the engine failure's message.</summary>
    public string? Reason { get; private set; }

    public Scenario ScenarioDefinition { get; }
    internal AddressFamily Family { get; }
    public Exception? Exception { get; private set; }

    /// <summary>The run's observations in step order (call order within the step number).</summary>
    public IReadOnlyList<Observation> Observations
    {
        get { lock (_observations) return _observations.OrderBy(o => o.Step).ToList(); }
    }

    internal void Add(Observation observation)
    {
        lock (_observations) _observations.Add(observation);
    }

    internal void Start(double atMs)
    {
        StartedAtMs = atMs;
        Status = MatrixRunStatus.Running;
    }

    /// <param name="request">The run's request: which expectations apply (family, client action) decides what it should have reached.</param>
    internal void Finish(double atMs, Exception? failure, ScenarioRequest? request = null)
    {
        FinishedAtMs = atMs;
        Exception = failure;
        var reached = Observations.Where(IsCall).Select(o => o.Step).ToHashSet();
        Skipped = request is null ? 0 : ScenarioDefinition.Expectations
            .Where(e => e.AppliesTo(PlatformInfo.Current, request)).Select(e => e.Step).Distinct().Count(step => !reached.Contains(step));
        Observation? skipped = Observations.FirstOrDefault(o => o.Result == Results.Skipped && o.Actor is not (Actors.Wire or Actors.Kernel));
        (Status, Reason) = failure is not null ? (MatrixRunStatus.Failed, failure.Message)
            : skipped is not null ? (MatrixRunStatus.Skipped, skipped.Note)
            : (MatrixRunStatus.Completed, null);
    }

    public override string ToString() => $"{Scenario} ({AddressFamily}): {Status} in {ElapsedMs:F0} ms";
}
