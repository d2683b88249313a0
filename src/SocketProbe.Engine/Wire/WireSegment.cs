using System.Buffers.Binary;

namespace SocketProbe.Engine.Wire;

/// <summary>What a captured packet is: a TCP segment, a UDP datagram, or an ICMP error about one.</summary>
public enum WireProtocol { Tcp, Udp, Icmp }

/// <summary>
/// One captured packet, decoded from its IP header on (RFC 791 / 8200, 793, 768, 792 / 4443). For an
/// ICMP error, the Quoted* fields name the packet it is about (from the header it quotes).
/// </summary>
public sealed class WireSegment
{
    public long UnixNanoseconds { get; init; }
    public WireProtocol Protocol { get; init; }
    public bool IsIPv6 { get; init; }
    public IPAddress Source { get; init; } = IPAddress.None;
    public IPAddress Destination { get; init; } = IPAddress.None;
    public int SourcePort { get; init; }
    public int DestinationPort { get; init; }
    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public int Ttl { get; init; }
    /// <summary>TCP flags byte: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80.</summary>
    public byte Flags { get; init; }
    public uint Sequence { get; init; }
    public uint Acknowledgment { get; init; }
    /// <summary>The window field as sent (not scaled), as tcpdump prints it.</summary>
    public int Window { get; init; }
    /// <summary>Payload bytes (TCP or UDP), from the IP lengths: the capture keeps headers only.</summary>
    public int PayloadLength { get; init; }
    public int IcmpType { get; init; }
    public int IcmpCode { get; init; }
    public WireProtocol? QuotedProtocol { get; init; }
    public IPAddress? QuotedSource { get; init; }
    public IPAddress? QuotedDestination { get; init; }
    public int QuotedSourcePort { get; init; }
    public int QuotedDestinationPort { get; init; }
    /// <summary>The packet as captured (from its IP header, cut to the snap length), for -PcapPath; null when not kept.</summary>
    public byte[]? Packet { get; internal set; }
    /// <summary>The packet's length on the wire.</summary>
    public int OriginalLength { get; internal set; }

    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80;

    public bool Has(byte flag) => (Flags & flag) != 0;

    /// <summary>tcpdump's letters, in its order (print-tcp.c tcp_flag_values): F S R P . U E W, the dot for ACK.</summary>
    public string FlagLetters()
    {
        var letters = new System.Text.StringBuilder(4);
        if (Has(Fin)) letters.Append('F');
        if (Has(Syn)) letters.Append('S');
        if (Has(Rst)) letters.Append('R');
        if (Has(Psh)) letters.Append('P');
        if (Has(Ack)) letters.Append('.');
        if (Has(Urg)) letters.Append('U');
        if (Has(Ece)) letters.Append('E');
        if (Has(Cwr)) letters.Append('W');
        return letters.Length == 0 ? "none" : letters.ToString();
    }

    /// <summary>The ICMP error's name as the Operation shows it ("ICMP host-unreachable"); null for ICMP that is not an error (echo).</summary>
    public string? IcmpName() => IcmpNameOf(IsIPv6, IcmpType, IcmpCode);

    /// <summary>An ICMP (IPv4) or ICMPv6 error's name by type and code; null for what is not an error.</summary>
    public static string? IcmpNameOf(bool isIPv6, int icmpType, int icmpCode) => isIPv6
        ? (icmpType, icmpCode) switch
        {
            (1, 0) => "ICMP net-unreachable", (1, 1) => "ICMP admin-prohibited", (1, 3) => "ICMP host-unreachable",
            (1, 4) => "ICMP port-unreachable", (1, _) => $"ICMP unreachable code {icmpCode}",
            (2, _) => "ICMP packet-too-big", (3, _) => "ICMP time-exceeded", (4, _) => "ICMP parameter-problem",
            _ => null,
        }
        : (icmpType, icmpCode) switch
        {
            (3, 0) => "ICMP net-unreachable", (3, 1) => "ICMP host-unreachable", (3, 3) => "ICMP port-unreachable",
            (3, 4) => "ICMP frag-needed", (3, 9) or (3, 10) or (3, 13) => "ICMP admin-prohibited",
            (3, _) => $"ICMP unreachable code {icmpCode}", (11, _) => "ICMP time-exceeded", (12, _) => "ICMP parameter-problem",
            _ => null,
        };

