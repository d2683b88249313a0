using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer process ends normally without closing its socket: the kernel closes it (FIN).</summary>
public sealed class PeerExit : PeerCrashScenario
{
    public override string Name => "PeerExit";
    public override string MemberName => "Exit";
    public override string Description => "The peer process exits normally; the kernel closes its socket with FIN.";
    public override string Textbook => "recv 0 (EOF); 1st send ok, peer answers RST; 2nd send EPIPE";

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Fin("Exit", "Exited");

    protected override Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step) =>
        ObserveExitAsync(context, peer, step, "Exit",
            async () => { await peer.SendAsync("exit").ConfigureAwait(false); },
            "the peer calls exit(0) with its socket open");
}
