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

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "the peer's kernel answers the client's write to the closed socket with RST", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection is reset (ESTABLISHED -> CLOSED)", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
