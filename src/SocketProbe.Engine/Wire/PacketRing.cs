using static SocketProbe.Engine.Native.Libc;
using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Wire;

/// <summary>
/// A Linux AF_PACKET socket with a memory-mapped receive ring (TPACKET_V2) and a fixed classic BPF
/// program that keeps only IPv4/IPv6 TCP, UDP, ICMP and ICMPv6, cut to their headers. The kernel
/// copies each packet's first bytes into the ring and stamps it (CLOCK_REALTIME); nothing is read
/// until <see cref="Drain"/>, so capturing costs one socket, one mmap and no thread.
/// Why not libpcap (SharpPcap): measured here, opening lo through it took 7-16 ms and stopping its
/// capture thread 12 ms per run, more than the 20 ms a whole capture may cost; this is well under 1 ms.
/// Opening needs CAP_NET_RAW in the network namespace's user namespace: root on the host, the
/// lab's own root inside the lab.
/// </summary>
internal sealed unsafe class PacketRing : IDisposable
{
    private const int AF_PACKET = 17, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1, SO_ATTACH_FILTER = 26;
    private const int SOL_PACKET = 263, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10, TPACKET_V2 = 1;
    private const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private const ushort ETH_P_ALL_BE = 0x0300; // htons(ETH_P_ALL = 3)
    private const uint TP_STATUS_USER = 1;
    private const byte PACKET_OUTGOING = 4;

    /// <summary>Bytes of a frame: its 32-byte header and sockaddr_ll, then the packet from offset 80 (176 bytes: any IPv6 ICMP error's quote).</summary>
    private const int FrameSize = 256;
    private const int BlockSize = 4096;
    /// <summary>
    /// 32,768 frames (8 MiB): the ring is shared by every run and keeps all of lo's TCP/UDP/ICMP, so
    /// other traffic on lo fills it too. At 4,096 frames a loopback burst of ~60,000 packets/s filled it
    /// between two drains and the kernel dropped what came next: a run kept its handshake and lost
    /// its connection's end (measured: 10 of 180 connections in a matrix beside a UDP flood).
    /// </summary>
    private const int BlockCount = 2048;
    private const int FramesPerBlock = BlockSize / FrameSize;
    private const int FrameCount = BlockCount * FramesPerBlock;
    /// <summary>What the filter keeps of a packet: the IP and TCP headers with options, or an ICMP error and its quote.</summary>
    private const uint SnapLength = 176;

    private const int SOCK_NONBLOCK = 0x800, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40;
    private const nuint SIOCGSTAMPNS = 0x8907;
    /// <summary>Receive buffer of a ring-less socket: the kernel charges a whole skb per packet (64 KiB on lo), so room for hundreds.</summary>
    private const int PlainBufferBytes = 32 * 1024 * 1024;

    private readonly int _fd;
    private readonly byte* _ring;
    private readonly nint _ringLength;
    private readonly int _loopbackIndex;
    private int _next;
    private bool _disposed;

    private PacketRing(int fd, byte* ring, nint ringLength, int loopbackIndex)
    {
        _fd = fd;
        _ring = ring;
        _ringLength = ringLength;
        _loopbackIndex = loopbackIndex;
    }

    /// <summary>One packet from the ring: network-layer bytes (cut to the snap length), their original length, when the kernel saw it.</summary>
    public readonly record struct Frame(long UnixNanoseconds, ushort EtherType, int OriginalLength, byte[] Data);

