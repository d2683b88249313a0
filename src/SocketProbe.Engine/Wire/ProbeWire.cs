namespace SocketProbe.Engine.Wire;

/// <summary>
/// -Capture for the prober: one capture on every interface for the whole probe run; after each
/// attempt, the TTL (IPv6: hop limit) of the target's SYN-ACK and RST on that attempt's own flow,
/// whether the RST came from the peer or the path, and the router behind an ICMP error.
/// A refused attempt has no SYN-ACK of its own: its RST is compared with a SYN-ACK the same
/// address sent earlier in this run (another port, an earlier round), else it is Unknown.
/// With -PcapPath it also writes the run's own flows (never the host's other traffic) to a pcapng file.
/// </summary>
public sealed class ProbeWire : IDisposable
{
    /// <summary>How often the capture is sorted while nobody asks (a held connection may be quiet for hours).</summary>
    private const int PullEveryMs = 1_000;
    private readonly WireCapture? _capture;
    private readonly ProbeFlows _flows = new();
    private readonly ProbePcap? _pcap;
    private readonly Timer? _pull;
    private readonly object _lock = new();

    private ProbeWire(WireCapture? capture, string? unavailable, ProbePcap? pcap)
    {
        _capture = capture;
        Unavailable = unavailable;
        _pcap = pcap;
        if (capture is not null) _pull = new Timer(_ => Pull(), null, PullEveryMs, PullEveryMs);
    }

    /// <summary>Why nothing is captured (no privilege, no technique here); null when capturing.</summary>
    public string? Unavailable { get; }

