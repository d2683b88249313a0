using TraceLease = SocketProbe.Engine.SharedHub<SocketProbe.Engine.Trace.TraceHub.Instance, SocketProbe.Engine.Trace.TcpResetEvent, double>.Lease;

namespace SocketProbe.Engine.Trace;

/// <summary>
/// -Trace: the kernel's own account of the run's resets and drops, as Kernel rows in time order
/// among the calls: RstSent (this host's TCP sent it, Message = the kernel's reason), RstReceived
/// (Message = the reason of this host's own send, or empty when it never sent it: the peer or a
/// middlebox), Drop (Message = the drop reason). Runs on the host for every run, lab runs included:
/// tracepoints fire in every namespace, and a run's flows are told apart by its own ports (the lab
/// reports its ports at its end).
/// </summary>
public sealed class TraceInstrument : IScenarioInstrument
{
    public Task<IInstrumentRun?> StartAsync(ScenarioContext context)
    {
        if (!context.Request.Trace) return Task.FromResult<IInstrumentRun?>(null);
        long opening = System.Diagnostics.Stopwatch.GetTimestamp();
        TraceLease lease;
        try { lease = TraceHub.Acquire(); }
        catch (Exception e) when (e is TraceUnavailableException or IOException or UnauthorizedAccessException)
        {
            context.Logger.LogInformation("No trace for {Scenario}: {Reason}", context.Scenario.Name, e.Message);
            context.Emit(new Observation { Step = 0, Actor = Actors.Kernel, Operation = "Trace", Result = Results.Skipped, Note = e.Message, AtMs = context.NowMs });
            return Task.FromResult<IInstrumentRun?>(null);
        }
        context.HoldRows();
        return Task.FromResult<IInstrumentRun?>(new Run(lease, context, System.Diagnostics.Stopwatch.GetElapsedTime(opening).TotalMilliseconds));
    }

    private sealed class Run : IInstrumentRun
    {
        private readonly TraceLease _lease;
        private readonly ScenarioContext _context;
        private readonly double _anchorMs;
        private readonly double _anchorSeconds;
        private readonly double _openMs;

        public Run(TraceLease lease, ScenarioContext context, double openMs)
        {
            _lease = lease;
            _context = context;
            _openMs = openMs;
            // The trace is stamped on CLOCK_MONOTONIC, the Stopwatch's clock: one anchor joins it to the run's AtMs.
            _anchorMs = context.NowMs;
            _anchorSeconds = System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency;
        }

        public Task FinishAsync(ScenarioContext context)
        {
            long finishing = System.Diagnostics.Stopwatch.GetTimestamp();
            List<TcpResetEvent> events = _lease.Take(settle: true);
            int kept = 0;
            foreach (TcpResetEvent e in events)
            {
                if (!Mine(e, context)) continue;
                kept++;
                context.Emit(Row(e));
            }
            if (!_lease.Source.HasResetReason)
                context.Event(new ScenarioStep(0, Actors.Kernel, "Trace"), Results.Success, null,
                    "this kernel's tcp_send_reset has no reason field (before Linux 6.10): which side sent each RST is shown, not why");
            if (_lease.Lost > 0)
                context.Event(new ScenarioStep(0, Actors.Kernel, "Trace"), Results.Success, null,
                    $"{_lease.Lost} trace events were overwritten before they were read (too many at once): some resets may be missing");
            // bench/WatchTcpReset.Bench.ps1 reads this line: the trace's own cost, opening and finishing.
            context.Logger.LogDebug("Trace for {Scenario}: {Kept} of {Seen} events are the run's own; open {OpenMs:F3} ms, finish {FinishMs:F3} ms",
                context.Scenario.Name, kept, events.Count, _openMs, System.Diagnostics.Stopwatch.GetElapsedTime(finishing).TotalMilliseconds);
            return Task.CompletedTask;
        }

        /// <summary>An event of the run's own flows: one end on a port the run used.</summary>
        private static bool Mine(TcpResetEvent e, ScenarioContext context) =>
            (e.LocalPort is int lp && context.Owns(ProtocolType.Tcp, lp, out _)) || (e.RemotePort is int rp && context.Owns(ProtocolType.Tcp, rp, out _));

        private Observation Row(TcpResetEvent e) => new()
        {
            Step = 0,
            Actor = Actors.Kernel,
            Operation = e.Direction switch { "Sent" => "RstSent", "Received" => "RstReceived", _ => "Drop" },
            Result = Results.Success,
            Message = e.Reason,
            Note = e.Direction switch
            {
                "Sent" => $"{e.LocalAddress}:{e.LocalPort} > {e.RemoteAddress}:{e.RemotePort} in {e.State}: {e.ReasonText}. {e.VerdictText}",
                "Received" => $"{e.RemoteAddress}:{e.RemotePort} > {e.LocalAddress}:{e.LocalPort}: {e.VerdictText}",
                _ => $"{e.ReasonText} at {e.Location}" + (e.Note is null ? "" : $" ({e.Note})"),
            },
            AtMs = Math.Max(0, _anchorMs + (e.MonotonicSeconds - _anchorSeconds) * 1000),
        };

        public ValueTask DisposeAsync()
        {
            _lease.Dispose();
            _context.ReleaseRows();
            return ValueTask.CompletedTask;
        }
    }
}
