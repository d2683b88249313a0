namespace SocketProbe.Engine.Wire;

/// <summary>
/// -Capture: the run's own segments and the ICMP errors about them, as Wire rows in time order
/// among the call rows. Runs where the sockets live: on the host it captures on lo and keeps the
/// flows of the run's own ports; inside the lab (a namespace of the run's own) it keeps everything.
/// While capturing, the run's rows are held and released sorted by AtMs at the end; without
/// -Capture nothing is opened and rows stream as they happen.
/// </summary>
public sealed class WireInstrument : IScenarioInstrument
{
    public Task<IInstrumentRun?> StartAsync(ScenarioContext context)
    {
        if (!context.Request.Capture) return Task.FromResult<IInstrumentRun?>(null);
        Source source;
        long opening = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            // Inside the lab the process lives for this one run: a ring-less socket opens without a
            // kernel grace period. On the host every run shares one ring on lo (WireHub).
            if (context.Scenario.NeedsLab)
            {
                var capture = WireCapture.StartPlain();
                source = new Source(capture.Take, () => capture.Dropped, capture);
            }
            else
            {
                var lease = WireHub.Acquire();
                source = new Source(() => lease.Take(), () => lease.Lost, lease);
            }
        }
        catch (WireUnavailableException e)
        {
            context.Logger.LogInformation("No capture for {Scenario}: {Reason}", context.Scenario.Name, e.Message);
            context.Emit(new Observation { Step = 0, Actor = Actors.Wire, Operation = "Capture", Result = Results.Skipped, Note = e.Message, AtMs = context.NowMs });
            return Task.FromResult<IInstrumentRun?>(null);
        }
        context.HoldRows();
        return Task.FromResult<IInstrumentRun?>(new Run(source, context, System.Diagnostics.Stopwatch.GetElapsedTime(opening).TotalMilliseconds));
    }

    /// <summary>Where a run's packets come from: its own capture (lab) or a lease on the shared one (host).</summary>
    private sealed record Source(Func<List<WireSegment>> Take, Func<long> Dropped, IDisposable Owner);

    private sealed class Run : IInstrumentRun
    {
        private readonly Source _capture;
        private readonly ScenarioContext _context;
        private readonly long _anchorNs;
        private readonly double _anchorMs;
        private readonly double _openMs;

        public Run(Source capture, ScenarioContext context, double openMs)
        {
            _capture = capture;
            _context = context;
            _openMs = openMs;
            // The kernel stamps packets on CLOCK_REALTIME; rows are on the run's Stopwatch: one anchor joins them.
            _anchorMs = context.NowMs;
            _anchorNs = WireCapture.UnixNowNanoseconds();
        }

        public Task FinishAsync(ScenarioContext context)
        {
            long finishing = System.Diagnostics.Stopwatch.GetTimestamp();
            // No settle wait: lo taps a segment as it receives it, in the softirq the sending call runs
            // before it returns (inline even while ksoftirqd is busy since Linux 6.5) and before TCP
            // delivers it, so what the calls caused is already in the ring. Measured: 730,000 foreign
            // frames/s on lo beside 2 busy loops lost no run's segment; a full ring did (PacketRing).
            bool inLab = context.Scenario.NeedsLab;
            // Outside the lab, only the families the run's own sockets used (ports repeat across families).
            List<WireSegment> segments = _capture.Take();
            if (!inLab) segments = segments.Where(s => context.UsesFamily(s.Source)).ToList();
            WireRows.Ownership? owns = inLab ? null : context.Owns;
            WireRows.PeerOf? peerOf = inLab ? null : context.PeerOf;
            List<Observation> rows = WireRows.Build(segments, owns, ns => _anchorMs + (ns - _anchorNs) / 1e6, peerOf);
            if (context.Request.PcapPath is string pcapPath) WritePcap(pcapPath, WireRows.Mine(segments, owns, peerOf), context);
            foreach (Observation row in rows) context.Emit(row);
            long dropped = _capture.Dropped();
            if (dropped > 0)
                context.Event(new ScenarioStep(0, Actors.Wire, "Capture"), Results.Success, null,
                    $"{dropped} packets were dropped by the capture (too many at once): some segments may be missing");
            // bench/Capture.Bench.ps1 reads this line: the capture's own cost, opening and finishing.
            context.Logger.LogDebug("Capture for {Scenario}: {Kept} of {Seen} packets are the run's own; open {OpenMs:F3} ms, finish {FinishMs:F3} ms",
                context.Scenario.Name, rows.Count, segments.Count, _openMs, System.Diagnostics.Stopwatch.GetElapsedTime(finishing).TotalMilliseconds);
            return Task.CompletedTask;
        }

        /// <summary>The run's own packets as a pcapng file, in the kernel's order.</summary>
        private static void WritePcap(string path, List<WireSegment> mine, ScenarioContext context)
        {
            try
            {
                using var writer = Capture.PcapNgWriter.Create(path, $"SocketProbe {context.Scenario.Name}");
                foreach (WireSegment s in mine)
                    if (s.Packet is byte[] packet) writer.Write(s.UnixNanoseconds, packet, s.OriginalLength);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                context.Event(new ScenarioStep(0, Actors.Wire, "Capture"), Results.Error, null, $"-PcapPath: cannot write {path}: {e.Message}");
            }
        }

        public ValueTask DisposeAsync()
        {
            // A socket's close waits for a kernel grace period: in the lab, let it overlap the lab's own teardown.
            if (_context.Scenario.NeedsLab) _ = Task.Run(_capture.Owner.Dispose);
            else _capture.Owner.Dispose();
            _context.ReleaseRows();
            return ValueTask.CompletedTask;
        }
    }
}