    /// <summary>
    /// Start capturing. With <paramref name="pcapPath"/>, the run's own flows are written there; a flow is
    /// the run's when the probe claims it (<see cref="Own"/>, <see cref="Annotate"/>) within
    /// <paramref name="claimWithin"/> of its SYN: the longest an attempt may take before it says its local port.
    /// </summary>
    public static ProbeWire Start(string? pcapPath = null, TimeSpan? claimWithin = null)
    {
        WireCapture capture;
        try { capture = WireCapture.Start("any"); }
        catch (WireUnavailableException e) { return new ProbeWire(null, e.Message, null); }
        if (pcapPath is null) return new ProbeWire(capture, null, null);
        try
        {
            return new ProbeWire(capture, null, new ProbePcap(Capture.PcapNgWriter.Create(pcapPath, "SocketProbe probe"), claimWithin ?? TimeSpan.FromMinutes(1)));
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>Packets the capture dropped for want of room (the ring sees every interface): some of the run's own may be missing.</summary>
    public long Dropped => _capture?.Dropped ?? 0;

    /// <summary>Packets written to the -PcapPath file so far (all of them once disposed).</summary>
    public long PacketsWritten => _pcap?.Written ?? 0;

    /// <summary>The run is about to connect to <paramref name="target"/> (-PcapPath keeps its flows' segments until claimed).</summary>
    public void Expect(IPEndPoint target) => _pcap?.Expect(target);

    /// <summary>The flow from <paramref name="local"/> to <paramref name="target"/> is the run's own: -PcapPath writes it.</summary>
    public void Own(IPEndPoint? local, IPEndPoint target)
    {
        if (_pcap is null || local is null) return;
        Pull();
        _pcap.Own(local, target);
    }

    /// <summary>Fill the wire fields of <paramref name="result"/> from the segments of its flow (local endpoint to target); nothing when not capturing.</summary>
    public void Annotate(IWireFields result, IPEndPoint? local, IPEndPoint target)
    {
        if (Inspect(local, target) is not WireVerdict v) return;
        (result.SynAckTtl, result.ResetTtl, result.ResetFrom, result.IcmpFrom) = (v.SynAckTtl, v.ResetTtl, v.ResetFrom, v.IcmpFrom);
    }

    /// <summary>The wire's answer for one flow: its SYN-ACK's and RST's TTL, where the RST came from, the router of an ICMP error. Null when not capturing.</summary>
    public WireVerdict? Inspect(IPEndPoint? local, IPEndPoint target)
    {
        if (_capture is null || local is null) return null;
        Pull();
        _pcap?.Own(local, target);
        return _flows.Verdict(Array.Empty<WireSegment>(), local, target, WireCapture.UnixNowNanoseconds());
    }

    /// <summary>Take what the capture holds and hand it to the verdicts and the file.</summary>
    private void Pull()
    {
        if (_capture is null) return;
        lock (_lock)
        {
            List<WireSegment> fresh = _capture.Take();
            long now = WireCapture.UnixNowNanoseconds();
            _flows.Absorb(fresh, now);
            _pcap?.Absorb(fresh, now);
        }
    }

    public void Dispose()
    {
        _pull?.Dispose();
        lock (_lock)
        {
            // What came in since the last pull belongs in the file too.
            if (_pcap is not null) Pull();
            _capture?.Dispose();
            _pcap?.Dispose();
        }
    }
}

/// <summary>
/// What the probe capture keeps between attempts, and the verdict for one flow. A flow is named by
/// its ports, which the kernel reuses: only segments from the flow's own latest SYN on count, so an
/// RST (or ICMP error) left over from an earlier connection on the same local port is not this one's.
/// </summary>
internal sealed class ProbeFlows
{
    private const long KeepNanoseconds = 60L * 1_000_000_000;
    private const int MaxFlows = 100_000;
    private readonly object _lock = new();
    private readonly List<WireSegment> _segments = new();
    private readonly Dictionary<IPAddress, int> _synAckTtl = new();
    private readonly Dictionary<(IPAddress Target, int TargetPort, int LocalPort), (int Ttl, long At)> _flowSynAck = new();
    private readonly Dictionary<(IPAddress Target, int TargetPort, int LocalPort), long> _flowSyn = new();

    /// <summary>Keep of newly captured segments what a verdict needs; forget resets and ICMP errors older than a minute.</summary>
    public void Absorb(IEnumerable<WireSegment> fresh, long nowNanoseconds)
    {
        lock (_lock)
        {
            foreach (WireSegment s in fresh)
            {
                // Only what a verdict needs is kept (the capture sees every interface's traffic). A flow's
                // SYN-ACK TTL is kept apart: a held connection (Watch-TcpConnection) may end long after it.
                if (s.Protocol == WireProtocol.Tcp && s.Has(WireSegment.Syn) && !s.Has(WireSegment.Ack) && !s.Has(WireSegment.Rst))
                {
                    if (_flowSyn.Count > MaxFlows) _flowSyn.Clear();
                    _flowSyn[(s.Destination, s.DestinationPort, s.SourcePort)] = s.UnixNanoseconds;
                }
                if (WireRows.IsSynAck(s))
                {
                    _synAckTtl[s.Source] = s.Ttl;
                    if (_flowSynAck.Count > MaxFlows) _flowSynAck.Clear();
                    _flowSynAck[(s.Source, s.SourcePort, s.DestinationPort)] = (s.Ttl, s.UnixNanoseconds);
                }
                if (s.Has(WireSegment.Rst) || s.Protocol == WireProtocol.Icmp) _segments.Add(s);
            }
            long cutoff = nowNanoseconds - KeepNanoseconds;
            _segments.RemoveAll(s => s.UnixNanoseconds < cutoff);
        }
    }

    public WireVerdict Verdict(IEnumerable<WireSegment> fresh, IPEndPoint local, IPEndPoint target, long nowNanoseconds)
    {
        lock (_lock)
        {
            Absorb(fresh, nowNanoseconds);
            var key = (target.Address, target.Port, local.Port);
            long since = _flowSyn.Remove(key, out long synAt) ? synAt : long.MinValue;
            int? synAck = _flowSynAck.Remove(key, out var own) && own.At >= since ? own.Ttl : null;
            WireSegment? reset = _segments.FirstOrDefault(s => s.UnixNanoseconds >= since && s.Protocol == WireProtocol.Tcp && s.Has(WireSegment.Rst) &&
                s.SourcePort == target.Port && s.DestinationPort == local.Port && s.Source.Equals(target.Address));
            string? from = null;
            if (reset is not null)
            {
                int? reference = synAck ?? (_synAckTtl.TryGetValue(target.Address, out int t) ? t : null);
                from = WireRows.Judge(reference, reset.Ttl).ToString();
            }
            WireSegment? icmp = _segments.FirstOrDefault(s => s.UnixNanoseconds >= since && s.Protocol == WireProtocol.Icmp && s.QuotedProtocol == WireProtocol.Tcp &&
                s.QuotedSourcePort == local.Port && s.QuotedDestinationPort == target.Port && target.Address.Equals(s.QuotedDestination));
            // What this flow's verdict used is done with.
            _segments.RemoveAll(s => ReferenceEquals(s, reset) || ReferenceEquals(s, icmp));
            return new WireVerdict(synAck, reset?.Ttl, from, icmp?.Source.ToString());
        }
    }
}

/// <summary>What the wire said about one flow (see <see cref="ProbeWire.Inspect"/>).</summary>
public sealed record WireVerdict(int? SynAckTtl, int? ResetTtl, string? ResetFrom, string? IcmpFrom);
