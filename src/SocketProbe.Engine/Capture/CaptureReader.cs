using System.Buffers.Binary;

namespace SocketProbe.Engine.Capture;

/// <summary>
/// Reads a pcap (microsecond or nanosecond, either byte order) or pcapng file one packet at a time,
/// holding one record in memory: the file's size never matters. Each packet comes out as its
/// network-layer bytes (IPv4 or IPv6), the link header (Ethernet with VLAN tags, Linux cooked SLL and
/// SLL2, BSD loopback, raw IP) already taken off. A record that is cut short or makes no sense throws
/// <see cref="CaptureFormatException"/> naming its offset; what came before it was already returned.
/// Our own reader rather than a library: PacketDotNet decodes but reads no files (SharpPcap reads
/// them through the native libpcap), and a packet object per frame is what the speed target forbids.
/// </summary>
public sealed class CaptureReader : IDisposable
{
    // Link types (tcpdump.org/linktypes.html) this reader takes apart.
    public const int LinkNull = 0, LinkEthernet = 1, LinkRaw = 101, LinkLinuxSll = 113, LinkLoop = 108,
        LinkIPv4 = 228, LinkIPv6 = 229, LinkLinuxSll2 = 276, LinkRawAlt1 = 12, LinkRawAlt2 = 14;
    private const uint PcapMagicMicro = 0xA1B2C3D4, PcapMagicNano = 0xA1B23C4D, PcapngSectionHeader = 0x0A0D0D0A;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    /// <summary>Larger records are not packets (snap lengths stop at 256 KiB): the file is corrupt here.</summary>
    private const int MaxRecord = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _pcapng;
    private bool _swapped;
    private long _position;
    private byte[] _record = new byte[64 * 1024];
    // pcap: one link type and clock; pcapng: one per interface, in the order of the section's IDBs.
    private int _pcapLinkType;
    private long _pcapTickNs;
    private readonly List<(int LinkType, long TickNs, bool Power2, int Exponent)> _interfaces = new();

