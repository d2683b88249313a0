using System.Net;
using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Wire;

/// <summary>
/// -Capture for the prober: one capture on every interface for the whole probe run; after each
/// attempt, the TTL (IPv6: hop limit) of the target's SYN-ACK and RST on that attempt's own flow,
/// whether the RST came from the peer or the path, and the router behind an ICMP error.
/// A refused attempt has no SYN-ACK of its own: its RST is compared with a SYN-ACK the same
/// address sent earlier in this run (another port, an earlier round), else it is Unknown.
/// </summary>
public sealed class ProbeWire : IDisposable
{
    private const long KeepNanoseconds = 60L * 1_000_000_000;
    private readonly WireCapture? _capture;
    private readonly object _lock = new();
    private readonly List<WireSegment> _segments = new();
    private readonly Dictionary<IPAddress, int> _synAckTtl = new();

    private ProbeWire(WireCapture? capture, string? unavailable)
    {
        _capture = capture;
        Unavailable = unavailable;
    }

    /// <summary>Why nothing is captured (no privilege, no technique here); null when capturing.</summary>
    public string? Unavailable { get; }

    public static ProbeWire Start()
    {
        try { return new ProbeWire(WireCapture.Start("any"), null); }
        catch (WireUnavailableException e) { return new ProbeWire(null, e.Message); }
    }

    /// <summary>Fill the wire fields of <paramref name="result"/> from the segments of its flow (local endpoint to target).</summary>
    public void Annotate(ProbeResult result, IPEndPoint? local, IPEndPoint target)
    {
        if (_capture is null || local is null) return;
        List<WireSegment> fresh = _capture.Take();
        lock (_lock)
        {
            foreach (WireSegment s in fresh)
            {
                // Only what a verdict needs is kept (the capture sees every interface's traffic).
                if (WireRows.IsSynAck(s)) _synAckTtl[s.Source] = s.Ttl;
                if (WireRows.IsSynAck(s) || s.Has(WireSegment.Rst) || s.Protocol == WireProtocol.Icmp) _segments.Add(s);
            }
            long cutoff = WireCapture.UnixNowNanoseconds() - KeepNanoseconds;
            _segments.RemoveAll(s => s.UnixNanoseconds < cutoff);

            var fromTarget = _segments.Where(s => s.Protocol == WireProtocol.Tcp && s.SourcePort == target.Port &&
                s.DestinationPort == local.Port && s.Source.Equals(target.Address)).ToList();
            WireSegment? synAck = fromTarget.FirstOrDefault(WireRows.IsSynAck);
            WireSegment? reset = fromTarget.FirstOrDefault(s => s.Has(WireSegment.Rst));
            result.SynAckTtl = synAck?.Ttl;
            result.ResetTtl = reset?.Ttl;
            if (reset is not null)
            {
                int? reference = synAck?.Ttl ?? (_synAckTtl.TryGetValue(target.Address, out int t) ? t : null);
                result.ResetFrom = WireRows.Judge(reference, reset.Ttl).ToString();
            }
            WireSegment? icmp = _segments.FirstOrDefault(s => s.Protocol == WireProtocol.Icmp && s.QuotedProtocol == WireProtocol.Tcp &&
                s.QuotedSourcePort == local.Port && s.QuotedDestinationPort == target.Port && target.Address.Equals(s.QuotedDestination));
            result.IcmpFrom = icmp?.Source.ToString();
            _segments.RemoveAll(s => fromTarget.Contains(s) || ReferenceEquals(s, icmp));
        }
    }

    public void Dispose() => _capture?.Dispose();
}
