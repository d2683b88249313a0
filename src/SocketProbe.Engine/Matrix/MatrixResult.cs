namespace SocketProbe.Engine.Matrix;

/// <summary>What a whole matrix run did: counts, its wall time, and the slowest and summed scenario times.</summary>
public sealed class MatrixResult
{
    internal MatrixResult(IReadOnlyList<MatrixRun> runs, double elapsedMs, int throttleLimit)
    {
        Runs = runs;
        ElapsedMs = elapsedMs;
        ThrottleLimit = throttleLimit;
        MatrixRun? slowest = runs.MaxBy(r => r.ElapsedMs);
        SlowestScenario = slowest?.Scenario;
        SlowestMs = slowest?.ElapsedMs ?? 0;
        SumMs = runs.Sum(r => r.ElapsedMs);
    }

    public int Scenarios => Runs.Select(r => r.Scenario).Distinct().Count();
    public int Steps => Runs.Sum(r => r.Steps);
    public int Matched => Runs.Sum(r => r.Matched);
    public int Differ => Runs.Sum(r => r.Differ);
    public int Undocumented => Runs.Sum(r => r.Undocumented);
    public int Skipped => Runs.Count(r => r.Status == MatrixRunStatus.Skipped);
    public int Failed => Runs.Count(r => r.Status == MatrixRunStatus.Failed);
    /// <summary>Wall time of the whole matrix.</summary>
    public double ElapsedMs { get; }
    public string? SlowestScenario { get; }
    /// <summary>Wall time of the slowest single run.</summary>
    public double SlowestMs { get; }
    /// <summary>Sum of every run's own wall time: what running them one after another would roughly cost.</summary>
    public double SumMs { get; }
    public int ThrottleLimit { get; }
    public IReadOnlyList<MatrixRun> Runs { get; }

    /// <summary>e.g. "19 scenarios, 94 steps, 94 match, 0 differ, 0 skipped in 5.1 s (slowest PeerHostCrash 4.8 s, sum 19.7 s)".</summary>
    public override string ToString()
    {
        string runs = Runs.Count == Scenarios ? "" : $" ({Runs.Count} runs)";
        string undocumented = Undocumented > 0 ? $", {Undocumented} undocumented" : "";
        string failed = Failed > 0 ? $", {Failed} failed" : "";
        return $"{Scenarios} scenario{(Scenarios == 1 ? "" : "s")}{runs}, {Steps} steps, {Matched} match, {Differ} differ{undocumented}, {Skipped} skipped{failed} " +
            $"in {ElapsedMs / 1000:F1} s (slowest {SlowestScenario} {SlowestMs / 1000:F1} s, sum of scenarios {SumMs / 1000:F1} s, throttle {ThrottleLimit})";
    }
}
