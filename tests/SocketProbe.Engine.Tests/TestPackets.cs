using System.Buffers.Binary;
using System.Net;

namespace SocketProbe.Engine.Tests;

/// <summary>Synthetic packets as a capture or the wire ring holds them (network header first; checksums not needed).</summary>
internal static class TestPackets
{
    /// <summary>An IPv4 (or IPv6) TCP packet, headers only, its lengths saying how much payload it carried.</summary>
    public static byte[] Tcp(IPAddress src, int sport, IPAddress dst, int dport, byte flags, uint seq, uint ack, int payload = 0, int ttl = 64, int window = 512, int ipId = 1)
    {
        bool v6 = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int ip = v6 ? 40 : 20;
        var p = new byte[ip + 20];
        if (v6)
        {
            p[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(20 + payload));
            p[6] = 6;
            p[7] = (byte)ttl;
            src.GetAddressBytes().CopyTo(p, 8);
            dst.GetAddressBytes().CopyTo(p, 24);
        }
        else
        {
            p[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)(40 + payload));
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)ipId);
            p[8] = (byte)ttl;
            p[9] = 6;
            src.GetAddressBytes().CopyTo(p, 12);
            dst.GetAddressBytes().CopyTo(p, 16);
        }
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip), (ushort)sport);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 2), (ushort)dport);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(ip + 4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(ip + 8), ack);
        p[ip + 12] = 0x50;
        p[ip + 13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 14), (ushort)window);
        return p;
    }

    /// <summary>An IPv4 ICMP host-unreachable from <paramref name="router"/> to <paramref name="to"/>, quoting the first 28 bytes of <paramref name="quoted"/> (its IP header and 8 bytes of TCP).</summary>
    public static byte[] IcmpHostUnreachable(IPAddress router, IPAddress to, byte[] quoted, int ttl = 64)
    {
        var icmp = new byte[20 + 8 + 28];
        icmp[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), (ushort)icmp.Length);
        icmp[8] = (byte)ttl;
        icmp[9] = 1;
        router.GetAddressBytes().CopyTo(icmp, 12);
        to.GetAddressBytes().CopyTo(icmp, 16);
        icmp[20] = 3; // destination unreachable
        icmp[21] = 1; // host
        quoted.AsSpan(0, 28).CopyTo(icmp.AsSpan(28));
        return icmp;
    }
}
