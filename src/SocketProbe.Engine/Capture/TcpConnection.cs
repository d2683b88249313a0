using System.Runtime.CompilerServices;
using System.Text;

namespace SocketProbe.Engine.Capture;

/// <summary>Zeek's per-endpoint TCP states (TCP_Endpoint.h), from which conn_state is derived.</summary>
public enum EndpointState { Inactive, SynSent, SynAckSent, Partial, Established, Closed, Reset }

/// <summary>
/// One side of a tracked connection: its Zeek state, the history bookkeeping Zeek keeps for it, and
/// what our verdicts need (TTL and IP ID of its segments, bytes, highest sequence sent and acked).
/// </summary>
internal sealed class TcpSide
{
    public EndpointState State, PreviousState;
    public bool Seen;
    public uint StartSequence, LastSequence; // LastSequence: one past the highest byte (SYN/FIN count) sent
    public bool HaveSequence;
    public uint HighestAck;
    public bool HaveAck;
    public long Bytes, Packets, IpBytes;
    public int Ttl = -1, IpId = -1, Window = -1; // of its last segment that is not a RST
    public uint HistSeen; // which once-only letters this side has recorded
    public uint LastSyn, LastFin, LastRst;
    public uint RetransmitCount, RetransmitThreshold = 1, ZeroWindowCount, ZeroWindowThreshold = 1;
    public long DataPackets, KeepAlives;

    public void SetState(EndpointState state)
    {
        PreviousState = State;
        State = state;
    }
}

/// <summary>
/// One TCP connection as Zeek's TCP analyzer follows it (packet_analysis/protocol/tcp/TCPSessionAdapter.cc):
/// the originator is the sender of the first packet seen; each packet moves the sending endpoint's
/// state and may add a history letter. Memory is fixed per connection (the segments themselves are
/// kept only for -Detailed).
/// </summary>
internal sealed class TcpConnection
{
    // History masks, one bit per once-only letter and direction (Zeek's HIST_* values).
    private const uint HistSyn = 1, HistFin = 2, HistRst = 4, HistFinRst = 8, HistData = 16, HistAck = 32, HistMulti = 64;

    public readonly FlowKey Key;
    public readonly bool IsIPv6;
    public readonly UInt128 OrigAddress, RespAddress;
    public readonly int OrigPort, RespPort;
    public readonly TcpSide Orig = new(), Resp = new();
    public readonly StringBuilder History = new(8);
    public long FirstNs, LastNs;
    public long Packets;
    public bool Closing; // both ends closed or one reset: kept a while for trailing packets, then reported

    // The end: the first FIN or RST, who sent it, and what the connection looked like just before.
    public long EndNs = -1;
    public bool EndByOrig, EndIsReset;
    public long FirstRstNs = -1;
    public bool RstByOrig;
    public int RstTtl = -1, RstIpId = -1, RstWindow = -1, RstReferenceTtl = -1, RstReferenceIpId = -1;
    public bool UnackedAtEnd; // data was in flight (sent, not acknowledged) when the end came
    public bool HadDataBeforeEnd, OrigDataBeforeEnd, RespDataBeforeEnd;
    public bool RespDataAfterOrigFin; // the responder kept sending after the originator's FIN (half close)
    public long OrigFinNs = -1, RespFinNs = -1;
    public bool OrigAckedRespFin; // the client acknowledged the server's FIN (an ACK or RST covering it): it had reached the client
    private uint _respFinEnd;
    public bool Established; // the handshake completed (Zeek: both endpoints reached ESTABLISHED)
    public bool SawSyn, SawSynAck;
    public long SynNs = -1, SynAckNs = -1;

