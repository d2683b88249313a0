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

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPAbortOnData", 1, "SO_LINGER {on, 0} close: Linux counts a zero-linger abort as AbortOnData, not AbortOnLinger", "net/ipv4/tcp.c __tcp_close(): SO_LINGER {on, 0} -> tcp_disconnect()"),
        CounterExpectation.Linux("TcpOutRsts", 1, "the RST that close sends", "net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "both ends reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Documented(OsPlatform.Windows, "TcpOutRsts", "the abortive close sends RST", "iphlpapi GetTcpStatisticsEx2 MIB_TCPSTATS2.dwOutRsts"),
        CounterExpectation.Documented(OsPlatform.Windows, "TcpEstabResets", "RFC 4022 tcpEstabResets", "iphlpapi GetTcpStatisticsEx2 MIB_TCPSTATS2.dwEstabResets"),
    };
}
