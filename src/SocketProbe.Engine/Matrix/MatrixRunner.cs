namespace SocketProbe.Engine.Matrix;

/// <summary>What a matrix run is asked to do.</summary>
public sealed class MatrixOptions
{
    /// <summary>How many runs may be under way at once.</summary>
    public int ThrottleLimit { get; set; } = MatrixRunner.DefaultThrottleLimit;

    /// <summary>Each scenario runs once per family, IPv4 first.</summary>
    public IReadOnlyList<AddressFamily> AddressFamilies { get; set; } = new[] { AddressFamily.InterNetwork };

    /// <summary>The request for one run; every run gets its own (default timers).</summary>
    public Func<AddressFamily, ScenarioRequest> NewRequest { get; set; } = family => new ScenarioRequest { AddressFamily = family };
}

/// <summary>
/// Runs many scenarios side by side, each through <see cref="ScenarioRunner.RunAsync"/> (the one
/// engine path), at most <see cref="MatrixOptions.ThrottleLimit"/> at a time, the longest expected
/// kernel waits first (<see cref="Scenario.ExpectedWaitMs"/>), then in-process before lab runs. Most of a run is spent waiting on kernel timers (SYN retries, TCP_USER_TIMEOUT,
/// keepalive), so the matrix takes about as long as its slowest scenario, not the sum.
///
/// Output order: a run's observations are held until the run ends, then handed over together, in
/// step order; runs are handed over in the order they finish (not catalogue order), so fast
/// scenarios stream out while slow ones still wait on their timers. Hand-overs never interleave.
///
/// A run whose engine fails (peer or lab did not do its part) ends Failed with its exception; the
/// others go on. Cancellation stops every run (each releases its sockets and processes) and then throws.
/// </summary>
public static class MatrixRunner
{
    /// <summary>
    /// Measured on 2 cores (Linux 6.18, the 36 scenarios, 9 of them sitting out a 3-5 s kernel
    /// timer): 16 lets every long wait start at once, so the matrix ends with its slowest scenario
    /// (wall / longest call 1.01 with the NativeAOT peer, whose process starts cost a few ms; 8 left
    /// the ninth long wait for a slot: 1.31). With the managed peer (~60 ms of CPU per start) 16 is
    /// no slower than 8 (6.2-6.7 s against 6.5 s): the starts contend either way.
    /// </summary>
    public const int DefaultThrottleLimit = 16;

    public static async Task<MatrixResult> RunAsync(IEnumerable<Scenario> scenarios, MatrixOptions options,
        Action<MatrixRun> finished, Action<MatrixProgress>? progress, ILogger logger, CancellationToken cancellation)
    {
        if (options.ThrottleLimit < 1) throw new ArgumentOutOfRangeException(nameof(options), "ThrottleLimit must be at least 1.");
        var runs = (from s in scenarios from f in options.AddressFamilies select new MatrixRun(s, f)).ToList();
        // The longest kernel waits first, so they overlap everything else; then the in-process and peer
        // runs (quick, little CPU); the lab runs that wait for no timer last: each starts a runtime in a
        // namespace, and started at once with the long ones they held those off their timers (the
        // matrix's wall was the longest wait plus ~1.5 s of contended lab starts).
        // Lab runs that declare no wait go first, in catalogue order (they may hold the longest timers),
        // then the declared waits, longest first.
        var startOrder = runs
            .Select(r => (Run: r, Wait: r.ScenarioDefinition.ExpectedWaitMs(options.NewRequest(r.Family))))
            .OrderBy(x => x.Wait is null ? 0 : x.Wait > 0 ? 1 : x.Run.ScenarioDefinition.NeedsLab ? 3 : 2)
            .ThenByDescending(x => x.Wait ?? 0)
            .Select(x => x.Run)
            .ToList();
        bool bothFamilies = options.AddressFamilies.Distinct().Count() > 1;
        string Label(MatrixRun r) => bothFamilies ? $"{r.Scenario} ({r.AddressFamily})" : r.Scenario;

        var clock = Stopwatch.StartNew();
        var report = new object();
        var running = new List<MatrixRun>();
        int done = 0;
        void Report(MatrixEvent kind, MatrixRun run)
        {
            // Under the lock: one run's observations go out together, and the counts agree with them.
            lock (report)
            {
                if (kind == MatrixEvent.Started) running.Add(run);
                else
                {
                    running.Remove(run);
                    done++;
                    finished(run);
                }
                progress?.Invoke(new MatrixProgress(kind, run, runs.Count, done, running.Select(Label).ToList(), clock.Elapsed.TotalMilliseconds));
            }
        }

        logger.LogInformation("Matrix: {Runs} runs, at most {Throttle} at a time", runs.Count, options.ThrottleLimit);
        using var gate = new SemaphoreSlim(options.ThrottleLimit);
        var tasks = new List<Task>();
        try
        {
            foreach (MatrixRun run in startOrder)
            {
                await gate.WaitAsync(cancellation).ConfigureAwait(false);
                // A slot freed by a run that was stopped must not start the next one.
                cancellation.ThrowIfCancellationRequested();
                run.Start(clock.Elapsed.TotalMilliseconds);
                Report(MatrixEvent.Started, run);
                // Task.Run: a scenario's synchronous start (process spawn, lab check) must not hold up the next one's.
                tasks.Add(Task.Run(() => RunOneAsync(run, options.NewRequest(run.Family), gate, clock, Report, logger, cancellation)));
            }
        }
        finally
        {
            // Also on cancellation: wait for the started runs to release what they hold.
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        cancellation.ThrowIfCancellationRequested();

        var result = new MatrixResult(runs, clock.Elapsed.TotalMilliseconds, options.ThrottleLimit);
        logger.LogInformation("Matrix: {Result}", result.ToString());
        return result;
    }

    private static async Task RunOneAsync(MatrixRun run, ScenarioRequest request, SemaphoreSlim gate, Stopwatch clock,
        Action<MatrixEvent, MatrixRun> report, ILogger logger, CancellationToken cancellation)
    {
        Exception? failure = null;
        try
        {
            await ScenarioRunner.RunAsync(run.ScenarioDefinition, request, run.Add, logger, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            gate.Release();
            return; // stopped: nothing to report
        }
        catch (Exception ex)
        {
            failure = ex;
            logger.LogWarning("{Scenario} failed: {Message}", run.Scenario, ex.Message);
        }
        run.Finish(clock.Elapsed.TotalMilliseconds, failure, request);
        gate.Release();
        logger.LogInformation("{Run}", run.ToString());
        report(MatrixEvent.Finished, run);
    }
}
