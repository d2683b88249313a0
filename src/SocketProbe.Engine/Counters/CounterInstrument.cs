namespace SocketProbe.Engine.Counters;

/// <summary>
/// Snapshots the kernel's counters before a scenario's first call and after its last, and emits
/// one row (Actor Kernel, Operation Counters, Step = the run's last step + 1) naming what moved.
/// It runs where the scenario's sockets live: inside the lab namespace for lab scenarios, so the
/// figures are exactly the scenario's; in this process's namespace for loopback scenarios, where
/// other traffic (other scenarios run side by side included) counts too. Linux only: elsewhere the
/// counters are read by Get-TcpCounter but no scenario row is added until someone verifies them there.
/// </summary>
public sealed class CounterInstrument : IScenarioInstrument
{
    public Task<IInstrumentRun?> StartAsync(ScenarioContext context)
    {
        // Linux only, where it is measured; Get-TcpCounter reads Windows and macOS (documented, not verified).
        if (PlatformInfo.Current != OsPlatform.Linux) return Task.FromResult<IInstrumentRun?>(null);
        try
        {
            return Task.FromResult<IInstrumentRun?>(new Run(CounterReader.Read(), context.NowMs));
        }
        catch (CountersUnavailableException ex)
        {
            // No counters here (no /proc, a sandbox): the run goes on without the row.
            context.Logger.LogDebug("No counter row for {Scenario}: {Reason}", context.Scenario.Name, ex.Message);
            return Task.FromResult<IInstrumentRun?>(null);
        }
    }

    /// <summary>How far the row's figures are the scenario's own.</summary>
    public static string Scope(ScenarioContext context)
    {
        if (context.Scenario.NeedsLab)
            return "exact: the lab's own network namespace, nothing else runs there";
        string ns = PlatformInfo.Current == OsPlatform.Linux ? $" ({LinuxCounters.NamespaceId() ?? "network namespace unknown"})" : "";
        return $"host-wide: this process's network namespace{ns}, may include other traffic";
    }

    private sealed class Run : IInstrumentRun
    {
        private readonly CounterSnapshot _before;
        private readonly double _startMs;

        public Run(CounterSnapshot before, double startMs) { _before = before; _startMs = startMs; }

        /// <summary>How long the row waits for the counters to stop moving after a loopback run (see FinishAsync).</summary>
        private const int SettleBoundMs = 50;

        public async Task FinishAsync(ScenarioContext context)
        {
            CounterSnapshot after;
            try
            {
                after = CounterReader.Read();
                // The run's last closes send FINs over loopback; the kernel handles them in softirq, which a busy
                // machine defers to ksoftirqd, so a read at once can miss the TIME_WAIT they lead to. Read again
                // until two reads agree (bounded: other traffic in this namespace may never let them).
                if (!context.Scenario.NeedsLab)
                {
                    var settle = System.Diagnostics.Stopwatch.StartNew();
                    while (settle.ElapsedMilliseconds < SettleBoundMs)
                    {
                        await Task.Delay(2).ConfigureAwait(false);
                        CounterSnapshot again = CounterReader.Read();
                        bool still = again.Since(after).Count == 0;
                        after = again;
                        if (still) break;
                    }
                }
            }
            catch (CountersUnavailableException ex)
            {
                context.Logger.LogDebug("No counter row for {Scenario}: {Reason}", context.Scenario.Name, ex.Message);
                return;
            }
            var moved = after.Since(_before);
            double window = context.NowMs - _startMs;
            string what = moved.Count == 0 ? "nothing moved" : CounterCatalog.Describe(moved);
            // Not a call: no ElapsedMs (the window it covers is in the Note).
            context.Event(new ScenarioStep(context.StepAfterRun, Actors.Kernel, "Counters"), Results.Success, null,
                $"{what} ({Scope(context)}; over the run's {window:F0} ms)", atMs: context.NowMs);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
