using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Counters;

/// <summary>
/// macOS: sysctlbyname("net.inet.tcp.stats") returns xnu's struct tcpstat (bsd/netinet/tcp_var.h).
/// Only its first 60 fields are read (tcps_connattempt ... tcps_listendrop): every one a u_int32_t,
/// in the same order since the FreeBSD 4 import; the later fields changed between releases.
/// Host-wide. Documented, not verified: it cannot run here.
/// </summary>
public static class MacCounters
{
    public const string SysctlName = "net.inet.tcp.stats";

    // xnu bsd/netinet/tcp_var.h struct tcpstat, in order.
    internal static readonly string[] Fields =
    {
        "tcps_connattempt", "tcps_accepts", "tcps_connects", "tcps_drops", "tcps_conndrops", "tcps_closed",
        "tcps_segstimed", "tcps_rttupdated", "tcps_delack", "tcps_timeoutdrop", "tcps_rexmttimeo", "tcps_persisttimeo",
        "tcps_keeptimeo", "tcps_keepprobe", "tcps_keepdrops",
        "tcps_sndtotal", "tcps_sndpack", "tcps_sndbyte", "tcps_sndrexmitpack", "tcps_sndrexmitbyte", "tcps_sndacks",
        "tcps_sndprobe", "tcps_sndurg", "tcps_sndwinup", "tcps_sndctrl",
        "tcps_rcvtotal", "tcps_rcvpack", "tcps_rcvbyte", "tcps_rcvbadsum", "tcps_rcvbadoff", "tcps_rcvmemdrop",
        "tcps_rcvshort", "tcps_rcvduppack", "tcps_rcvdupbyte", "tcps_rcvpartduppack", "tcps_rcvpartdupbyte",
        "tcps_rcvoopack", "tcps_rcvoobyte", "tcps_rcvpackafterwin", "tcps_rcvbyteafterwin", "tcps_rcvafterclose",
        "tcps_rcvwinprobe", "tcps_rcvdupack", "tcps_rcvacktoomuch", "tcps_rcvackpack", "tcps_rcvackbyte", "tcps_rcvwinupd",
        "tcps_pawsdrop", "tcps_predack", "tcps_preddat", "tcps_pcbcachemiss", "tcps_cachedrtt", "tcps_cachedrttvar",
        "tcps_cachedssthresh", "tcps_usedrtt", "tcps_usedrttvar", "tcps_usedssthresh", "tcps_persistdrop", "tcps_badsyn",
        "tcps_mturesent", "tcps_listendrop",
    };

    public static unsafe CounterSnapshot Read()
    {
        nuint size = 0;
        try
        {
            if (Native.Libc.sysctlbyname(SysctlName, null, &size, null, 0) != 0 || size < (nuint)(Fields.Length * 4))
                throw new CountersUnavailableException($"sysctl {SysctlName} is not readable here (errno {Marshal.GetLastPInvokeError()})");
            byte[] buffer = new byte[(int)size];
            fixed (byte* p = buffer)
            {
                if (Native.Libc.sysctlbyname(SysctlName, p, &size, null, 0) != 0)
                    throw new CountersUnavailableException($"sysctl {SysctlName} failed (errno {Marshal.GetLastPInvokeError()})");
            }
            return new CounterSnapshot(Parse(buffer), DateTime.Now, $"sysctl {SysctlName} (host-wide)");
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CountersUnavailableException($"sysctlbyname is not available: {ex.Message}", ex);
        }
    }

    /// <summary>The leading u_int32_t fields of struct tcpstat, host byte order.</summary>
    public static IReadOnlyList<KeyValuePair<string, long>> Parse(ReadOnlySpan<byte> tcpstat)
    {
        var values = new List<KeyValuePair<string, long>>(Fields.Length);
        for (int i = 0; i < Fields.Length && (i + 1) * 4 <= tcpstat.Length; i++)
            values.Add(new(Fields[i], BitConverter.ToUInt32(tcpstat.Slice(i * 4, 4))));
        return values;
    }
}
