using SocketProbe.Engine.Scenarios;

namespace SocketProbe.Engine;

/// <summary>Every scenario the engine knows, in catalogue order (DESIGN.md §4).</summary>
public static class ScenarioCatalog
{
    public static IReadOnlyList<Scenario> All { get; } = new Scenario[]
    {
        new ConnectRefused(),
        new ConnectNoRoute(),
        new ConnectHostUnreachable(),
        new ConnectTimeout(),
        new AcceptQueueFull(),
        new ResetBeforeAccept(),
        new PeerExit(),
        new PeerKilled(),
        new PeerKilledWithUnreadData(),
        new PeerAbort(),
        new PeerShutdown(),
        new PeerHostCrash(),
        new PeerHostCrashKeepalive(),
        new PeerReboot(),
        new IcmpUnreachableEstablished(),
        new WriteAfterReset(),
        new WriteAfterFin(),
        new WriteAfterFinSigpipe(),
        new SendBufferFull(),
        new HalfClose(),
        new UdpPortUnreachable(),
        new ByteOrderMismatch(),
    };

    public static Scenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<string> Names => All.Select(s => s.Name);
}
