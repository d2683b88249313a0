using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Scenarios;

/// <summary>The peer is SIGKILLed while bytes sit unread in its receive buffer: the kernel sends RST (RFC 2525 2.17).</summary>
public sealed class PeerKilledWithUnreadData : PeerSignalScenario
{
    public override string Name => "PeerKilledWithUnreadData";
    public override string MemberName => "KillWithUnreadData";
    public override string Description => "The peer process is killed with unread bytes in its receive buffer: the kernel sends RST instead of FIN.";
    public override string Textbook => "RST at once: recv ECONNRESET";

    protected override bool LeavesUnreadData => true;

    public override IReadOnlyList<Expectation> Expectations { get; } = PeerCrashExpectations.Reset("Kill", "Killed", unreadFirst: true);

    protected override int Signal => Libc.SIGKILL;

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPAbortOnClose", 1, "the peer's socket is closed (by its process's death) with unread bytes: RST instead of FIN", "net/ipv4/tcp.c __tcp_close(): data_was_unread"),
        CounterExpectation.Linux("TcpOutRsts", 1, "that RST", "net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "both ends reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
