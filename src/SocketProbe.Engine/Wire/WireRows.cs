namespace SocketProbe.Engine.Wire;

/// <summary>Where a RST came from, judged by its TTL (or IPv6 hop limit) against the SYN-ACK's.</summary>
public enum ResetOrigin
{
    /// <summary>No SYN-ACK from that host to compare with, or no RST.</summary>
    Unknown,
    /// <summary>The RST came from as many hops away as the SYN-ACK: the peer's own stack sent it.</summary>
    Peer,
    /// <summary>It did not: something on the path (a firewall, a load balancer) forged it.</summary>
    Path,
}

/// <summary>
/// Turns captured packets into Wire rows: Operation = tcpdump's flag letters or the ICMP error's
/// name, Bytes = payload, Note = "SRC > DST: seq, ack, win, ttl, from whom". Who sent a segment:
/// the client (its port is the client socket's), the peer, or neither (a third party) when the TTL
/// differs from the peer's SYN-ACK or an ICMP error comes from a router.
/// </summary>
public static class WireRows
{
    /// <summary>Which ports are the run's own and which of them are its client's.</summary>
    public delegate bool Ownership(ProtocolType protocol, int port, out bool client);

    /// <summary>The remote port the run's client socket on <paramref name="clientPort"/> was connected to; null when it never was (a refused connect).</summary>
    public delegate int? PeerOf(ProtocolType protocol, int clientPort);

