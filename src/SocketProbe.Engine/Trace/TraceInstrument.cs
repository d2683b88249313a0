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
public sealed class TraceInstrument : RowHoldingInstrument
{
    protected override string Operation => "Trace";
    protected override string Actor => Actors.Kernel;
    protected override bool IsAsked(ScenarioRequest request) => request.Trace;
    protected override bool IsUnavailable(Exception e) => e is TraceUnavailableException or IOException or UnauthorizedAccessException;
    protected override Run Open(ScenarioContext context) => new TraceRun(TraceHub.Acquire(), context);

    private sealed class TraceRun : Run
    {
        private readonly TraceLease _lease;
        private readonly double _anchorSeconds;

        public TraceRun(TraceLease lease, ScenarioContext context) : base(context)
        {
            _lease = lease;
            // The trace is stamped on CLOCK_MONOTONIC, the Stopwatch's clock: one anchor joins it to the run's AtMs.
            _anchorSeconds = Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        }

        protected override string Unit => "events";

        protected override (int Kept, int Seen) EmitRows(ScenarioContext context)
        {
            List<TcpResetEvent> events = _lease.Take(settle: true);
            int kept = 0;
            var untied = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (TcpResetEvent e in events)
            {
                if (Mine(e, context))
                {
                    kept++;
                    context.Emit(Row(e));
                }
                else if (e.Direction == "Dropped" && e.LocalPort is null && e.Reason is string reason) untied[reason] = untied.GetValueOrDefault(reason) + 1;
            }
            // A drop is the run's only when the tracker tied it to a flow (the same skb or socket drew an
            // RST here); kfree_skb itself carries no addresses. The others are not claimed: one row says
            // what this host dropped meanwhile (a lab firewall's silent drops show here), never whose.
            if (untied.Count > 0)
                context.Event(new ScenarioStep(0, Actors.Kernel, "Trace"), Results.Success, null,
                    $"this host's kernel dropped packets during the run: {string.Join("; ", untied.Select(d => $"{d.Value} {d.Key}: {ResetReasons.DescribeDrop(d.Key)}"))}. " +
                    "Its drop event carries no addresses, so which were this run's cannot be told (other programs' and side-by-side runs' count too); Watch-TcpReset -IncludeDrops shows each with where the kernel dropped it");
            if (!_lease.Source.HasResetReason)
                context.Event(new ScenarioStep(0, Actors.Kernel, "Trace"), Results.Success, null,
                    "this kernel's tcp_send_reset has no reason field (before Linux 6.10): which side sent each RST is shown, not why");
            return (kept, events.Count);
        }

        protected override (long Lost, string Note) Losses() =>
            (_lease.Lost, $"{_lease.Lost} trace events were overwritten before they were read (too many at once): some resets may be missing");

        protected override void CloseSource() => _lease.Dispose();

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
            AtMs = Math.Max(0, AnchorMs + (e.MonotonicSeconds - _anchorSeconds) * 1000),
        };
    }
}
