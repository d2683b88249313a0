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
        new AcceptOverflowReset(),
        new HalfOpenSynRecv(),
        new EphemeralPortExhaustion(),
        new ResetBeforeAccept(),
        new AcceptThenReset(),
        new AcceptThenClose(),
        new AcceptThenSilent(),
        new ListenerClosedWithQueue(),
        new PeerExit(),
        new PeerKilled(),
        new PeerKilledWithUnreadData(),
        new PeerAbort(),
        new PeerShutdown(),
        new PeerHostCrash(),
        new PeerHostCrashKeepalive(),
        new PeerReboot(),
        new IcmpUnreachableEstablished(),
        new MiddleboxIdleReset(),
        new MiddleboxIdleDrop(),
        new MtuBlackhole(),
        new MtuBlackholeProbing(),
        new WriteAfterReset(),
        new WriteAfterFin(),
        new WriteAfterFinSigpipe(),
        new ServerClosesUnreadRequest(),
        new WriteAfterShutdown(),
        new ServerIdleClose(),
        new SendBufferFull(),
        new HalfClose(),
        new CloseWaitPileUp(),
        new UdpPortUnreachable(),
        new ByteOrderMismatch(),
    };

    public static Scenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<string> Names => All.Select(s => s.Name);

    /// <summary>The scenarios whose front door is <paramref name="cmdlet"/>, in catalogue order.</summary>
    public static IEnumerable<Scenario> Family(string cmdlet) =>
        All.Where(s => string.Equals(s.Cmdlet, cmdlet, StringComparison.OrdinalIgnoreCase));

    /// <summary>The values <paramref name="cmdlet"/>'s family parameter takes, in catalogue order, each once.</summary>
    public static IReadOnlyList<string> MemberNames(string cmdlet) =>
        Family(cmdlet).Select(s => s.MemberName).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The scenarios of <paramref name="cmdlet"/>'s family called <paramref name="memberName"/> (usually one).</summary>
    public static IReadOnlyList<Scenario> Members(string cmdlet, string memberName) =>
        Family(cmdlet).Where(s => string.Equals(s.MemberName, memberName, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>
    /// The member a front door runs for <paramref name="memberName"/> and a client action: the first
    /// that plays it (Default: the first). Null when no member has that name, or none plays that action.
    /// </summary>
    public static Scenario? FindMember(string cmdlet, string memberName, ClientAction action = ClientAction.Default)
    {
        var members = Members(cmdlet, memberName);
        return action == ClientAction.Default ? members.FirstOrDefault() : members.FirstOrDefault(s => s.ClientActions.Contains(action));
    }
}
