using SocketProbe.Engine.Lab;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer is SIGKILLed while bytes sit unread in its receive buffer: the kernel sends RST (RFC 2525 2.17).</summary>
public sealed class PeerKilledWithUnreadData : PeerCrashScenario
{
    public override string Name => "PeerKilledWithUnreadData";
    public override string MemberName => "KillWithUnreadData";
    public override string Description => "The peer process is killed with unread bytes in its receive buffer: the kernel sends RST instead of FIN.";
    public override string Textbook => "RST at once: recv ECONNRESET";

    protected override bool LeavesUnreadData => true;

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Reset("Kill", "Killed", unreadFirst: true);

    public override string? WhyCannotRun(ScenarioRequest request) =>
        OperatingSystem.IsWindows() ? "needs POSIX signals (Linux or macOS)" : base.WhyCannotRun(request);

    protected override Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step) =>
        ObserveExitAsync(context, peer, step, "Kill",
            () => { peer.Signal(Libc.SIGKILL); return Task.CompletedTask; }, "kill(peer, SIGKILL) with bytes unread");
}
