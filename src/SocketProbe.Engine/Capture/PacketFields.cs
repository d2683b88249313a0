using System.Buffers.Binary;

namespace SocketProbe.Engine.Capture;

/// <summary>
/// The fields of one IPv4/IPv6 packet the connection tracker needs, read in place with no
/// allocation (a file of millions of packets must not make millions of objects). Addresses are
/// kept as 128-bit numbers (IPv4 as ::ffff:a.b.c.d); <see cref="Address"/> makes an IPAddress once
/// per connection. Wire rows (-Detailed) use <see cref="Wire.WireSegment.Decode"/>, as -Capture does.
/// </summary>
public struct PacketFields
{
    public bool IsIPv6;
    public int Protocol; // 6 TCP, 1/58 ICMP, 17 UDP
    public int Ttl, IpId;
    public UInt128 Source, Destination;
    public int SourcePort, DestinationPort;
    public uint Sequence, Acknowledgment;
    public byte Flags;
    public int Window, PayloadLength;
    // ICMP errors: type, code and the connection they quote.
    public int IcmpType, IcmpCode;
    public bool HasQuote;
    public UInt128 QuotedSource, QuotedDestination;
    public int QuotedSourcePort, QuotedDestinationPort, QuotedProtocol;

    public readonly bool Has(byte flag) => (Flags & flag) != 0;

    /// <summary>False for what is not TCP or an ICMP error, and for headers cut short.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool TryRead(ReadOnlySpan<byte> packet, out PacketFields fields)
    {
        fields = default;
        if (!TryIp(packet, ref fields, out int headerLength, out int payloadLength, quoted: false)) return false;
        ReadOnlySpan<byte> l4 = packet[headerLength..];
        switch (fields.Protocol)
        {
            case 6 when l4.Length >= 20:
                fields.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                fields.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                fields.Sequence = BinaryPrimitives.ReadUInt32BigEndian(l4[4..]);
                fields.Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(l4[8..]);
                fields.Flags = l4[13];
                fields.Window = BinaryPrimitives.ReadUInt16BigEndian(l4[14..]);
                fields.PayloadLength = Math.Max(0, payloadLength - (l4[12] >> 4) * 4);
                return true;
            case 1 or 58 when l4.Length >= 8:
            {
                fields.IcmpType = l4[0];
                fields.IcmpCode = l4[1];
                bool error = fields.Protocol == 1 ? fields.IcmpType is 3 or 11 or 12 : fields.IcmpType is >= 1 and <= 4;
                if (!error) return false;
                ReadOnlySpan<byte> quote = l4[8..];
                var inner = default(PacketFields);
                if (TryIp(quote, ref inner, out int innerHeader, out _, quoted: true) && inner.Protocol == 6 && quote.Length >= innerHeader + 4)
                {
                    fields.HasQuote = true;
                    fields.QuotedProtocol = 6;
                    fields.QuotedSource = inner.Source;
                    fields.QuotedDestination = inner.Destination;
                    fields.QuotedSourcePort = BinaryPrimitives.ReadUInt16BigEndian(quote[innerHeader..]);
                    fields.QuotedDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(quote[(innerHeader + 2)..]);
                }
                return true;
            }
            default:
                return false;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool TryIp(ReadOnlySpan<byte> packet, ref PacketFields fields, out int headerLength, out int payloadLength, bool quoted)
    {
        headerLength = payloadLength = 0;
        if (packet.Length < 1) return false;
        int version = packet[0] >> 4;
        if (version == 4 && packet.Length >= 20)
        {
            headerLength = (packet[0] & 0x0F) * 4;
            if (headerLength < 20 || packet.Length < headerLength) return false;
            // A fragment after the first carries no TCP header.
            if (!quoted && (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF) != 0) return false;
            payloadLength = Math.Max(0, BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) - headerLength);
            fields.IsIPv6 = false;
            fields.IpId = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            fields.Ttl = packet[8];
            fields.Protocol = packet[9];
            fields.Source = Mapped(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]));
            fields.Destination = Mapped(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
            return true;
        }
        if (version == 6 && packet.Length >= 40)
        {
            headerLength = 40;
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            fields.IsIPv6 = true;
            fields.IpId = -1;
            fields.Protocol = packet[6];
            fields.Ttl = packet[7];
            fields.Source = BinaryPrimitives.ReadUInt128BigEndian(packet[8..]);
            fields.Destination = BinaryPrimitives.ReadUInt128BigEndian(packet[24..]);
            return true;
        }
        return false;
    }

    private static UInt128 Mapped(uint v4) => new(0, 0xFFFF_0000_0000UL | v4);

    /// <summary>The IPAddress a 128-bit address stands for (IPv4 when <paramref name="v6"/> is false).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static IPAddress Address(UInt128 value, bool v6)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return v6 ? new IPAddress(bytes) : new IPAddress(bytes[12..]);
    }
}
