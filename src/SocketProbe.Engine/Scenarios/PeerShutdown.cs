using SocketProbe.Engine.Lab;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer process gets SIGTERM, as every process does at system shutdown.</summary>
public sealed class PeerShutdown : PeerCrashScenario
{
    public override string Name => "PeerShutdown";
    public override string MemberName => "Shutdown";
    public override string Description => "The peer process receives SIGTERM, as at system shutdown; its socket closes with FIN.";
    public override string Textbook => "FIN, as PeerExit";

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Fin("Kill", "Killed");

    public override string? WhyCannotRun(ScenarioRequest request) =>
        OperatingSystem.IsWindows() ? "needs POSIX signals (Linux or macOS)" : base.WhyCannotRun(request);

    protected override Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step) =>
        ObserveExitAsync(context, peer, step, "Kill",
            () => { peer.Signal(Libc.SIGTERM); return Task.CompletedTask; }, "kill(peer, SIGTERM)");
}
