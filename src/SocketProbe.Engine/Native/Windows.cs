using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Native;

/// <summary>The Windows calls .NET does not expose: a socket's name after a failed connect (ws2_32), the TCP/IP counters (iphlpapi).</summary>
internal static unsafe class Windows
{
    [DllImport("ws2_32", SetLastError = true)] public static extern int getsockname(nint socket, byte* address, int* length);

    [StructLayout(LayoutKind.Sequential)]
    internal struct MIB_TCPSTATS
    {
        public uint dwRtoAlgorithm, dwRtoMin, dwRtoMax, dwMaxConn, dwActiveOpens, dwPassiveOpens, dwAttemptFails,
            dwEstabResets, dwCurrEstab, dwInSegs, dwOutSegs, dwRetransSegs, dwInErrs, dwOutRsts, dwNumConns;
    }

    // tcpmib.h MIB_TCPSTATS2: segment counts are DWORD64 (8-byte aligned, as in C).
    [StructLayout(LayoutKind.Sequential)]
    internal struct MIB_TCPSTATS2
    {
        public uint RtoAlgorithm, dwRtoMin, dwRtoMax, dwMaxConn, dwActiveOpens, dwPassiveOpens, dwAttemptFails, dwEstabResets, dwCurrEstab;
        public ulong dw64InSegs, dw64OutSegs;
        public uint dwRetransSegs, dwInErrs, dwOutRsts, dwNumConns;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MIB_UDPSTATS { public uint dwInDatagrams, dwNoPorts, dwInErrors, dwOutDatagrams, dwNumAddrs; }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MIB_UDPSTATS2
    {
        public ulong dw64InDatagrams;
        public uint dwNoPorts, dwInErrors;
        public ulong dw64OutDatagrams;
        public uint dwNumAddrs;
    }

    // ipmib.h MIB_ICMP_EX: two MIBICMPSTATS_EX { DWORD dwMsgs; DWORD dwErrors; DWORD rgdwTypeCount[256]; }.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MIB_ICMP_EX
    {
        public uint InMsgs, InErrors;
        public fixed uint InTypeCount[256];
        public uint OutMsgs, OutErrors;
        public fixed uint OutTypeCount[256];
    }

    [DllImport("iphlpapi.dll")] public static extern uint GetTcpStatisticsEx(out MIB_TCPSTATS stats, uint family);
    [DllImport("iphlpapi.dll")] public static extern uint GetTcpStatisticsEx2(out MIB_TCPSTATS2 stats, uint family);
    [DllImport("iphlpapi.dll")] public static extern uint GetUdpStatisticsEx(out MIB_UDPSTATS stats, uint family);
    [DllImport("iphlpapi.dll")] public static extern uint GetUdpStatisticsEx2(out MIB_UDPSTATS2 stats, uint family);
    [DllImport("iphlpapi.dll")] public static extern unsafe uint GetIcmpStatisticsEx(MIB_ICMP_EX* stats, uint family);
}
