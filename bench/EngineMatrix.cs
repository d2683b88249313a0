// Bench only (compiled by bench/Matrix.Bench.ps1 with Add-Type): every scenario at once through the
// engine's own path (ScenarioRunner.RunAsync), as a stand-in for Get-SocketErrorMatrix where that
// cmdlet is not built yet. PowerShell script blocks cannot run on the engine's worker threads, so the
// concurrency and the per-scenario clocks live here.
#nullable enable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SocketProbe.Engine;

namespace SocketProbe.Bench;

public sealed class ScenarioTiming
{
    public string Name { get; init; } = "";
    public double WallMs { get; init; }
    public int Observations { get; init; }
    public string? Failure { get; init; }
}

public sealed class MatrixTiming
{
    public double WallMs { get; init; }
    public ScenarioTiming[] Scenarios { get; init; } = Array.Empty<ScenarioTiming>();
}

public static class EngineMatrix
{
    /// <summary>Run <paramref name="scenarios"/> concurrently, at most <paramref name="throttle"/> at a time.</summary>
    public static MatrixTiming Run(IEnumerable<Scenario> scenarios, int throttle, CancellationToken cancellation)
    {
        var gate = new SemaphoreSlim(throttle);
        var clock = Stopwatch.StartNew();
        Task<ScenarioTiming>[] tasks = scenarios.Select(s => Task.Run(async () =>
        {
            await gate.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                var observations = new ConcurrentQueue<Observation>();
                var own = Stopwatch.StartNew();
                string? failure = null;
                try
                {
                    await ScenarioRunner.RunAsync(s, new ScenarioRequest(), observations.Enqueue, NullLogger.Instance, cancellation).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failure = ex.Message;
                }
                return new ScenarioTiming { Name = s.Name, WallMs = own.Elapsed.TotalMilliseconds, Observations = observations.Count, Failure = failure };
            }
            finally { gate.Release(); }
        })).ToArray();
        ScenarioTiming[] done = Task.WhenAll(tasks).GetAwaiter().GetResult();
        return new MatrixTiming { WallMs = clock.Elapsed.TotalMilliseconds, Scenarios = done };
    }
}
