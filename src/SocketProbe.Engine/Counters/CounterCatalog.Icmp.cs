using System.Globalization;
using System.Text.RegularExpressions;

namespace SocketProbe.Engine.Counters;

/// <summary>
/// ICMP and ICMPv6 counters come one per message type, so their meanings come from one table of types,
/// the way the kernel prints them: named columns (IcmpInEchos, Icmp6OutNeighborSolicits) through the
/// icmpmibmap of net/ipv4/proc.c and icmp6type2name of net/ipv6/proc.c, numbered ones (IcmpMsgInType3,
/// Icmp6OutType143) for every type seen, through ICMPMSGIN/OUT_INC_STATS and ICMP6MSGIN/OUT_INC_STATS.
/// </summary>
public static partial class CounterCatalog
{
    /// <param name="V6">ICMPv6 when true.</param>
    /// <param name="Type">The type number on the wire.</param>
    /// <param name="Title">The type's name in its RFC.</param>
    /// <param name="What">What such a message says, for an ops reader.</param>
    /// <param name="Rfc">The RFC that defines the type.</param>
    /// <param name="KernelName">The named column the kernel prints for it (null: numbered column only).</param>
    private sealed record IcmpType(bool V6, int Type, string Title, string What, string Rfc, string? KernelName);

    // A nested class: its table is ready whenever Known (in another part of this class) is built from it.
    private static class IcmpTable
    {
        internal static readonly IcmpType[] Types =
        {
            new(false, 0, "Echo Reply", "the answer to a ping", "RFC 792", "EchoReps"),
            new(false, 3, "Destination Unreachable", "network, host, protocol or port unreachable, or fragmentation needed", "RFC 792", "DestUnreachs"),
            new(false, 4, "Source Quench", "an old congestion signal, deprecated by RFC 6633", "RFC 792", "SrcQuenchs"),
            new(false, 5, "Redirect", "a router names a better first hop for a destination", "RFC 792", "Redirects"),
            new(false, 8, "Echo", "a ping request", "RFC 792", "Echos"),
            new(false, 9, "Router Advertisement", "a router announces itself", "RFC 1256", null),
            new(false, 10, "Router Solicitation", "a host asks routers to announce themselves", "RFC 1256", null),
            new(false, 11, "Time Exceeded", "the TTL ran out on the way (traceroute), or fragment reassembly timed out", "RFC 792", "TimeExcds"),
            new(false, 12, "Parameter Problem", "a header field could not be processed", "RFC 792", "ParmProbs"),
            new(false, 13, "Timestamp", "a timestamp request", "RFC 792", "Timestamps"),
            new(false, 14, "Timestamp Reply", "the answer to a timestamp request", "RFC 792", "TimestampReps"),
            new(false, 15, "Information Request", "an obsolete request", "RFC 792", null),
            new(false, 16, "Information Reply", "an obsolete reply", "RFC 792", null),
            new(false, 17, "Address Mask Request", "a request for the subnet mask", "RFC 950", "AddrMasks"),
            new(false, 18, "Address Mask Reply", "the answer to an address mask request", "RFC 950", "AddrMaskReps"),

            new(true, 1, "Destination Unreachable", "no route, administratively prohibited, address or port unreachable", "RFC 4443", "DestUnreachs"),
            new(true, 2, "Packet Too Big", "a link on the path needs smaller packets (path MTU discovery)", "RFC 4443", "PktTooBigs"),
            new(true, 3, "Time Exceeded", "the hop limit ran out on the way (traceroute), or fragment reassembly timed out", "RFC 4443", "TimeExcds"),
            new(true, 4, "Parameter Problem", "a header field could not be processed", "RFC 4443", "ParmProblems"),
            new(true, 128, "Echo Request", "a ping request", "RFC 4443", "Echos"),
            new(true, 129, "Echo Reply", "the answer to a ping", "RFC 4443", "EchoReplies"),
            new(true, 130, "Multicast Listener Query", "a router asks which multicast groups have listeners", "RFC 2710", "GroupMembQueries"),
            new(true, 131, "Multicast Listener Report", "a host reports a multicast group it listens to", "RFC 2710", "GroupMembResponses"),
            new(true, 132, "Multicast Listener Done", "a host leaves a multicast group", "RFC 2710", "GroupMembReductions"),
            new(true, 133, "Router Solicitation", "a host asks routers to advertise themselves", "RFC 4861", "RouterSolicits"),
            new(true, 134, "Router Advertisement", "a router announces itself, its prefixes and link parameters", "RFC 4861", "RouterAdvertisements"),
            new(true, 135, "Neighbor Solicitation", "address resolution (IPv6's ARP) or duplicate address detection", "RFC 4861", "NeighborSolicits"),
            new(true, 136, "Neighbor Advertisement", "the answer to a neighbor solicitation, or an announced address change", "RFC 4861", "NeighborAdvertisements"),
            new(true, 137, "Redirect", "a router names a better first hop for a destination", "RFC 4861", "Redirects"),
            new(true, 143, "Version 2 Multicast Listener Report", "an MLDv2 report of the multicast groups a host listens to", "RFC 3810", "MLDv2Reports"),
        };
    }