    /// <summary>address:port, IPv6 in brackets (or the address alone when there is no port).</summary>
    public static string EndPoint(IPAddress address, int? port) =>
        port is int p ? (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{p}" : $"{address}:{p}") : address.ToString();

    /// <summary>Decode network-layer bytes; null for what is not IPv4/IPv6 TCP, UDP or an ICMP error, or is cut short.</summary>
    public static WireSegment? Decode(ReadOnlySpan<byte> packet, long unixNanoseconds)
    {
        if (packet.Length < 1) return null;
        int version = packet[0] >> 4;
        if (!TryIp(packet, version, out var ip)) return null;
        ReadOnlySpan<byte> l4 = packet[ip.HeaderLength..];
        int l4Length = Math.Min(ip.PayloadLength, l4.Length);
        switch (ip.Protocol)
        {
            case 6 when l4.Length >= 20:
            {
                int tcpHeader = (l4[12] >> 4) * 4;
                return new WireSegment
                {
                    UnixNanoseconds = unixNanoseconds, Protocol = WireProtocol.Tcp, IsIPv6 = version == 6,
                    Source = ip.Source, Destination = ip.Destination, Ttl = ip.Ttl,
                    SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4), DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]),
                    Sequence = BinaryPrimitives.ReadUInt32BigEndian(l4[4..]), Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(l4[8..]),
                    Flags = l4[13], Window = BinaryPrimitives.ReadUInt16BigEndian(l4[14..]),
                    PayloadLength = Math.Max(0, ip.PayloadLength - tcpHeader),
                };
            }
            case 17 when l4.Length >= 8:
                return new WireSegment
                {
                    UnixNanoseconds = unixNanoseconds, Protocol = WireProtocol.Udp, IsIPv6 = version == 6,
                    Source = ip.Source, Destination = ip.Destination, Ttl = ip.Ttl,
                    SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4), DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]),
                    PayloadLength = Math.Max(0, ip.PayloadLength - 8),
                };
            case 1 or 58 when l4.Length >= 8:
            {
                var segment = new WireSegment
                {
                    UnixNanoseconds = unixNanoseconds, Protocol = WireProtocol.Icmp, IsIPv6 = version == 6,
                    Source = ip.Source, Destination = ip.Destination, Ttl = ip.Ttl, IcmpType = l4[0], IcmpCode = l4[1],
                    PayloadLength = Math.Max(0, l4Length - 8),
                };
                if (segment.IcmpName() is null) return null;
                // The quote: the offending packet's IP header and at least its first 8 bytes (its ports).
                ReadOnlySpan<byte> quote = l4[8..];
                if (quote.Length > 0 && TryIp(quote, quote[0] >> 4, out var inner) && quote.Length >= inner.HeaderLength + 4 &&
                    inner.Protocol is 6 or 17)
                {
                    ReadOnlySpan<byte> ports = quote[inner.HeaderLength..];
                    return new WireSegment
                    {
                        UnixNanoseconds = segment.UnixNanoseconds, Protocol = WireProtocol.Icmp, IsIPv6 = segment.IsIPv6,
                        Source = segment.Source, Destination = segment.Destination, Ttl = segment.Ttl,
                        IcmpType = segment.IcmpType, IcmpCode = segment.IcmpCode, PayloadLength = segment.PayloadLength,
                        QuotedProtocol = inner.Protocol == 6 ? WireProtocol.Tcp : WireProtocol.Udp,
                        QuotedSource = inner.Source, QuotedDestination = inner.Destination,
                        QuotedSourcePort = BinaryPrimitives.ReadUInt16BigEndian(ports),
                        QuotedDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(ports[2..]),
                    };
                }
                return segment;
            }
            default:
                return null;
        }
    }

    private readonly record struct IpHeader(int HeaderLength, int PayloadLength, int Protocol, int Ttl, IPAddress Source, IPAddress Destination);

    /// <summary>The IP header: for IPv4 its IHL and total length; for IPv6 the fixed header only (extension headers are not followed).</summary>
    private static bool TryIp(ReadOnlySpan<byte> packet, int version, out IpHeader header)
    {
        header = default;
        if (version == 4 && packet.Length >= 20)
        {
            int ihl = (packet[0] & 0x0F) * 4;
            if (ihl < 20 || packet.Length < ihl) return false;
            int total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
            header = new IpHeader(ihl, Math.Max(0, total - ihl), packet[9], packet[8],
                new IPAddress(packet.Slice(12, 4)), new IPAddress(packet.Slice(16, 4)));
            return true;
        }
        if (version == 6 && packet.Length >= 40)
        {
            header = new IpHeader(40, BinaryPrimitives.ReadUInt16BigEndian(packet[4..]), packet[6], packet[7],
                new IPAddress(packet.Slice(8, 16)), new IPAddress(packet.Slice(24, 16)));
            return true;
        }
        return false;
    }
}
