using System.Buffers.Binary;
using System.Text;

namespace SocketProbe.Engine.Capture;

/// <summary>
/// Writes a pcapng file (draft-ietf-opsawg-pcapng) that tcpdump and Wireshark read: one section, one
/// interface of link type RAW (101: packets start at the IP header, as the capture keeps them) with
/// nanosecond time stamps, then one Enhanced Packet Block per packet. Little-endian throughout.
/// </summary>
public sealed class PcapNgWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _block = new byte[64 * 1024 + 64];

    public PcapNgWriter(Stream stream, string? comment = null)
    {
        _stream = stream;
        WriteSectionHeader(comment);
        WriteInterface();
    }

    public static PcapNgWriter Create(string path, string? comment = null) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), comment);

    /// <summary>One packet: network-layer bytes as captured, and their length on the wire.</summary>
    public void Write(long unixNanoseconds, ReadOnlySpan<byte> packet, int originalLength)
    {
        int padded = (packet.Length + 3) & ~3;
        int length = 32 + padded;
        Span<byte> b = _block.AsSpan(0, length);
        b.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b, 6);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], 0); // interface 0
        ulong stamp = (ulong)unixNanoseconds;
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], (uint)(stamp >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], (uint)stamp);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], (uint)packet.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], (uint)Math.Max(originalLength, packet.Length));
        packet.CopyTo(b[28..]);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(length - 4)..], (uint)length);
        _stream.Write(b);
    }

    private void WriteSectionHeader(string? comment)
    {
        byte[] options = Options(comment is null ? Array.Empty<(int, byte[])>() : new[] { (1, Encoding.UTF8.GetBytes(comment)) });
        int length = 28 + options.Length;
        var b = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 0x0A0D0D0A);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), 1); // version 1.0
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(16), -1); // section length unknown
        options.CopyTo(b, 24);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(length - 4), (uint)length);
        _stream.Write(b);
    }

    private void WriteInterface()
    {
        // if_tsresol (9) = 9: nanoseconds.
        byte[] options = Options(new[] { (9, new byte[] { 9 }) });
        int length = 20 + options.Length;
        var b = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), CaptureReader.LinkRaw);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), 262144); // snap length
        options.CopyTo(b, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(length - 4), (uint)length);
        _stream.Write(b);
    }

    /// <summary>Options as pcapng lays them out (code, length, value padded to 4), ended by opt_endofopt.</summary>
    private static byte[] Options(IEnumerable<(int Code, byte[] Value)> options)
    {
        var bytes = new List<byte>();
        foreach (var (code, value) in options)
        {
            bytes.AddRange(BitConverter.GetBytes((ushort)code));
            bytes.AddRange(BitConverter.GetBytes((ushort)value.Length));
            bytes.AddRange(value);
            while (bytes.Count % 4 != 0) bytes.Add(0);
        }
        if (bytes.Count > 0) bytes.AddRange(new byte[4]);
        return bytes.ToArray();
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Merge pcap/pcapng files into one pcapng in time order (each run's capture is already in order:
    /// a k-way merge holds one packet per file). Files that do not exist are skipped.
    /// </summary>
    public static long Merge(IEnumerable<string> parts, string into, string? comment = null)
    {
        var readers = parts.Where(File.Exists).Select(CaptureReader.Open).ToList();
        long written = 0;
        try
        {
            using var writer = Create(into, comment);
            var heads = new (bool Has, CapturedPacket Packet, byte[] Copy)[readers.Count];
            for (int i = 0; i < readers.Count; i++) heads[i] = Advance(readers[i]);
            while (true)
            {
                int best = -1;
                for (int i = 0; i < heads.Length; i++)
                    if (heads[i].Has && (best < 0 || heads[i].Packet.UnixNanoseconds < heads[best].Packet.UnixNanoseconds)) best = i;
                if (best < 0) break;
                writer.Write(heads[best].Packet.UnixNanoseconds, heads[best].Copy, heads[best].Packet.OriginalLength);
                written++;
                heads[best] = Advance(readers[best]);
            }
        }
        finally
        {
            foreach (CaptureReader reader in readers) reader.Dispose();
        }
        return written;

        static (bool, CapturedPacket, byte[]) Advance(CaptureReader reader) =>
            reader.Next(out CapturedPacket packet) ? (true, packet, packet.Data.ToArray()) : (false, default, Array.Empty<byte>());
    }
}
