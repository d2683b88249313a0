namespace SocketProbe.Engine;

/// <summary>
/// Something that watches a whole scenario run from outside its socket calls (the kernel's
/// counters, the wire) and adds rows of its own (Actor Kernel or Wire). Started before the
/// scenario's first call, finished after its last, in the process where the scenario's sockets
/// live: the host for loopback scenarios, the lab namespace for lab ones.
/// </summary>
public interface IScenarioInstrument
{
    /// <summary>Begin watching this run; null when the instrument has nothing to do for it (not asked for, cannot run here).</summary>
    Task<IInstrumentRun?> StartAsync(ScenarioContext context);
}

/// <summary>One instrument watching one run.</summary>
public interface IInstrumentRun : IAsyncDisposable
{
    /// <summary>The run's socket calls are over: emit this instrument's rows through <see cref="ScenarioContext.Emit"/>.</summary>
    Task FinishAsync(ScenarioContext context);
}

/// <summary>The one place instruments are registered, and the one way a run is wrapped by them.</summary>
public static class ScenarioInstruments
{
    /// <summary>
    /// Instruments that watch from the host whatever namespace the run is in (the kernel's trace
    /// sees every namespace; inside the lab, a user namespace's root may not read it).
    /// </summary>
    public static IReadOnlyList<IScenarioInstrument> HostWide { get; } = new IScenarioInstrument[]
    {
        new Trace.TraceInstrument(),
    };

    /// <summary>Every instrument of a run in this process's namespace, in the order they start (and finish).</summary>
    public static IReadOnlyList<IScenarioInstrument> All { get; } = new IScenarioInstrument[]
    {
        new Counters.CounterInstrument(),
        new Wire.WireInstrument(),
    }.Concat(HostWide).ToArray();

    /// <summary>The instruments of a run inside the lab namespace (LabMode): the host-wide ones watch it from outside.</summary>
    public static IReadOnlyList<IScenarioInstrument> InLab { get; } = All.Except(HostWide).ToArray();

    /// <summary>Run <paramref name="body"/> with every applicable instrument of <paramref name="instruments"/> watching it.</summary>
    public static async Task RunAsync(ScenarioContext context, Func<Task> body, IReadOnlyList<IScenarioInstrument> instruments)
    {
        // Before the counters' first snapshot: the warm-up's own loopback traffic must not count as the run's.
        // (A lab run's host side makes no calls of its own here: nothing to warm.)
        if (!ReferenceEquals(instruments, HostWide)) await CallWarmup.EnsureAsync().ConfigureAwait(false);
        var runs = new List<IInstrumentRun>();
        try
        {
            foreach (IScenarioInstrument instrument in instruments)
            {
                if (await instrument.StartAsync(context).ConfigureAwait(false) is IInstrumentRun run) runs.Add(run);
            }
            await body().ConfigureAwait(false);
            foreach (IInstrumentRun run in runs) await run.FinishAsync(context).ConfigureAwait(false);
        }
        finally
        {
            for (int i = runs.Count - 1; i >= 0; i--) await runs[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}
