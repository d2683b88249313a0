using SocketProbe.Engine.Lab;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer process is SIGKILLed with nothing unread: the kernel still closes with FIN.</summary>
public sealed class PeerKilled : PeerCrashScenario
{
    public override string Name => "PeerKilled";
    public override string MemberName => "Kill";
    public override string Description => "The peer process is killed by SIGKILL with nothing unread; the kernel closes its socket with FIN.";
    public override string Textbook => "as PeerExit (kernel sends FIN)";

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Fin("Kill", "Killed");

    public override string? WhyCannotRun(ScenarioRequest request) =>
        OperatingSystem.IsWindows() ? "needs POSIX signals (Linux or macOS)" : base.WhyCannotRun(request);

    protected override Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step) =>
        ObserveExitAsync(context, peer, step, "Kill",
            () => { peer.Signal(Libc.SIGKILL); return Task.CompletedTask; }, "kill(peer, SIGKILL)");
}
