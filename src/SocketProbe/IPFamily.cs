using System.Net.Sockets;

namespace SocketProbe;

/// <summary>Which address family to use: Any means both (every resolved address, or both loopbacks).</summary>
public enum IPFamily
{
    Any,
    IPv4,
    IPv6,
}

internal static class IPFamilyExtensions
{
    public static IEnumerable<AddressFamily> ToAddressFamilies(this IPFamily family) => family switch
    {
        IPFamily.IPv4 => new[] { AddressFamily.InterNetwork },
        IPFamily.IPv6 => new[] { AddressFamily.InterNetworkV6 },
        _ => new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 },
    };

    /// <summary>The probe engines' filter: null (every address) for Any.</summary>
    public static AddressFamily? ToProbeFamily(this IPFamily family) => family switch
    {
        IPFamily.IPv4 => AddressFamily.InterNetwork,
        IPFamily.IPv6 => AddressFamily.InterNetworkV6,
        _ => null,
    };
}