    private const string IcmpV4Counting = "net/ipv4/icmp.c ICMPMSGIN_INC_STATS/ICMPMSGOUT_INC_STATS";
    private const string IcmpV6Counting = "net/ipv6/icmp.c ICMP6MSGIN_INC_STATS/ICMP6MSGOUT_INC_STATS";

    /// <summary>IcmpInEchos, Icmp6OutNeighborSolicits...: the kernel's named column of each type that has one.</summary>
    private static IEnumerable<CounterMeaning> NamedIcmpRows() =>
        from t in IcmpTable.Types
        where t.KernelName is not null
        from inbound in new[] { true, false }
        select IcmpRow($"{(t.V6 ? "Icmp6" : "Icmp")}{(inbound ? "In" : "Out")}{t.KernelName}", t, t.Type, t.V6, inbound,
            t.V6 ? $"RFC 2466 (ICMPv6-MIB); named by net/ipv6/proc.c icmp6type2name; {IcmpV6Counting}"
                 : $"RFC 1213 icmp{(inbound ? "In" : "Out")}{t.KernelName}; named by net/ipv4/proc.c icmpmibmap; {IcmpV4Counting}");

    private static readonly Regex NumberedIcmp =
        new(@"^(?<family>IcmpMsg|Icmp6)(?<dir>In|Out)Type(?<type>\d{1,3})$", RegexOptions.CultureInvariant);

    /// <summary>IcmpMsgInType3, Icmp6OutType135...: any type number, named from the table when it is there.</summary>
    private static CounterMeaning? NumberedIcmpRow(string name)
    {
        Match m = NumberedIcmp.Match(name);
        if (!m.Success || !int.TryParse(m.Groups["type"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int type) || type > 255)
            return null;
        bool v6 = m.Groups["family"].Value == "Icmp6";
        bool inbound = m.Groups["dir"].Value == "In";
        IcmpType? known = IcmpTable.Types.FirstOrDefault(t => t.V6 == v6 && t.Type == type);
        string listing = v6 ? "net/ipv6/proc.c snmp6_seq_show_icmpv6msg()" : "net/ipv4/proc.c icmpmsg_put()";
        return IcmpRow(name, known, type, v6, inbound,
            $"RFC 4293 icmpMsgStatsTable; {listing}; {(v6 ? IcmpV6Counting : IcmpV4Counting)}");
    }

    private static CounterMeaning IcmpRow(string name, IcmpType? t, int type, bool v6, bool inbound, string counting)
    {
        string family = v6 ? "ICMPv6" : "ICMP";
        string direction = inbound ? "received" : "sent";
        string meaning = t is null
            ? $"{family} messages of type {type} {direction}."
            : $"{family} {t.Title} (type {type}) {direction}: {t.What}.";
        string source = t is null ? $"IANA {family} type numbers; {counting}" : $"{t.Rfc} (type {type}); {counting}";
        return new CounterMeaning(name, meaning, source);
    }
}
