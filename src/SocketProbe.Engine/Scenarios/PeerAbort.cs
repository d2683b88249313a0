using System.Diagnostics;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer sets SO_LINGER {on, 0} and closes: an abortive close, RST instead of FIN.</summary>
public sealed class PeerAbort : PeerCrashScenario
{
    public override string Name => "PeerAbort";
    public override string MemberName => "Abort";
    public override string Description => "The peer sets SO_LINGER {on, 0} and closes its socket: the kernel sends RST, not FIN.";
    public override string Textbook => "RST: recv ECONNRESET";

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Reset("Close", "Success");

    protected override async Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step)
    {
        var clock = Stopwatch.StartNew();
        await peer.SendAsync("abort").ConfigureAwait(false);
        await peer.ExpectAsync("ABORTED", 5_000, context.Cancellation).ConfigureAwait(false);
        return context.Emit(new Observation
        {
            Step = step, Actor = "Peer", Operation = "Close", Result = Results.Success,
            ElapsedMs = clock.Elapsed.TotalMilliseconds,
            Note = "SO_LINGER {on, 0} then close(): abortive close",
        });
    }
}
