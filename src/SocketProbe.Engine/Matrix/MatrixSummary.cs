namespace SocketProbe.Engine.Matrix;

/// <summary>The one-word verdict of a matrix run (<see cref="MatrixSummary.Verdict"/>).</summary>
public static class MatrixVerdicts
{
    /// <summary>Every socket call agreed with what this platform documents.</summary>
    public const string Match = "Match";
    /// <summary>At least one socket call did not.</summary>
    public const string Differ = "Differ";
    /// <summary>None differed, but some calls have nothing documented for this platform to compare with.</summary>
    public const string Undocumented = "Undocumented";
    /// <summary>The scenario cannot run here (Reason says why).</summary>
    public const string Skipped = "Skipped";
    /// <summary>The engine failed: the peer or the lab did not do its part (Reason says how).</summary>
    public const string Failed = "Failed";
}

/// <summary>
/// Get-SocketErrorMatrix -Summary: one flat row per scenario and address family, the counts of its socket
/// calls and one verdict, for a glance over the whole catalogue (the steps themselves are -Steps' rows).
/// Built from a finished <see cref="MatrixRun"/> only: every count comes from its observations.
/// </summary>
public sealed class MatrixSummary
{
    public string Scenario { get; init; } = "";
    public string AddressFamily { get; init; } = "";
    /// <summary>Match, Differ, Undocumented, Skipped or Failed (<see cref="MatrixVerdicts"/>).</summary>
    public string Verdict { get; init; } = "";
    /// <summary>Socket calls observed (faults, signals, segments and counters match nothing and are not counted).</summary>
    public int Steps { get; init; }
    public int Matched { get; init; }
    public int Differ { get; init; }
    /// <summary>Calls this platform documents nothing for.</summary>
    public int Undocumented { get; init; }
    /// <summary>Documented steps the run never reached: all of a Skipped scenario's.</summary>
    public int Skipped { get; init; }
    /// <summary>The run's own wall time (ms), cleanup included; rounded to a tenth.</summary>
    public double ElapsedMs { get; init; }
    /// <summary>Why it was Skipped, or how the engine failed; empty otherwise.</summary>
    public string? Reason { get; init; }
    public string Platform { get; init; } = "";

    public static MatrixSummary From(MatrixRun run) => new()
    {
        Scenario = run.Scenario,
        AddressFamily = run.AddressFamily,
        Verdict = run.Status switch
        {
            MatrixRunStatus.Failed => MatrixVerdicts.Failed,
            MatrixRunStatus.Skipped => MatrixVerdicts.Skipped,
            _ when run.Differ > 0 => MatrixVerdicts.Differ,
            _ when run.Undocumented > 0 => MatrixVerdicts.Undocumented,
            _ => MatrixVerdicts.Match,
        },
        Steps = run.Steps,
        Matched = run.Matched,
        Differ = run.Differ,
        Undocumented = run.Undocumented,
        Skipped = run.Skipped,
        ElapsedMs = Math.Round(run.ElapsedMs, 1),
        Reason = run.Reason,
        Platform = run.Observations.FirstOrDefault()?.Platform ?? PlatformInfo.Description,
    };

    public override string ToString() => $"{Scenario} ({AddressFamily}): {Verdict}, {Steps} steps, {Matched} match, {Differ} differ, {Skipped} skipped";
}
