namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The client completes the handshake and aborts (RST) before the server calls accept(). Stevens
/// (UNP 5.11) says POSIX accept() returns ECONNABORTED and BSD skips the dead connection. Linux does
/// neither: accept() hands over the socket, and the reset shows on the first read.
/// </summary>
public sealed class ResetBeforeAccept : Scenario
{
    private static readonly ScenarioStep ClientConnect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ClientClose = new(2, Actors.Client, "Close");
    private static readonly ScenarioStep PeerAccept = new(3, Actors.Peer, "Accept");
    private static readonly ScenarioStep PeerReceive = new(4, Actors.Peer, "Receive");

    public override string Name => "ResetBeforeAccept";
    public override string Description => "The client sends RST after the handshake, before the server accepts; then the server accepts and reads.";
    public override string Textbook => "POSIX: accept gives ECONNABORTED; BSD: skipped silently; Linux: ?";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    private const string Observed = "observed on Linux 6.18";

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Success", null, Observed),
        ClientClose.Linux("Success", null, "SO_LINGER {on, 0}: RST; " + Observed),
        PeerAccept.Linux("Success", null, "inet_csk_accept() returns the queued child even though tcp_reset() already closed it (no ECONNABORTED); " + Observed),
        PeerReceive.Linux("Error", "ECONNRESET", "tcp_reset() set sk_err = ECONNRESET on the child socket; the first read reports it; " + Observed),
        PeerAccept.MacOS("Success", null, "xnu bsd/kern/uipc_socket.c sofreelastref() keeps a reset socket that is on the completed queue (SS_COMP); uipc_syscalls.c accept_nocancel() calls (void) soacceptlock(), discarding tcp_usr_accept()'s ECONNABORTED, and hands the socket over (not Stevens 5.11's ECONNABORTED)"),
        PeerReceive.MacOS("Error", "ECONNRESET", "xnu bsd/netinet/tcp_input.c: the RST in ESTABLISHED set so_error = ECONNRESET; soreceive() reports so_error first"),
        PeerAccept.Windows("Error", "WSAECONNRESET", "accept function: WSAECONNRESET 10054 if the connection was reset before accept (else the socket is handed over)").Or(Results.Success),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        using var listener = Loopback.Listen(loopback, 4);
        using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await context.CallAsync(ClientConnect, SocketCalls.Connect(client, listener.LocalEndPoint!), client).ConfigureAwait(false);
        await context.CallAsync(ClientClose, SocketCalls.Abort(client)).ConfigureAwait(false);

        Socket? accepted = null;
        try
        {
            // Bounded: where the stack drops the dead connection (BSD) accept would wait forever.
            var accept = await context.CallAsync(PeerAccept, SocketCalls.Accept(listener, s => accepted = s),
                boundMs: Math.Min(context.Request.CallTimeoutMs, 2_000)).ConfigureAwait(false);
            if (accepted is null) return;
            var buffer = new byte[64];
            Socket server = accepted;
            await context.CallAsync(PeerReceive, SocketCalls.Receive(server, buffer), stateOf: server, isReceive: true).ConfigureAwait(false);
        }
        finally
        {
            accepted?.Dispose();
        }
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPAbortOnData", 1, "the client's SO_LINGER {on, 0} close after the handshake", "net/ipv4/tcp.c __tcp_close(): SO_LINGER {on, 0} -> tcp_disconnect()"),
        CounterExpectation.Linux("TcpOutRsts", 1, "the RST that close sends", "net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "both ends of the established connection reset (client aborts; queued server child receives the RST)", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