    /// <summary>The rows for <paramref name="segments"/> that belong to the run (all of them when <paramref name="owns"/> is null: the lab's namespace is the run's alone).</summary>
    /// <param name="peerOf">where the run's connected client sockets went: a flow through a client port to another port is someone else's</param>
    public static List<Observation> Build(IReadOnlyList<WireSegment> segments, Ownership? owns, Func<long, double> toAtMs, PeerOf? peerOf = null)
    {
        List<WireSegment> mine = Mine(segments, owns, peerOf);
        var flows = new Dictionary<string, Flow>();
        foreach (WireSegment s in mine.Where(s => s.Protocol != WireProtocol.Icmp))
        {
            string key = FlowKey(s.Protocol, s.Source, s.SourcePort, s.Destination, s.DestinationPort);
            if (!flows.TryGetValue(key, out Flow? flow)) flows[key] = flow = new Flow();
            flow.Segments.Add(s);
        }
        foreach (Flow flow in flows.Values) flow.Settle(owns);
        // A host's SYN-ACK TTL, for flows that never saw one of their own (a refused connect).
        var synAckTtl = new Dictionary<IPAddress, int>();
        foreach (WireSegment s in mine.Where(IsSynAck)) synAckTtl.TryAdd(s.Source, s.Ttl);

        var rows = new List<Observation>(mine.Count);
        foreach (WireSegment s in mine)
        {
            var row = new Observation
            {
                Actor = Actors.Wire, Result = Results.Seen, AtMs = Math.Max(0, toAtMs(s.UnixNanoseconds)),
            };
            if (s.Protocol == WireProtocol.Icmp)
            {
                row.Operation = s.IcmpName()!;
                row.Note = IcmpNote(s);
            }
            else
            {
                Flow flow = flows[FlowKey(s.Protocol, s.Source, s.SourcePort, s.Destination, s.DestinationPort)];
                row.Operation = s.Protocol == WireProtocol.Tcp ? s.FlagLetters() : "UDP";
                row.Bytes = s.PayloadLength;
                row.Note = flow.Describe(s, synAckTtl);
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The segments that belong to the run: of its own ports, or ICMP errors about them (all of them when <paramref name="owns"/> is null).</summary>
    public static List<WireSegment> Mine(IReadOnlyList<WireSegment> segments, Ownership? owns, PeerOf? peerOf = null) =>
        segments.Where(s => owns is null || Belongs(s, owns, peerOf)).ToList();

    /// <summary>Peer, Path or Unknown for a RST of <paramref name="resetTtl"/> against the SYN-ACK's TTL.</summary>
    public static ResetOrigin Judge(int? synAckTtl, int? resetTtl) =>
        synAckTtl is int a && resetTtl is int r ? (a == r ? ResetOrigin.Peer : ResetOrigin.Path) : ResetOrigin.Unknown;

    public static bool IsSynAck(WireSegment s) =>
        s.Protocol == WireProtocol.Tcp && s.Has(WireSegment.Syn) && s.Has(WireSegment.Ack) && !s.Has(WireSegment.Rst);

    private static bool Belongs(WireSegment s, Ownership owns, PeerOf? peerOf)
    {
        if (s.Protocol == WireProtocol.Icmp)
        {
            if (s.QuotedProtocol is not WireProtocol quoted) return false;
            ProtocolType p = quoted == WireProtocol.Tcp ? ProtocolType.Tcp : ProtocolType.Udp;
            return owns(p, s.QuotedSourcePort, out _) || owns(p, s.QuotedDestinationPort, out _);
        }
        if (s.Protocol == WireProtocol.Udp)
            return owns(ProtocolType.Udp, s.SourcePort, out _) || owns(ProtocolType.Udp, s.DestinationPort, out _);
        // TCP: a port of one of the run's own sockets (client) is the run's while it holds it; a port it only
        // targets or listens on is shared with whoever else connects there (a port sweep beside a ConnectRefused
        // run sent its own S to the run's closed port), so such a flow needs its other port to be the run's too.
        // Linux gives one ephemeral port to several connections at once when their destinations differ, so
        // a client port that connected somewhere claims no flow to another port (seen: 6 connections in a run of 2).
        bool source = owns(ProtocolType.Tcp, s.SourcePort, out bool sourceClient);
        bool destination = owns(ProtocolType.Tcp, s.DestinationPort, out bool destinationClient);
        bool Unpeered(int clientPort) => peerOf?.Invoke(ProtocolType.Tcp, clientPort) is null;
        return (source && destination) || (source && sourceClient && Unpeered(s.SourcePort))
            || (destination && destinationClient && Unpeered(s.DestinationPort));
    }

    private static string FlowKey(WireProtocol protocol, IPAddress a, int aPort, IPAddress b, int bPort)
    {
        string x = WireSegment.EndPoint(a, aPort), y = WireSegment.EndPoint(b, bPort);
        return string.CompareOrdinal(x, y) < 0 ? $"{protocol} {x} {y}" : $"{protocol} {y} {x}";
    }

    private static string IcmpNote(WireSegment s)
    {
        string about = s.QuotedSource is IPAddress qs && s.QuotedDestination is IPAddress qd
            ? $"about {WireSegment.EndPoint(qs, s.QuotedSourcePort)} > {WireSegment.EndPoint(qd, s.QuotedDestinationPort)} {(s.QuotedProtocol == WireProtocol.Tcp ? "tcp" : "udp")}"
            : "about a packet it does not quote in full";
        // The host the packet went to may answer for itself (port unreachable); a host never reports
        // itself unreachable, so such an error in its name was sent by a router or firewall on the way.
        bool fromDestination = s.QuotedDestination is IPAddress dst && dst.Equals(s.Source);
        bool aboutPort = s.IcmpName() == "ICMP port-unreachable";
        string from = fromDestination && aboutPort ? "from peer (the host the packet was sent to)"
            : fromDestination ? $"from neither: sent in the name of {s.Source} (a host does not report itself unreachable: a router or firewall did)"
            : $"from neither: router {s.Source}";
        return $"{s.Source} > {s.Destination}: {about}, {(s.IsIPv6 ? "hlim" : "ttl")} {s.Ttl}, {from}";
    }

    /// <summary>One TCP connection (or UDP pair) seen on the wire: who is the client, the initial sequence numbers, the peer's TTL.</summary>
    private sealed class Flow
    {
        public readonly List<WireSegment> Segments = new();
        private string? _client;
        private readonly Dictionary<string, uint> _isn = new();
        private int? _peerSynAckTtl;

        public void Settle(Ownership? owns)
        {
            WireSegment first = Segments[0];
            ProtocolType protocol = first.Protocol == WireProtocol.Tcp ? ProtocolType.Tcp : ProtocolType.Udp;
            // The client: the end whose port is the client socket's; else the end that sent the SYN; else the first sender.
            foreach (WireSegment s in Segments)
            {
                if (owns is not null && owns(protocol, s.SourcePort, out bool client) && client) { _client = Source(s); break; }
                if (owns is not null && owns(protocol, s.DestinationPort, out client) && client) { _client = Destination(s); break; }
            }
            _client ??= Segments.FirstOrDefault(s => s.Has(WireSegment.Syn) && !s.Has(WireSegment.Ack)) is WireSegment syn
                ? Source(syn) : Source(first);
            foreach (WireSegment s in Segments)
            {
                string from = Source(s);
                if (s.Has(WireSegment.Syn)) _isn[from] = s.Sequence;
                else if (!s.Has(WireSegment.Rst)) _isn.TryAdd(from, s.Sequence - 1);
                if (from != _client && IsSynAck(s)) _peerSynAckTtl ??= s.Ttl;
            }
        }

        public string Describe(WireSegment s, IReadOnlyDictionary<IPAddress, int> synAckTtlByHost)
        {
            string from = Source(s), to = Destination(s);
            var parts = new List<string>(6);
            if (s.Protocol == WireProtocol.Tcp)
            {
                string seq = _isn.TryGetValue(from, out uint isn) ? Relative(s.Sequence, isn, s.PayloadLength) : s.Sequence.ToString();
                parts.Add($"seq {seq}");
                if (s.Has(WireSegment.Ack))
                    parts.Add($"ack {(_isn.TryGetValue(to, out uint theirs) ? unchecked(s.Acknowledgment - theirs).ToString() : s.Acknowledgment.ToString())}");
                parts.Add($"win {s.Window}");
            }
            else parts.Add($"length {s.PayloadLength}");
            parts.Add($"{(s.IsIPv6 ? "hlim" : "ttl")} {s.Ttl}");
            parts.Add(Sender(s, from, synAckTtlByHost));
            return $"{from} > {to}: {string.Join(", ", parts)}";
        }

        private string Sender(WireSegment s, string from, IReadOnlyDictionary<IPAddress, int> synAckTtlByHost)
        {
            if (from == _client) return "from client";
            int? reference = _peerSynAckTtl ?? (synAckTtlByHost.TryGetValue(s.Source, out int t) ? t : null);
            string hops = s.IsIPv6 ? "hop limit" : "TTL";
            bool reset = s.Has(WireSegment.Rst);
            if (reference is int r && r != s.Ttl)
                return $"from neither: {hops} {s.Ttl} where the peer's SYN-ACK had {r}, a third party on the path sent it" +
                       (reset ? " (ResetFrom Path)" : "");
            if (!reset) return "from peer";
            return reference is null
                ? "from peer (ResetFrom Unknown: no SYN-ACK from this host to compare hops with)"
                : $"from peer (ResetFrom Peer: {hops} {s.Ttl} as its SYN-ACK's)";
        }

        private static string Relative(uint sequence, uint isn, int payload)
        {
            uint start = unchecked(sequence - isn);
            return payload > 0 ? $"{start}:{unchecked(start + (uint)payload)}" : start.ToString();
        }

        private static string Source(WireSegment s) => WireSegment.EndPoint(s.Source, s.SourcePort);
        private static string Destination(WireSegment s) => WireSegment.EndPoint(s.Destination, s.DestinationPort);
    }
}