    /// <summary>Open a ring on one interface (0: all of them). Throws <see cref="WireUnavailableException"/> with the reason when it cannot.</summary>
    public static PacketRing Open(string interfaceName)
    {
        if (!OperatingSystem.IsLinux())
            throw new WireUnavailableException("capture uses a Linux AF_PACKET socket; no capture technique on this platform yet");
        int loopback = (int)if_nametoindex("lo");
        int index = interfaceName == "any" ? 0 : (int)if_nametoindex(interfaceName);
        if (interfaceName != "any" && index == 0) throw new WireUnavailableException($"no interface '{interfaceName}' here");
        // Protocol 0: the socket receives nothing until bind, so no packet slips past the filter.
        int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new WireUnavailableException(errno == 1
                ? "capture needs root or CAP_NET_RAW to open an AF_PACKET socket (socket: EPERM, Operation not permitted)"
                : $"socket(AF_PACKET) failed: errno {errno}");
        }
        byte* ring = null;
        nint length = (nint)BlockSize * BlockCount;
        try
        {
            int version = TPACKET_V2;
            Check(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(int)), "PACKET_VERSION");
            AttachFilter(fd, loopback);
            var request = new TpacketReq { BlockSize = BlockSize, BlockCount = BlockCount, FrameSize = FrameSize, FrameCount = FrameCount };
            Check(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof(TpacketReq)), "PACKET_RX_RING");
            ring = (byte*)mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if ((nint)ring == -1) { ring = null; Check(-1, "mmap"); }
            var address = new SockaddrLl { Family = AF_PACKET, Protocol = ETH_P_ALL_BE, IfIndex = index };
            Check(bind(fd, &address, sizeof(SockaddrLl)), "bind");
            return new PacketRing(fd, ring, length, loopback);
        }
        catch
        {
            if (ring is not null) munmap(ring, length);
            close(fd);
            throw;
        }
    }

    /// <summary>
    /// A socket without ring, on every interface, for a process that lives for one run (the lab):
    /// setting up a ring and binding to one interface each wait for an RCU grace period in the
    /// kernel (synchronize_net(), 7-15 ms measured here), this does neither; only its close waits
    /// for one. Bursts are absorbed by a large receive buffer (SO_RCVBUFFORCE where allowed) and
    /// the caller's periodic drain.
    /// </summary>
    public static PacketRing OpenPlain()
    {
        if (!OperatingSystem.IsLinux())
            throw new WireUnavailableException("capture uses a Linux AF_PACKET socket; no capture technique on this platform yet");
        int loopback = (int)if_nametoindex("lo");
        // Protocol ETH_P_ALL at creation: receiving from now on, so nothing needs binding (and no grace period).
        int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, ETH_P_ALL_BE);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new WireUnavailableException(errno == 1
                ? "capture needs root or CAP_NET_RAW to open an AF_PACKET socket (socket: EPERM, Operation not permitted)"
                : $"socket(AF_PACKET) failed: errno {errno}");
        }
        try
        {
            AttachFilter(fd, loopback);
            int size = PlainBufferBytes;
            if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));
            // The first SIOCGSTAMPNS turns on receive timestamps (sock_enable_timestamp): from then on
            // each packet's own arrival time is what SIOCGSTAMPNS gives after its recvfrom.
            long* stamp = stackalloc long[2];
            ioctl(fd, SIOCGSTAMPNS, stamp);
            return new PacketRing(fd, null, 0, loopback);
        }
        catch
        {
            close(fd);
            throw;
        }
    }

    /// <summary>
    /// Move every packet the kernel has queued since the last drain into <paramref name="into"/> (ring
    /// frames go back to the kernel); returns how many it left out (lo's outgoing copies).
    /// </summary>
    public int Drain(List<Frame> into)
    {
        if (_disposed) return 0;
        if (_ring is null) return DrainPlain(into);
        int skipped = 0;
        for (int seen = 0; seen < FrameCount; seen++)
        {
            byte* frame = _ring + (nint)_next * FrameSize;
            var header = (Tpacket2Hdr*)frame;
            if ((Volatile.Read(ref header->Status) & TP_STATUS_USER) == 0) return skipped;
            var sll = (SockaddrLl*)(frame + 32);
            // On lo every packet passes twice (sent, then received); keep the received copy, as libpcap does.
            bool duplicate = sll->PacketType == PACKET_OUTGOING && sll->IfIndex == _loopbackIndex;
            if (!duplicate)
            {
                var data = new byte[header->SnapLength];
                new ReadOnlySpan<byte>(frame + header->NetOffset, (int)header->SnapLength).CopyTo(data);
                into.Add(new Frame(header->Seconds * 1_000_000_000L + header->Nanoseconds,
                    (ushort)((sll->Protocol >> 8) | (sll->Protocol << 8)), (int)header->Length, data));
            }
            else skipped++;
            Volatile.Write(ref header->Status, 0);
            _next = (_next + 1) % FrameCount;
        }
        return skipped;
    }

    private int DrainPlain(List<Frame> into)
    {
        int skipped = 0;
        var buffer = stackalloc byte[(int)SnapLength];
        SockaddrLl from;
        long* stamp = stackalloc long[2];
        // Bounded: at most what a 32 MiB buffer can hold in one drain.
        for (int i = 0; i < 100_000; i++)
        {
            int length = sizeof(SockaddrLl);
            nint got = recvfrom(_fd, buffer, (nint)SnapLength, MSG_TRUNC | MSG_DONTWAIT, &from, &length);
            if (got < 0) return skipped; // EAGAIN: nothing more queued
            // The filter already drops lo's outgoing copies; a packet queued before it was attached may still be one.
            if (from.PacketType == PACKET_OUTGOING && from.IfIndex == _loopbackIndex) { skipped++; continue; }
            long nanoseconds = ioctl(_fd, SIOCGSTAMPNS, stamp) == 0 ? stamp[0] * 1_000_000_000L + stamp[1] : WireCapture.UnixNowNanoseconds();
            int kept = (int)Math.Min(got, (nint)SnapLength);
            into.Add(new Frame(nanoseconds, (ushort)((from.Protocol >> 8) | (from.Protocol << 8)), (int)got,
                new ReadOnlySpan<byte>(buffer, kept).ToArray()));
        }
        return skipped;
    }

    /// <summary>Packets the kernel dropped because the ring was full, since the last call.</summary>
    public uint Dropped()
    {
        if (_disposed) return 0;
        var stats = stackalloc uint[2];
        uint size = 8;
        return getsockopt(_fd, SOL_PACKET, PACKET_STATISTICS, stats, &size) == 0 ? stats[1] : 0;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ring is not null) munmap(_ring, _ringLength);
        close(_fd);
    }

    /// <summary>
    /// The fixed filter (no user value enters it): drop lo's outgoing copies; keep IPv4 protocol 6,
    /// 1, 17 and IPv6 next header 6, 58, 17, cut to <see cref="SnapLength"/>; drop the rest.
    /// A SOCK_DGRAM packet socket filters from the network header, so offsets are the IP header's.
    /// </summary>
    private static void AttachFilter(int fd, int loopbackIndex)
    {
        const ushort LdW = 0x20, LdB = 0x30, JeqK = 0x15, RetK = 0x06;
        const uint AncillaryProtocol = 0xFFFFF000, AncillaryPacketType = 0xFFFFF004, AncillaryIfIndex = 0xFFFFF008;
        // Jumps are relative: the target is pc + 1 + offset. Accept is instruction 15, reject 16.
        var program = new SockFilter[]
        {
            /* 0 */ new(LdW, 0, 0, AncillaryPacketType),
            /* 1 */ new(JeqK, 0, 2, PACKET_OUTGOING),       // outgoing: check the interface; else 4
            /* 2 */ new(LdW, 0, 0, AncillaryIfIndex),
            /* 3 */ new(JeqK, 12, 0, (uint)loopbackIndex),   // lo's outgoing copy: reject (16)
            /* 4 */ new(LdW, 0, 0, AncillaryProtocol),
            /* 5 */ new(JeqK, 0, 4, 0x0800),                 // IPv4, else 10
            /* 6 */ new(LdB, 0, 0, 9),
            /* 7 */ new(JeqK, 7, 0, 6),                      // TCP: accept (15)
            /* 8 */ new(JeqK, 6, 0, 1),                      // ICMP
            /* 9 */ new(JeqK, 5, 6, 17),                     // UDP, else reject
            /* 10 */ new(JeqK, 0, 5, 0x86DD),                // IPv6, else reject
            /* 11 */ new(LdB, 0, 0, 6),
            /* 12 */ new(JeqK, 2, 0, 6),                     // TCP
            /* 13 */ new(JeqK, 1, 0, 58),                    // ICMPv6
            /* 14 */ new(JeqK, 0, 1, 17),                    // UDP, else reject
            /* 15 */ new(RetK, 0, 0, SnapLength),
            /* 16 */ new(RetK, 0, 0, 0),
        };
        fixed (SockFilter* filter = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = filter };
            Check(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(SockFprog)), "SO_ATTACH_FILTER");
        }
    }

    private static void Check(int result, string what)
    {
        if (result < 0) throw new WireUnavailableException($"capture setup failed at {what}: errno {Marshal.GetLastPInvokeError()}");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TpacketReq { public uint BlockSize, BlockCount, FrameSize, FrameCount; }

    [StructLayout(LayoutKind.Sequential)]
    private struct Tpacket2Hdr
    {
        public uint Status, Length, SnapLength;
        public ushort MacOffset, NetOffset;
        public uint Seconds, Nanoseconds;
        public ushort VlanTci, VlanTpid;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrLl // 20 bytes, as the kernel's
    {
        public ushort Family, Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PacketType, HaLength;
        public fixed byte Address[8];
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct SockFilter
    {
        public SockFilter(ushort code, byte jt, byte jf, uint k) { Code = code; Jt = jt; Jf = jf; K = k; }
        public readonly ushort Code;
        public readonly byte Jt, Jf;
        public readonly uint K;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog { public ushort Length; public SockFilter* Filter; }
}

/// <summary>Capture cannot run here (no privilege, no technique on this platform); the message says why.</summary>
public sealed class WireUnavailableException : Exception
{
    public WireUnavailableException(string message) : base(message) { }
}