    /// <summary>The handshake's round trip as seen at the capture point (SYN to SYN-ACK); 0 when either is missing.</summary>
    public long HandshakeNs => SynNs >= 0 && SynAckNs >= SynNs ? SynAckNs - SynNs : 0;
    public long Retransmissions, ZeroWindows;
    // For the idle before the end: the silence before the last segment that carried something new
    // (handshake, data, FIN), and whether the packet before the end repeated an old one (a
    // retransmission or keepalive: its gap is a timer's backoff, not an idle application).
    private long _previousNs = -1;
    private bool _previousRepeated;
    private long _gapBeforeLastNew;
    public long IdleBeforeEndNs = -1;
    public bool RstSideSpokeAfter; // the side the first RST claims to come from sent more afterwards
    public bool DataAfterRst, ResetAgain; // the other side sent data after that RST, and drew another
    public readonly List<string> IcmpErrors = new(0);
    public List<(long Ns, byte[] Packet)>? Segments;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TcpConnection(FlowKey key, in PacketFields first, long ns, bool keepSegments)
    {
        Key = key;
        IsIPv6 = first.IsIPv6;
        bool flip = Flips(first);
        OrigAddress = flip ? first.Destination : first.Source;
        RespAddress = flip ? first.Source : first.Destination;
        OrigPort = flip ? first.DestinationPort : first.SourcePort;
        RespPort = flip ? first.SourcePort : first.DestinationPort;
        if (flip) History.Append('^');
        FirstNs = LastNs = ns;
        if (keepSegments) Segments = new List<(long, byte[])>();
    }

    /// <summary>
    /// Zeek's TCPAnalyzer::WantConnection: a connection first seen without a SYN, or with a SYN-ACK,
    /// is turned around when its source port looks like a server's and its destination's does not
    /// (both: only a non-SYN towards the higher port). Zeek's likely_server_ports come from its loaded
    /// analyzers; here a port below 1024 stands for them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Flips(in PacketFields first)
    {
        bool syn = first.Has(Flag.Syn), ack = first.Has(Flag.Ack);
        if (syn && !ack) return false;
        if (!LikelyServer(first.SourcePort)) return false;
        return LikelyServer(first.DestinationPort) ? !syn && first.SourcePort < first.DestinationPort : true;
    }

    private static bool LikelyServer(int port) => port is > 0 and < 1024;

