namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The steps of the peer-crash family, declared once: PeerCrashScenario's run plays them and
/// PeerCrashExpectations writes its rows against them, so numbers cannot drift.
/// Connect; [Send the unread bytes]; the peer's fate; then per client action
///   Receive: Receive, Send, Send, Receive      Send: Send, Send, Receive
/// </summary>
internal sealed class PeerCrashSteps
{
    private readonly int _fate;

    private PeerCrashSteps(bool unreadFirst, ClientAction action)
    {
        int n = 1;
        Connect = new ScenarioStep(n++, Actors.Client, "Connect");
        if (unreadFirst) SendUnread = new ScenarioStep(n++, Actors.Client, "Send");
        _fate = n++;
        string when = action.ToString();
        if (action == ClientAction.Receive) FirstReceive = new ScenarioStep(n++, Actors.Client, "Receive", when);
        FirstSend = new ScenarioStep(n++, Actors.Client, "Send", when);
        SecondSend = new ScenarioStep(n++, Actors.Client, "Send", when);
        LastReceive = new ScenarioStep(n, Actors.Client, "Receive", when);
    }

    /// <summary>The client actions the family plays, its default first.</summary>
    public static IReadOnlyList<ClientAction> Actions { get; } = new[] { ClientAction.Receive, ClientAction.Send };

    public static PeerCrashSteps For(bool unreadFirst, ClientAction action) => new(unreadFirst, action);

    public ScenarioStep Connect { get; }
    /// <summary>The bytes left unread in the peer's buffer (KillWithUnreadData); null otherwise.</summary>
    public ScenarioStep? SendUnread { get; }
    /// <summary>The peer's fate, by the operation the scenario reports (Exit, Kill, Close, ...).</summary>
    public ScenarioStep Fate(string operation) => new(_fate, Actors.Peer, operation);
    public int FateNumber => _fate;
    /// <summary>Receive action only: the read that meets the fate.</summary>
    public ScenarioStep? FirstReceive { get; }
    public ScenarioStep FirstSend { get; }
    public ScenarioStep SecondSend { get; }
    public ScenarioStep LastReceive { get; }
}
