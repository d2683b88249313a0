using static SocketProbe.Engine.Native.Windows;
using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Counters;

/// <summary>
/// Windows: iphlpapi's GetTcpStatisticsEx2 (64-bit segment counts, Windows 10+; GetTcpStatisticsEx
/// before it), GetUdpStatisticsEx2 / GetUdpStatisticsEx and GetIcmpStatisticsEx, for IPv4 and IPv6.
/// Named like nstat where the MIB-II counter is the same (TcpAttemptFails, TcpOutRsts, UdpNoPorts,
/// IcmpInDestUnreachs); Windows keeps TCP apart per family, so IPv6's TCP counters are Tcp6*.
/// Documented (learn.microsoft.com, iphlpapi.h / tcpmib.h / udpmib.h / ipmib.h), not verified: it
/// cannot run here.
/// </summary>
public static class WindowsCounters
{
    private const uint AF_INET = 2, AF_INET6 = 23;
    private const string Api = "iphlpapi GetTcpStatisticsEx2/GetUdpStatisticsEx2/GetIcmpStatisticsEx (host-wide)";

    public static CounterSnapshot Read()
    {
        var values = new List<KeyValuePair<string, long>>();
        try
        {
            foreach (var (family, tcp, udp, icmp) in new[] { (AF_INET, "Tcp", "Udp", "Icmp"), (AF_INET6, "Tcp6", "Udp6", "Icmp6") })
            {
                AddTcp(values, family, tcp);
                AddUdp(values, family, udp);
                AddIcmp(values, family, icmp);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CountersUnavailableException($"iphlpapi.dll is not usable here: {ex.Message}", ex);
        }
        return new CounterSnapshot(values, DateTime.Now, Api);
    }

    private static void AddTcp(List<KeyValuePair<string, long>> values, uint family, string p)
    {
        uint rc;
        try
        {
            rc = GetTcpStatisticsEx2(out MIB_TCPSTATS2 s, family);
            if (rc == 0)
            {
                Tcp(values, p, s.dwActiveOpens, s.dwPassiveOpens, s.dwAttemptFails, s.dwEstabResets,
                    (long)s.dw64InSegs, (long)s.dw64OutSegs, s.dwRetransSegs, s.dwInErrs, s.dwOutRsts);
                return;
            }
        }
        catch (EntryPointNotFoundException) { } // before Windows 10: the 32-bit call below
        rc = GetTcpStatisticsEx(out MIB_TCPSTATS t, family);
        if (rc != 0) return; // the family is not installed (IPv6 disabled): no counters for it
        Tcp(values, p, t.dwActiveOpens, t.dwPassiveOpens, t.dwAttemptFails, t.dwEstabResets,
            t.dwInSegs, t.dwOutSegs, t.dwRetransSegs, t.dwInErrs, t.dwOutRsts);
    }

    private static void Tcp(List<KeyValuePair<string, long>> v, string p, long active, long passive, long attemptFails,
        long estabResets, long inSegs, long outSegs, long retrans, long inErrs, long outRsts)
    {
        v.Add(new(p + "ActiveOpens", active)); v.Add(new(p + "PassiveOpens", passive));
        v.Add(new(p + "AttemptFails", attemptFails)); v.Add(new(p + "EstabResets", estabResets));
        v.Add(new(p + "InSegs", inSegs)); v.Add(new(p + "OutSegs", outSegs)); v.Add(new(p + "RetransSegs", retrans));
        v.Add(new(p + "InErrs", inErrs)); v.Add(new(p + "OutRsts", outRsts));
    }

    private static void AddUdp(List<KeyValuePair<string, long>> v, uint family, string p)
    {
        try
        {
            if (GetUdpStatisticsEx2(out MIB_UDPSTATS2 s, family) == 0)
            {
                v.Add(new(p + "InDatagrams", (long)s.dw64InDatagrams)); v.Add(new(p + "NoPorts", s.dwNoPorts));
                v.Add(new(p + "InErrors", s.dwInErrors)); v.Add(new(p + "OutDatagrams", (long)s.dw64OutDatagrams));
                return;
            }
        }
        catch (EntryPointNotFoundException) { }
        if (GetUdpStatisticsEx(out MIB_UDPSTATS u, family) != 0) return;
        v.Add(new(p + "InDatagrams", u.dwInDatagrams)); v.Add(new(p + "NoPorts", u.dwNoPorts));
        v.Add(new(p + "InErrors", u.dwInErrors)); v.Add(new(p + "OutDatagrams", u.dwOutDatagrams));
    }

    private static unsafe void AddIcmp(List<KeyValuePair<string, long>> v, uint family, string p)
    {
        MIB_ICMP_EX s;
        if (GetIcmpStatisticsEx(&s, family) != 0) return;
        // Destination unreachable is ICMP type 3 over IPv4, ICMPv6 type 1 over IPv6.
        int unreach = family == AF_INET ? 3 : 1;
        v.Add(new(p + "InMsgs", s.InMsgs)); v.Add(new(p + "InErrors", s.InErrors));
        v.Add(new(p + "InDestUnreachs", s.InTypeCount[unreach]));
        v.Add(new(p + "OutMsgs", s.OutMsgs)); v.Add(new(p + "OutErrors", s.OutErrors));
        v.Add(new(p + "OutDestUnreachs", s.OutTypeCount[unreach]));
    }

    // tcpmib.h MIB_TCPSTATS (MIB_TCPSTATS_LH): every field a DWORD.
}