    public bool IsFromOrig(in PacketFields p) => p.Source == OrigAddress && p.SourcePort == OrigPort;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Add(in PacketFields p, long ns, int ipLength)
    {
        bool isOrig = IsFromOrig(p);
        TcpSide endpoint = isOrig ? Orig : Resp, peer = isOrig ? Resp : Orig;
        Packets++;
        LastNs = ns;
        endpoint.Packets++;
        endpoint.IpBytes += ipLength;
        endpoint.Seen = true;
        bool syn = p.Has(Flag.Syn), fin = p.Has(Flag.Fin), rst = p.Has(Flag.Rst), ack = p.Has(Flag.Ack);
        int len = p.PayloadLength;
        if (!rst)
        {
            endpoint.Ttl = p.Ttl;
            endpoint.IpId = p.IpId;
            endpoint.Window = p.Window;
        }
        if (syn && !ack && !SawSyn) { SawSyn = true; SynNs = ns; }
        if (syn && ack && !SawSynAck) { SawSynAck = true; SynAckNs = ns; }
        if (!endpoint.HaveSequence || syn)
        {
            endpoint.StartSequence = syn ? p.Sequence : p.Sequence - 1;
            if (!endpoint.HaveSequence) endpoint.LastSequence = endpoint.StartSequence + (syn ? 0u : 1u);
            endpoint.HaveSequence = true;
        }
        UpdateHistory(p, endpoint, isOrig, len);

        // Zero window (update_window): not with or after a RST, not once the peer has sent its FIN.
        if (p.Window == 0 && !rst && peer.State != EndpointState.Closed && endpoint.State != EndpointState.Reset)
        {
            ZeroWindows++;
            Scaled(ref endpoint.ZeroWindowCount, ref endpoint.ZeroWindowThreshold, isOrig ? 'W' : 'w');
        }

        // Retransmission (update_last_seq): payload that does not advance the highest sequence sent.
        uint segmentEnd = p.Sequence + (uint)len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
        int deltaLast = (int)(segmentEnd - endpoint.LastSequence);
        bool repeated = false, fresh = false;
        if (endpoint.State == EndpointState.Reset) { }
        else if (deltaLast > 0)
        {
            endpoint.LastSequence = segmentEnd;
            fresh = len > 0 || syn || fin;
        }
        else if (len > 0 || (syn && !rst && endpoint.Packets > 1))
        {
            // Payload that does not advance (Zeek's 't'), and, beyond Zeek, a repeated SYN or SYN-ACK.
            Retransmissions++;
            repeated = true;
            if (len > 0) Scaled(ref endpoint.RetransmitCount, ref endpoint.RetransmitThreshold, isOrig ? 'T' : 't');
        }
        else if (ack && !syn && !fin && !rst && deltaLast == -1)
        {
            // A keepalive probe: one byte behind what was sent, no payload.
            endpoint.KeepAlives++;
            repeated = true;
        }
        if (ack && !rst)
        {
            if (!peer.HaveAck || (int)(p.Acknowledgment - peer.HighestAck) > 0) peer.HighestAck = p.Acknowledgment;
            peer.HaveAck = true;
        }
        if (len > 0)
        {
            endpoint.Bytes += Math.Max(0, Math.Min(len, deltaLast));
            endpoint.DataPackets++;
            if (EndNs < 0)
            {
                HadDataBeforeEnd = true;
                if (isOrig) OrigDataBeforeEnd = true; else RespDataBeforeEnd = true;
            }
            if (!isOrig && OrigFinNs >= 0) RespDataAfterOrigFin = true;
        }

        if ((fin || rst) && EndNs < 0)
        {
            EndNs = ns;
            EndByOrig = isOrig;
            EndIsReset = rst;
            UnackedAtEnd = InFlight(Orig, Resp) || InFlight(Resp, Orig) || (len > 0 && !fin);
            long gapToEnd = _previousNs >= 0 && !_previousRepeated ? ns - _previousNs : 0;
            IdleBeforeEndNs = Math.Max(_gapBeforeLastNew, gapToEnd);
        }
        if (fin && isOrig && OrigFinNs < 0) OrigFinNs = ns;
        if (fin && !isOrig && RespFinNs < 0) { RespFinNs = ns; _respFinEnd = p.Sequence + (uint)len + 1; }
        if (isOrig && ack && RespFinNs >= 0 && (int)(p.Acknowledgment - _respFinEnd) >= 0) OrigAckedRespFin = true;
        if (FirstRstNs >= 0 && !rst && isOrig == RstByOrig) RstSideSpokeAfter = true;
        // The other side, unaware of the first RST, sent data and drew another: the state was gone (a reboot).
        if (FirstRstNs >= 0 && isOrig != RstByOrig && len > 0) DataAfterRst = true;
        if (FirstRstNs >= 0 && rst && isOrig == RstByOrig && DataAfterRst) ResetAgain = true;
        if (fresh && EndNs < 0 && _previousNs >= 0) _gapBeforeLastNew = ns - _previousNs;
        _previousNs = ns;
        _previousRepeated = repeated;
        if (rst && FirstRstNs < 0)
        {
            FirstRstNs = ns;
            RstByOrig = isOrig;
            RstTtl = p.Ttl;
            RstIpId = p.IpId;
            RstWindow = p.Window;
            RstReferenceTtl = endpoint.Ttl;
            RstReferenceIpId = endpoint.IpId;
        }

        UpdateStateMachine(endpoint, peer, isOrig, syn, fin, rst, ack, len);
        if (Orig.State == EndpointState.Established && Resp.State == EndpointState.Established) Established = true;
        Closing = Orig.State == EndpointState.Reset || Resp.State == EndpointState.Reset ||
                  (Orig.State == EndpointState.Closed && Resp.State == EndpointState.Closed);
    }

    /// <summary>Sent data the other side had not acknowledged (the in-flight bytes at this moment).</summary>
    private static bool InFlight(TcpSide sender, TcpSide receiver) =>
        sender.Bytes > 0 && sender.HaveAck && (int)(sender.LastSequence - sender.HighestAck) > 1;

