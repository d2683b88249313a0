using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer crash scenarios whose fate is a signal (kill(2)): the signal is sent and the OS's report of the
/// peer's end observed, as step Kill. POSIX only.
/// </summary>
public abstract class PeerSignalScenario : PeerCrashScenario
{
    /// <summary>The signal the peer gets (Libc.SIGKILL, Libc.SIGTERM).</summary>
    protected abstract int Signal { get; }

    public override string? WhyCannotRun(ScenarioRequest request) =>
        OperatingSystem.IsWindows() ? "needs POSIX signals (Linux or macOS)" : base.WhyCannotRun(request);

    protected override Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step) =>
        ObserveExitAsync(context, peer, step, "Kill",
            () => { peer.Signal(Signal); return Task.CompletedTask; },
            $"kill(peer, {Libc.SignalName(Signal)}){(LeavesUnreadData ? " with bytes unread" : "")}");
}
