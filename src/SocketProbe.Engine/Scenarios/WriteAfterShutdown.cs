namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The client shuts down its own sending half (shutdown(SHUT_WR): FIN), then writes: the kernel
/// refuses with EPIPE, and would raise SIGPIPE in a process that has not ignored it. Nothing is
/// sent: the peer reads end of stream, not the bytes.
/// </summary>
public sealed class WriteAfterShutdown : Scenario
{
    private static readonly ScenarioStep Shutdown = new(1, Actors.Client, "Shutdown");
    private static readonly ScenarioStep Write = new(2, Actors.Client, "Send");
    private static readonly ScenarioStep PeerRead = new(3, Actors.Peer, "Receive");

    private const string Observed = "observed on Linux 6.18";

    public override string Name => "WriteAfterShutdown";
    public override string MemberName => "Shutdown";
    public override string Description => "The client calls shutdown(SHUT_WR), then sends: EPIPE (and SIGPIPE by default); the peer reads end of stream.";
    public override string Textbook => "write after shutdown(SHUT_WR): EPIPE and SIGPIPE (Stevens UNP 6.6, 5.13)";
    public override string Cmdlet => FrontDoors.TestWriteAfterRst;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Shutdown.Linux("Success", null, "net/ipv4/tcp.c tcp_shutdown(): SEND_SHUTDOWN -> tcp_close_state() + tcp_send_fin(); " + Observed),
        Write.Linux("Error", "EPIPE",
            "net/ipv4/tcp.c tcp_sendmsg_locked(): shutdown(SHUT_WR) left the socket in FIN_WAIT1/FIN_WAIT2, neither ESTABLISHED nor CLOSE_WAIT, so sk_stream_wait_connect() (net/core/stream.c) runs before the SEND_SHUTDOWN test and returns -EPIPE (no pending error, not SYN_SENT/SYN_RECV); sk_stream_error() raises SIGPIPE unless MSG_NOSIGNAL; " + Observed),
        PeerRead.Linux("EndOfStream", null, "net/ipv4/tcp_input.c tcp_fin(): the FIN, not the refused bytes, reaches the peer; " + Observed),

        Shutdown.MacOS("Success", null, "shutdown(2) macOS: SHUT_WR -> socantsendmore()"),
        Write.MacOS("Error", "EPIPE", "xnu bsd/kern/uipc_socket.c sosendcheck(): SS_CANTSENDMORE -> EPIPE (SIGPIPE unless SO_NOSIGPIPE)"),
        PeerRead.MacOS("EndOfStream", null, "recv(2) macOS: 0 after an orderly shutdown"),

        Shutdown.Windows("Success", null, "shutdown function: SD_SEND"),
        Write.Windows("Error", "WSAESHUTDOWN",
            "send function: WSAESHUTDOWN 10058, not possible to send after shutdown has been invoked with how set to SD_SEND or SD_BOTH"),
        PeerRead.Windows("EndOfStream", null, "recv function: returns zero after a graceful close"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;

        await context.CallAsync(Shutdown, SocketCalls.Shutdown(client, SocketShutdown.Send), stateOf: client).ConfigureAwait(false);
        var write = await context.MeasureAsync(Write, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
        context.Emit(write.WithNote(SigpipeNote()));
        var inbox = new byte[64];
        await context.CallAsync(PeerRead, SocketCalls.Receive(peer, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
    }

    /// <summary>Why the EPIPE did not kill us: read from this process's own signal mask (Linux), not assumed.</summary>
    private static string SigpipeNote()
    {
        const int SigPipe = 13;
        if (!OperatingSystem.IsLinux()) return ".NET reports the error; a process with default SIGPIPE would be killed by it";
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            if (line is null) return "SIGPIPE disposition unknown (no SigIgn in /proc/self/status)";
            ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
            bool ignored = (mask & (1UL << (SigPipe - 1))) != 0;
            return ignored
                ? "this process ignores SIGPIPE (bit 13 of SigIgn in /proc/self/status; .NET sets it so), so the EPIPE reaches the caller instead of killing it"
                : "SIGPIPE is not ignored here, yet the send returned: .NET sends with MSG_NOSIGNAL";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return $"SIGPIPE disposition unknown ({ex.Message})";
        }
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTW", 1, "orderly closes entering TIME_WAIT; no reset, abort or retransmit moves", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule()"),
    };
}