    /// <summary>Zeek's update_history: once-only letters per direction, S/H/F/R again when their sequence number changes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateHistory(in PacketFields p, TcpSide endpoint, bool isOrig, int len)
    {
        bool syn = p.Has(Flag.Syn), fin = p.Has(Flag.Fin), rst = p.Has(Flag.Rst), ack = p.Has(Flag.Ack);
        int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
        uint relative = p.Sequence - endpoint.StartSequence;
        if (bits > 1)
        {
            if (fin && rst) Check(endpoint, HistFinRst, 'I', isOrig);
            else Check(endpoint, HistMulti, 'Q', isOrig);
        }
        else if (bits == 1)
        {
            if (syn)
            {
                char code = ack ? 'H' : 'S';
                if (Check(endpoint, HistSyn, code, isOrig) && relative != endpoint.LastSyn) Add(code, isOrig);
                endpoint.LastSyn = relative;
            }
            if (fin)
            {
                if (Check(endpoint, HistFin, 'F', isOrig) && relative + (uint)len != endpoint.LastFin) Add('F', isOrig);
                endpoint.LastFin = relative + (uint)len;
            }
            if (rst)
            {
                if (Check(endpoint, HistRst, 'R', isOrig) && relative != endpoint.LastRst) Add('R', isOrig);
                endpoint.LastRst = relative;
            }
        }
        else if (len > 0) Check(endpoint, HistData, 'D', isOrig);
        else if (ack) Check(endpoint, HistAck, 'A', isOrig);
    }

    /// <summary>Zeek's CheckHistory: record the letter the first time; true when it was already recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Check(TcpSide endpoint, uint mask, char code, bool isOrig)
    {
        if ((endpoint.HistSeen & mask) == 0)
        {
            endpoint.HistSeen |= mask;
            Add(code, isOrig);
            return false;
        }
        return true;
    }

    private void Add(char code, bool isOrig) => History.Append(isOrig ? code : char.ToLowerInvariant(code));

    /// <summary>Zeek's ScaledHistoryEntry: the letter again at the 1st, 10th, 100th … time.</summary>
    private void Scaled(ref uint counter, ref uint threshold, char code)
    {
        if (++counter != threshold) return;
        History.Append(code);
        uint next = threshold * 10;
        if (next <= threshold) counter = 0;
        else threshold = next;
    }

    /// <summary>Zeek's UpdateStateMachine and its Update*State helpers, without the weirds and timers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateStateMachine(TcpSide endpoint, TcpSide peer, bool isOrig, bool syn, bool fin, bool rst, bool ack, int len)
    {
        switch (endpoint.State)
        {
            case EndpointState.Inactive:
                if (syn)
                {
                    if (isOrig) endpoint.SetState(ack ? EndpointState.SynAckSent : EndpointState.SynSent);
                    else
                    {
                        if (peer.State == EndpointState.SynSent) peer.SetState(EndpointState.Established);
                        endpoint.SetState(EndpointState.Established);
                    }
                }
                if (fin) endpoint.SetState(EndpointState.Closed);
                if (rst) endpoint.SetState(EndpointState.Reset);
                if (endpoint.State == EndpointState.Inactive)
                {
                    if (!isOrig && len == 0 && Orig.State == EndpointState.SynSent) { }
                    else if (ack && peer.State == EndpointState.Established) endpoint.SetState(EndpointState.Established);
                    else endpoint.SetState(EndpointState.Partial);
                }
                break;
            case EndpointState.SynSent or EndpointState.SynAckSent:
                if (fin) endpoint.SetState(EndpointState.Closed);
                if (rst) endpoint.SetState(EndpointState.Reset);
                break;
            case EndpointState.Established or EndpointState.Partial:
                if (syn && endpoint.State == EndpointState.Partial && peer.State == EndpointState.Inactive && !ack)
                    endpoint.SetState(EndpointState.SynSent);
                if (fin && !rst)
                {
                    endpoint.SetState(EndpointState.Closed);
                    if (peer.State == EndpointState.Reset && peer.PreviousState == EndpointState.Closed) peer.SetState(EndpointState.Closed);
                }
                if (rst) endpoint.SetState(EndpointState.Reset);
                break;
            case EndpointState.Closed:
                if (rst && peer.State != EndpointState.Closed) endpoint.SetState(EndpointState.Reset);
                break;
        }
    }

