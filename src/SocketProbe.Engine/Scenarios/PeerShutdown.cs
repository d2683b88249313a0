using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer process gets SIGTERM, as every process does at system shutdown.</summary>
public sealed class PeerShutdown : PeerSignalScenario
{
    public override string Name => "PeerShutdown";
    public override string MemberName => "Shutdown";
    public override string Description => "The peer process receives SIGTERM, as at system shutdown; its socket closes with FIN.";
    public override string Textbook => "FIN, as PeerExit";

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Fin("Kill", "Killed");

    protected override int Signal => Libc.SIGTERM;

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "the peer's kernel answers the client's write to the closed socket with RST", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection is reset (ESTABLISHED -> CLOSED)", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        new(OsPlatform.Linux, "TcpExtTCPAbortOnData", null, "when the peer's closed socket still exists as an orphan in FIN_WAIT2 as the client's data arrives (1 in 3 runs on Linux 6.18)", "net/ipv4/tcp_input.c tcp_rcv_state_process(): data for a socket closed in FIN_WAIT; measured in a namespace of its own on Linux 6.18", Verified: true),
    };
}
