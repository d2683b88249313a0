namespace SocketProbe.Engine;

/// <summary>Loopback addresses and ports for in-process scenarios. Nothing here leaves the machine.</summary>
public static class Loopback
{
    public static IPAddress For(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    /// <summary>A port that was free a moment ago: bind to port 0, read the port, close.</summary>
    public static int ClosedPort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>A listening socket on an ephemeral loopback port.</summary>
    public static Socket Listen(IPAddress address, int backlog = 16)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, 0));
            listener.Listen(backlog);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }
}
