namespace SocketProbe.Engine;

/// <summary>
/// An instrument whose rows stand in time order among the run's calls (-Capture's Wire rows, -Trace's Kernel
/// rows): while it runs the context holds every row and releases them sorted at its dispose. What is shared:
/// a source that cannot open says Skipped with its reason; the open and the finish are timed for the benches.
/// </summary>
public abstract class RowHoldingInstrument : IScenarioInstrument
{
    /// <summary>The instrument's step name (Capture, Trace): its Skipped and note rows, and its log lines.</summary>
    protected abstract string Operation { get; }
    /// <summary>The Actor of its rows (Wire, Kernel).</summary>
    protected abstract string Actor { get; }

    /// <summary>Whether this run asked for it.</summary>
    protected abstract bool IsAsked(ScenarioRequest request);

    /// <summary>Open its source for this run; throws what <see cref="IsUnavailable"/> names when it cannot here.</summary>
    protected abstract Run Open(ScenarioContext context);

    /// <summary>A failure to open that means the instrument cannot run here (the run goes on without it).</summary>
    protected abstract bool IsUnavailable(Exception e);

    public Task<IInstrumentRun?> StartAsync(ScenarioContext context)
    {
        if (!IsAsked(context.Request)) return Task.FromResult<IInstrumentRun?>(null);
        long opening = Stopwatch.GetTimestamp();
        Run run;
        try { run = Open(context); }
        catch (Exception e) when (IsUnavailable(e))
        {
            context.Logger.LogInformation("No {Instrument} for {Scenario}: {Reason}", Operation.ToLowerInvariant(), context.Scenario.Name, e.Message);
            context.Emit(new Observation { Step = 0, Actor = Actor, Operation = Operation, Result = Results.Skipped, Note = e.Message, AtMs = context.NowMs });
            return Task.FromResult<IInstrumentRun?>(null);
        }
        run.Opened(this, Stopwatch.GetElapsedTime(opening).TotalMilliseconds);
        return Task.FromResult<IInstrumentRun?>(run);
    }

    /// <summary>One run of the instrument: emits its rows at the finish, releases the held rows at its dispose.</summary>
    protected abstract class Run : IInstrumentRun
    {
        private RowHoldingInstrument? _instrument;
        private double _openMs;

        protected Run(ScenarioContext context)
        {
            Context = context;
            AnchorMs = context.NowMs;
        }

        protected ScenarioContext Context { get; }

        /// <summary>The run's clock (AtMs) when the run was opened: the subclass reads its source's clock beside it, one anchor joining the two.</summary>
        protected double AnchorMs { get; }

        internal void Opened(RowHoldingInstrument instrument, double openMs)
        {
            (_instrument, _openMs) = (instrument, openMs);
            Context.HoldRows();
        }

        /// <summary>Emit the run's own rows; the counts are what the debug line reports.</summary>
        protected abstract (int Kept, int Seen) EmitRows(ScenarioContext context);

        /// <summary>What its source lost (0: nothing), and the note that says so.</summary>
        protected abstract (long Lost, string Note) Losses();

        /// <summary>The noun of what the source gives (events, packets), for the debug line.</summary>
        protected abstract string Unit { get; }

        /// <summary>Close the source (the held rows are released after it).</summary>
        protected abstract void CloseSource();

        public Task FinishAsync(ScenarioContext context)
        {
            long finishing = Stopwatch.GetTimestamp();
            (int kept, int seen) = EmitRows(context);
            (long lost, string note) = Losses();
            if (lost > 0) context.Event(new ScenarioStep(0, _instrument!.Actor, _instrument.Operation), Results.Success, null, note);
            // bench/Capture.Bench.ps1 and bench/Watch-TcpReset.Bench.ps1 read this line: the instrument's own cost, opening and finishing.
            context.Logger.LogDebug("{Instrument} for {Scenario}: {Kept} of {Seen} {Unit} are the run's own; open {OpenMs:F3} ms, finish {FinishMs:F3} ms",
                _instrument!.Operation, context.Scenario.Name, kept, seen, Unit, _openMs, Stopwatch.GetElapsedTime(finishing).TotalMilliseconds);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            CloseSource();
            Context.ReleaseRows();
            return ValueTask.CompletedTask;
        }
    }
}
