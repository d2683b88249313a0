using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer process is SIGKILLed with nothing unread: the kernel still closes with FIN.</summary>
public sealed class PeerKilled : PeerSignalScenario
{
    public override string Name => "PeerKilled";
    public override string MemberName => "Kill";
    public override string Description => "The peer process is killed by SIGKILL with nothing unread; the kernel closes its socket with FIN.";
    public override string Textbook => "as PeerExit (kernel sends FIN)";

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Fin("Kill", "Killed");

    protected override int Signal => Libc.SIGKILL;

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "the peer's kernel answers the client's write to the closed socket with RST", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection is reset (ESTABLISHED -> CLOSED)", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        new(OsPlatform.Linux, "TcpExtTCPAbortOnData", null, "0 or 1: when the killed peer's socket still exists as an orphan in FIN_WAIT2 as the client's data arrives it counts here; when it is already gone the RST comes from no socket (tcp_v4_send_reset()) and only TcpOutRsts moves (both seen on Linux 6.18: every time alone, not always side by side)", "net/ipv4/tcp_input.c tcp_rcv_state_process(): data for a socket closed in FIN_WAIT; measured in a namespace of its own on Linux 6.18", Verified: true),
    };
}