    public CaptureReader(Stream stream, bool ownsStream = true)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        Span<byte> head = stackalloc byte[24];
        int got = ReadFully(head[..4]);
        if (got < 4) throw new CaptureFormatException(0, "the file is too short to be a capture (no pcap or pcapng header)");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (magic == PcapngSectionHeader)
        {
            _pcapng = true;
            ReadSectionHeader(0, null);
            return;
        }
        uint big = BinaryPrimitives.ReadUInt32BigEndian(head);
        (_swapped, bool nano) = (magic, big) switch
        {
            (PcapMagicMicro, _) => (false, false),
            (PcapMagicNano, _) => (false, true),
            (_, PcapMagicMicro) => (true, false),
            (_, PcapMagicNano) => (true, true),
            _ => throw new CaptureFormatException(0, $"not a pcap or pcapng file (magic 0x{magic:X8})"),
        };
        if (ReadFully(head[4..]) < 20) throw new CaptureFormatException(_position, "the pcap file header is cut short");
        _pcapTickNs = nano ? 1 : 1000;
        _pcapLinkType = (int)(U32(head[20..]) & 0x0FFF_FFFF);
    }

    public static CaptureReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan));

    /// <summary>Bytes of the file consumed so far (for progress, and the offset an error names).</summary>
    public long Position => _position;

    /// <summary>The file is pcapng (else classic pcap).</summary>
    public bool IsPcapng => _pcapng;

    /// <summary>
    /// The next packet, or false at the end of the file. <paramref name="packet"/>'s Data points into
    /// this reader's buffer: valid until the next call. Packets of link types this reader does not
    /// take apart, and non-IP frames, are skipped.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Next(out CapturedPacket packet)
    {
        while (true)
        {
            long start = _position;
            if (!ReadRawRecord(out long ns, out int linkType, out int captured, out int original)) { packet = default; return false; }
            if (captured < 0) continue; // a pcapng block that is not a packet
            ReadOnlySpan<byte> frame = new(_record, 0, captured);
            int offset = NetworkOffset(linkType, frame);
            if (offset < 0) continue;
            packet = new CapturedPacket(ns, new ReadOnlyMemory<byte>(_record, offset, captured - offset), original - offset, start);
            return true;
        }
    }

    /// <summary>Where the IP header starts in a frame of <paramref name="linkType"/>; -1 when the frame is not IPv4/IPv6.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int NetworkOffset(int linkType, ReadOnlySpan<byte> frame)
    {
        int offset, etherType;
        switch (linkType)
        {
            case LinkEthernet:
                if (frame.Length < 14) return -1;
                offset = 14;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                // 802.1Q / 802.1ad tags, stacked (QinQ): each is 4 bytes before the real type.
                for (int tags = 0; tags < 4 && etherType is 0x8100 or 0x88A8 or 0x9100 && frame.Length >= offset + 4; tags++)
                {
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
                    offset += 4;
                }
                break;
            case LinkLinuxSll:
                if (frame.Length < 16) return -1;
                offset = 16;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                break;
            case LinkLinuxSll2:
                if (frame.Length < 20) return -1;
                offset = 20;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                break;
            case LinkNull or LinkLoop:
                // A 4-byte address family in the capturing host's order: 2 is AF_INET; 24, 28, 30 are BSD AF_INET6.
                if (frame.Length < 4) return -1;
                offset = 4;
                etherType = 0; // decided by the IP version nibble below
                break;
            case LinkRaw or LinkRawAlt1 or LinkRawAlt2 or LinkIPv4 or LinkIPv6:
                offset = 0;
                etherType = 0;
                break;
            default:
                return -1;
        }
        if (frame.Length <= offset) return -1;
        int version = frame[offset] >> 4;
        return etherType switch
        {
            0x0800 when version == 4 => offset,
            0x86DD when version == 6 => offset,
            0 when version is 4 or 6 => offset,
            _ => -1,
        };
    }

    /// <summary>One record: a packet (captured ≥ 0) or a block to skip (captured -1). False at a clean end of file.</summary>
    private bool ReadRawRecord(out long ns, out int linkType, out int captured, out int original)
    {
        ns = 0; linkType = 0; captured = -1; original = 0;
        return _pcapng ? ReadBlock(ref ns, ref linkType, ref captured, ref original) : ReadPcapRecord(ref ns, ref linkType, ref captured, ref original);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool ReadPcapRecord(ref long ns, ref int linkType, ref int captured, ref int original)
    {
        long start = _position;
        Span<byte> header = stackalloc byte[16];
        if (!ReadHeader(header, start, static (at, got) => $"the packet record header at offset {at} is cut short ({got} of 16 bytes): the file ends mid-record")) return false;
        uint seconds = U32(header), fraction = U32(header[4..]);
        captured = (int)U32(header[8..]);
        original = (int)U32(header[12..]);
        if ((uint)captured > MaxRecord) throw new CaptureFormatException(start, $"the packet record at offset {start} claims {(uint)captured} captured bytes: the file is corrupt here");
        ReadBody(captured, start);
        ns = seconds * 1_000_000_000L + fraction * _pcapTickNs;
        linkType = _pcapLinkType;
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool ReadBlock(ref long ns, ref int linkType, ref int captured, ref int original)
    {
        long start = _position;
        Span<byte> header = stackalloc byte[8];
        if (!ReadHeader(header, start, static (at, _) => $"the pcapng block at offset {at} is cut short: the file ends mid-block")) return false;
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (type == PcapngSectionHeader)
        {
            // A new section: its own byte order and interfaces.
            _interfaces.Clear();
            ReadSectionHeader(start, header[4..].ToArray());
            return true;
        }
        uint length = U32(header[4..]);
        if (length < 12 || length % 4 != 0 || length > MaxRecord)
            throw new CaptureFormatException(start, $"the pcapng block at offset {start} has an impossible length {length}: the file is corrupt here");
        int body = (int)length - 8;
        ReadBody(body, start);
        var span = new ReadOnlySpan<byte>(_record, 0, body);
        switch (type)
        {
            case 1: // Interface Description Block
                _interfaces.Add(InterfaceOf(span, start));
                return true;
            case 6: // Enhanced Packet Block
            {
                if (body < 24) throw new CaptureFormatException(start, $"the packet block at offset {start} is too short");
                int id = (int)U32(span);
                if (id >= _interfaces.Count) throw new CaptureFormatException(start, $"the packet block at offset {start} names interface {id}, which the file never described");
                var iface = _interfaces[id];
                ulong stamp = ((ulong)U32(span[4..]) << 32) | U32(span[8..]);
                captured = (int)U32(span[12..]);
                original = (int)U32(span[16..]);
                if (captured > body - 24) throw new CaptureFormatException(start, $"the packet block at offset {start} claims more bytes than it holds");
                ns = ToNanoseconds(stamp, iface);
                linkType = iface.LinkType;
                Buffer.BlockCopy(_record, 20, _record, 0, captured);
                return true;
            }
            case 3: // Simple Packet Block: interface 0, no time stamp
            {
                if (_interfaces.Count == 0) throw new CaptureFormatException(start, $"the simple packet block at offset {start} comes before any interface");
                original = (int)U32(span);
                captured = Math.Min(original, body - 4);
                linkType = _interfaces[0].LinkType;
                Buffer.BlockCopy(_record, 4, _record, 0, captured);
                return true;
            }
            default:
                return true; // statistics, name resolution, custom blocks: nothing for us
        }
    }

    private void ReadSectionHeader(long start, byte[]? lengthBytes)
    {
        // Block type (4), length (4), byte-order magic (4), version (4), section length (8), options.
        Span<byte> fixedPart = stackalloc byte[12];
        lengthBytes ??= ReadArray(4, start);
        if (ReadFully(fixedPart[..4]) < 4) throw new CaptureFormatException(start, "the pcapng section header is cut short");
        uint order = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart);
        _swapped = order switch
        {
            ByteOrderMagic => !BitConverter.IsLittleEndian,
            0x4D3C2B1A => BitConverter.IsLittleEndian,
            _ => throw new CaptureFormatException(start, $"the pcapng section header at offset {start} has no valid byte-order magic"),
        };
        uint length = U32(lengthBytes);
        if (length < 28 || length % 4 != 0 || length > MaxRecord)
            throw new CaptureFormatException(start, $"the pcapng section header at offset {start} has an impossible length {length}");
        ReadBody((int)length - 12, start);
    }

    private (int LinkType, long TickNs, bool Power2, int Exponent) InterfaceOf(ReadOnlySpan<byte> body, long start)
    {
        int linkType = U16(body);
        // Options from offset 8: if_tsresol (code 9) sets the clock; the default is microseconds.
        (bool power2, int exponent) = (false, 6);
        int at = 8;
        while (at + 4 <= body.Length - 4)
        {
            int code = U16(body[at..]), length = U16(body[(at + 2)..]);
            if (code == 0) break;
            if (code == 9 && length >= 1 && at + 4 < body.Length)
            {
                byte resolution = body[at + 4];
                (power2, exponent) = ((resolution & 0x80) != 0, resolution & 0x7F);
            }
            at += 4 + ((length + 3) & ~3);
        }
        long tick = !power2 && exponent <= 9 ? Pow10(9 - exponent) : 0;
        return (linkType, tick, power2, exponent);
    }

    private static long ToNanoseconds(ulong stamp, (int LinkType, long TickNs, bool Power2, int Exponent) iface)
    {
        if (iface.TickNs > 0) return (long)stamp * iface.TickNs;
        if (iface.Power2) return (long)((double)stamp / Math.Pow(2, iface.Exponent) * 1e9);
        // Finer than a nanosecond: scale down.
        return (long)(stamp / (ulong)Pow10(iface.Exponent - 9));
    }

    private static long Pow10(int n)
    {
        long value = 1;
        for (int i = 0; i < n; i++) value *= 10;
        return value;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ReadBody(int length, long start)
    {
        if (length > _record.Length) _record = new byte[Math.Max(length, _record.Length * 2)];
        int got = ReadFully(new Span<byte>(_record, 0, length));
        if (got < length)
            throw new CaptureFormatException(start, $"the record at offset {start} is cut short ({got} of {length} bytes): the file ends mid-record");
    }

    private byte[] ReadArray(int length, long start)
    {
        var bytes = new byte[length];
        if (ReadFully(bytes) < length) throw new CaptureFormatException(start, $"the record at offset {start} is cut short");
        return bytes;
    }

    /// <summary>A record's fixed header: false at a clean end of the file; a header cut short is a format error (<paramref name="cutShort"/> of its offset and the bytes there were).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool ReadHeader(Span<byte> header, long start, Func<long, int, string> cutShort)
    {
        int got = ReadFully(header);
        if (got == 0) return false;
        if (got < header.Length) throw new CaptureFormatException(start, cutShort(start, got));
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int ReadFully(Span<byte> into)
    {
        int got = _stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        _position += got;
        return got;
    }

    private uint U32(ReadOnlySpan<byte> b) => _swapped ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);
    private int U16(ReadOnlySpan<byte> b) => _swapped ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    public void Dispose()
    {
        if (_ownsStream) _stream.Dispose();
    }
}

/// <summary>One packet: its network-layer bytes (as captured, maybe cut to the snap length), its length on the wire, when, and where in the file.</summary>
public readonly record struct CapturedPacket(long UnixNanoseconds, ReadOnlyMemory<byte> Data, int OriginalLength, long FileOffset);

/// <summary>The file is cut short or corrupt at <see cref="Offset"/>; everything before it was read.</summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(long offset, string message) : base(message) { Offset = offset; }

    public long Offset { get; }
}