    /// <summary>Zeek's conn_state (base/protocols/conn/main.zeek), from the two endpoint states.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string ConnState()
    {
        EndpointState os = Orig.State, rs = Resp.State;
        bool oInactive = os is EndpointState.Inactive or EndpointState.Partial;
        bool rInactive = rs is EndpointState.Inactive or EndpointState.Partial;
        if (rs == EndpointState.Reset)
        {
            if (os is EndpointState.SynSent or EndpointState.SynAckSent || (os == EndpointState.Reset && Orig.Bytes == 0 && Resp.Bytes == 0))
                return "REJ";
            return oInactive ? "RSTRH" : "RSTR";
        }
        if (os == EndpointState.Reset)
        {
            if (rInactive) return SynThenReset() ? "RSTOS0" : "OTH";
            return "RSTO";
        }
        if (rs == EndpointState.Closed && os == EndpointState.Closed) return "SF";
        if (os == EndpointState.Closed) return rInactive ? "SH" : "S2";
        if (rs == EndpointState.Closed) return oInactive ? "SHR" : "S3";
        if (os == EndpointState.SynSent && rs == EndpointState.Inactive) return "S0";
        if (os == EndpointState.Established && rs == EndpointState.Established) return "S1";
        return "OTH";
    }

    /// <summary>
    /// Zeek's RSTOS0 test, the history matching ^\^?S[^HAFGIQ]*R: the originator's SYN, then its RST with no
    /// SYN-ACK, ACK, FIN or data of its own between (checked by hand: a Regex costs its construction per session).
    /// </summary>
    private bool SynThenReset()
    {
        int i = History.Length > 0 && History[0] == '^' ? 1 : 0;
        if (i >= History.Length || History[i] != 'S') return false;
        for (i++; i < History.Length; i++)
        {
            char letter = History[i];
            if (letter == 'R') return true;
            if ("HAFGIQ".IndexOf(letter) >= 0) return false;
        }
        return false;
    }
}

/// <summary>TCP flag bits.</summary>
internal static class Flag
{
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;
}

/// <summary>
/// A connection's 4-tuple, the same whichever way a packet goes. A class, not a struct: the analyzer's
/// tables then run on the runtime's shared, precompiled Dictionary code for reference keys, where a struct
/// key's instantiation is compiled at run time and runs unoptimised through much of a session's first
/// read. The analyzer reuses one instance for lookups (<see cref="Set"/>) and copies it only for a new connection.
/// </summary>
public sealed class FlowKey : IEquatable<FlowKey>
{
    private UInt128 A, B;
    private int PortA, PortB;

    public static FlowKey Of(UInt128 source, int sourcePort, UInt128 destination, int destinationPort)
    {
        var key = new FlowKey();
        key.Set(source, sourcePort, destination, destinationPort);
        return key;
    }

    /// <summary>Make this the key of a packet from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Set(UInt128 source, int sourcePort, UInt128 destination, int destinationPort)
    {
        bool inOrder = source < destination || (source == destination && sourcePort <= destinationPort);
        (A, B, PortA, PortB) = inOrder ? (source, destination, sourcePort, destinationPort) : (destination, source, destinationPort, sourcePort);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FlowKey Copy() => new() { A = A, B = B, PortA = PortA, PortB = PortB };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Equals(FlowKey? other) =>
        other is not null && A == other.A && B == other.B && PortA == other.PortA && PortB == other.PortB;

    public override bool Equals(object? obj) => Equals(obj as FlowKey);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override int GetHashCode()
    {
        unchecked
        {
            ulong h = (ulong)A * 0x9E3779B97F4A7C15UL ^ (ulong)(A >> 64) * 0xC2B2AE3D27D4EB4FUL ^ (ulong)B * 0x165667B19E3779F9UL ^
                      (ulong)(B >> 64) * 0x27D4EB2F165667C5UL ^ ((ulong)(uint)PortA << 32 | (uint)PortB) * 0x94D049BB133111EBUL;
            return (int)(h ^ h >> 32);
        }
    }
}
