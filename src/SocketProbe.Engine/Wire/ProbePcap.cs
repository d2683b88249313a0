using SocketProbe.Engine.Capture;

namespace SocketProbe.Engine.Wire;

/// <summary>
/// -PcapPath for the probes: their capture sees every interface of the host, so only the run's own
/// flows are written. A flow is the run's once the probe claims it by its local port and target
/// (<see cref="Own"/>): at connect (a held connection) or when the attempt ends (the prober). Until
/// then the segments to and from a target the run expects wait, per flow, from the flow's SYN on; a
/// flow nobody claims within the hold is someone else's on the host and is dropped unwritten.
/// A claimed flow stays the run's until a new SYN on its ports (the port reused by another connection).
/// Packets are written in time order once older than the hold, since no later claim can reach back that far.
/// </summary>
internal sealed class ProbePcap : IDisposable
{
    /// <summary>A flow named as the probe names it: its local port and its target (the local address is the kernel's choice).</summary>
    private readonly record struct FlowKey(int LocalPort, IPAddress Target, int TargetPort);

    private sealed class Pending
    {
        public readonly List<WireSegment> Segments = new();
        public uint? SynSequence;
    }

    private readonly object _lock = new();
    private readonly PcapNgWriter _writer;
    private readonly long _holdNanoseconds;
    private readonly HashSet<(IPAddress Address, int Port)> _targets = new();
    private readonly Dictionary<FlowKey, Pending> _pending = new();
    /// <summary>The run's flows, with their SYN's sequence (a retransmitted SYN is the same flow's; another is a new flow's).</summary>
    private readonly Dictionary<FlowKey, uint?> _owned = new();
    private readonly List<WireSegment> _unwritten = new();
    private bool _disposed;

    public ProbePcap(PcapNgWriter writer, TimeSpan hold)
    {
        _writer = writer;
        _holdNanoseconds = (long)hold.TotalMilliseconds * 1_000_000;
    }

    public long Written { get; private set; }

    /// <summary>The run is about to connect to <paramref name="target"/>: keep its flows' segments until they are claimed or the hold passes.</summary>
    public void Expect(IPEndPoint target)
    {
        lock (_lock) _targets.Add((Plain(target.Address), target.Port));
    }

    /// <summary>This flow is the run's: what waited of it since its SYN is kept, and what comes later.</summary>
    public void Own(IPEndPoint local, IPEndPoint target)
    {
        lock (_lock)
        {
            var key = new FlowKey(local.Port, Plain(target.Address), target.Port);
            _targets.Add((key.Target, key.TargetPort));
            if (_pending.Remove(key, out Pending? waiting))
            {
                _unwritten.AddRange(waiting.Segments);
                _owned[key] = waiting.SynSequence;
            }
            else _owned.TryAdd(key, null);
        }
    }

    /// <summary>Sort newly captured segments: the run's own are kept, those of flows to its targets wait, the rest are dropped.</summary>
    public void Absorb(IEnumerable<WireSegment> fresh, long nowNanoseconds)
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (WireSegment s in fresh)
            {
                if (s.Packet is null || KeyOf(s) is not FlowKey key) continue;
                uint? syn = s.Protocol == WireProtocol.Tcp && s.Has(WireSegment.Syn) && !s.Has(WireSegment.Ack) ? s.Sequence : null;
                if (_owned.TryGetValue(key, out uint? ownSyn))
                {
                    if (syn is null || ownSyn is null || syn == ownSyn)
                    {
                        _owned[key] = ownSyn ?? syn;
                        _unwritten.Add(s);
                        continue;
                    }
                    _owned.Remove(key); // a new connection on these ports: the run's only if claimed again
                }
                if (!_pending.TryGetValue(key, out Pending? pending) || (syn is not null && syn != pending.SynSequence))
                    _pending[key] = pending = new Pending { SynSequence = syn };
                pending.Segments.Add(s);
            }
            Flush(nowNanoseconds - _holdNanoseconds);
        }
    }

    /// <summary>Write what is older than <paramref name="before"/>; drop flows that waited that long unclaimed.</summary>
    private void Flush(long before)
    {
        foreach (var (key, pending) in _pending.Where(p => p.Value.Segments[0].UnixNanoseconds < before).ToList())
            _pending.Remove(key);
        // Stable: segments of one time keep the kernel's order.
        List<WireSegment> ordered = _unwritten.OrderBy(s => s.UnixNanoseconds).ToList();
        int due = ordered.FindIndex(s => s.UnixNanoseconds >= before);
        if (due < 0) due = ordered.Count;
        foreach (WireSegment s in ordered.Take(due)) _writer.Write(s.UnixNanoseconds, s.Packet!, s.OriginalLength);
        Written += due;
        _unwritten.Clear();
        _unwritten.AddRange(ordered.Skip(due));
    }

    /// <summary>The flow a segment belongs to, when one of its ends (or, for an ICMP error, the packet it quotes) is a target of the run.</summary>
    private FlowKey? KeyOf(WireSegment s)
    {
        switch (s.Protocol)
        {
            case WireProtocol.Tcp:
                if (_targets.Contains((Plain(s.Destination), s.DestinationPort))) return new FlowKey(s.SourcePort, Plain(s.Destination), s.DestinationPort);
                if (_targets.Contains((Plain(s.Source), s.SourcePort))) return new FlowKey(s.DestinationPort, Plain(s.Source), s.SourcePort);
                return null;
            case WireProtocol.Icmp when s.QuotedProtocol == WireProtocol.Tcp && s.QuotedDestination is IPAddress quoted &&
                                        _targets.Contains((Plain(quoted), s.QuotedDestinationPort)):
                return new FlowKey(s.QuotedSourcePort, Plain(quoted), s.QuotedDestinationPort);
            default:
                return null;
        }
    }

    /// <summary>An IPv4 address as the wire shows it, also when a dual-stack socket names it IPv4-mapped.</summary>
    private static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Write every kept segment and close the file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            Flush(long.MaxValue);
            _disposed = true;
            _writer.Dispose();
        }
    }
}
