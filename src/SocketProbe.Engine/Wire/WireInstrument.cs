namespace SocketProbe.Engine.Wire;

/// <summary>
/// -Capture: the run's own segments and the ICMP errors about them, as Wire rows in time order
/// among the call rows. Runs where the sockets live: on the host it captures on lo and keeps the
/// flows of the run's own ports; inside the lab (a namespace of the run's own) it keeps everything.
/// While capturing, the run's rows are held and released sorted by AtMs at the end; without
/// -Capture nothing is opened and rows stream as they happen.
/// </summary>
public sealed class WireInstrument : RowHoldingInstrument
{
    protected override string Operation => "Capture";
    protected override string Actor => Actors.Wire;
    protected override bool IsAsked(ScenarioRequest request) => request.Capture;
    protected override bool IsUnavailable(Exception e) => e is WireUnavailableException;

    protected override Run Open(ScenarioContext context)
    {
        // Inside the lab the process lives for this one run: a ring-less socket opens without a
        // kernel grace period. On the host every run shares one ring on lo (WireHub).
        if (context.Scenario.NeedsLab)
        {
            var capture = WireCapture.StartPlain();
            return new WireRun(new Source(capture.Take, () => capture.Dropped, capture), context);
        }
        var lease = WireHub.Acquire();
        return new WireRun(new Source(() => lease.Take(), () => lease.Lost, lease), context);
    }

    /// <summary>Where a run's packets come from: its own capture (lab) or a lease on the shared one (host).</summary>
    private sealed record Source(Func<List<WireSegment>> Take, Func<long> Dropped, IDisposable Owner);

    private sealed class WireRun : Run
    {
        private readonly Source _capture;
        private readonly long _anchorNs;

        public WireRun(Source capture, ScenarioContext context) : base(context)
        {
            _capture = capture;
            // The kernel stamps packets on CLOCK_REALTIME; rows are on the run's Stopwatch: one anchor joins them.
            _anchorNs = WireCapture.UnixNowNanoseconds();
        }

        protected override string Unit => "packets";

        protected override (int Kept, int Seen) EmitRows(ScenarioContext context)
        {
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
            List<Observation> rows = WireRows.Build(segments, owns, ns => AnchorMs + (ns - _anchorNs) / 1e6, peerOf);
            if (context.Request.PcapPath is string pcapPath) WritePcap(pcapPath, WireRows.Mine(segments, owns, peerOf), context);
            foreach (Observation row in rows) context.Emit(row);
            return (rows.Count, segments.Count);
        }

        protected override (long Lost, string Note) Losses()
        {
            long dropped = _capture.Dropped();
            return (dropped, $"{dropped} packets were dropped by the capture (too many at once): some segments may be missing");
        }

        protected override void CloseSource()
        {
            // A socket's close waits for a kernel grace period: in the lab, let it overlap the lab's own teardown.
            if (Context.Scenario.NeedsLab) _ = Task.Run(_capture.Owner.Dispose);
            else _capture.Owner.Dispose();
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
    }
}
