using System.Net.Sockets;

namespace SocketProbe.Engine;

/// <summary>What the caller asks of one scenario run. Defaults keep every run to a few seconds.</summary>
public sealed class ScenarioRequest
{
    /// <summary>InterNetwork (IPv4, 127.0.0.1) or InterNetworkV6 (::1).</summary>
    public AddressFamily AddressFamily { get; set; } = AddressFamily.InterNetwork;

    /// <summary>Our own bound on any single blocking call, so no step can hang; a call cut by it reports Result TimedOut.</summary>
    public int CallTimeoutMs { get; set; } = 10_000;
}
