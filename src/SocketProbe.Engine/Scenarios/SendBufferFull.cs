namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A non-blocking client sends to a peer that never reads until the kernel refuses more:
/// the peer's receive buffer fills, then the client's send buffer, then send() says EAGAIN.
/// Small SO_SNDBUF/SO_RCVBUF keep it to a few dozen calls. Both ends in this process on loopback.
/// </summary>
public sealed class SendBufferFull : Scenario
{
    private static readonly ScenarioStep ClientSend1 = new(1, Actors.Client, "Send");
    private static readonly ScenarioStep ClientSend2 = new(2, Actors.Client, "Send");

    /// <summary>What we ask for with setsockopt; Linux doubles it for its bookkeeping (socket(7)).</summary>
    private const int AskedBufferBytes = 4096;
    private const int ChunkBytes = 1024;
    private const int MaxCalls = 100_000;
    private const int MaxRunMs = 5_000;

    public override string Name => "SendBufferFull";
    public override string Description => "A non-blocking client sends to a peer that never reads: EWOULDBLOCK/EAGAIN once both buffers are full.";
    public override string Textbook => "EWOULDBLOCK/EAGAIN after N bytes";
    public override string Cmdlet => FrontDoors.InvokeSocketScenario;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientSend1.Linux("Success", null, "observed on Linux 6.18"),
        ClientSend2.Linux("Error", "EAGAIN", "net/ipv4/tcp.c tcp_sendmsg_locked(): no send-buffer memory -> sk_stream_wait_memory() with a zero timeout (O_NONBLOCK) -> -EAGAIN (net/core/stream.c); observed on Linux 6.18"),
        ClientSend1.MacOS("Success", null, "send(2) macOS man page"),
        ClientSend2.MacOS("Error", "EAGAIN|EWOULDBLOCK", "send(2) macOS man page: [EAGAIN] the socket is non-blocking and the requested operation would block"),
        ClientSend1.Windows("Success", null, "send function (winsock2.h)"),
        ClientSend2.Windows("Error", "WSAEWOULDBLOCK", "send function: WSAEWOULDBLOCK 10035, the socket is nonblocking and the operation would block"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context,
            // The accepted socket inherits SO_RCVBUF from the listener; set before the SYN so the window scale matches.
            configureListener: listener => listener.ReceiveBufferSize = AskedBufferBytes,
            configureClient: c =>
            {
                c.SendBufferSize = AskedBufferBytes;
                c.ReceiveBufferSize = AskedBufferBytes;
            }).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;
        context.Own(client); // -Capture: its segments are this run's
        client.Blocking = false;
        context.Logger.LogInformation("The peer never reads: the client sends until its buffers are full");

        // One observation per send() would be hundreds of identical rows: the accepted run becomes one
        // summary row (Bytes = total, ElapsedMs = sum of the calls), the refused call its own row.
        byte[] chunk = new byte[ChunkBytes];
        long accepted = 0;
        int calls = 0;
        double callMs = 0;
        Observation? refused = null;
        var run = Stopwatch.StartNew();
        while (calls < MaxCalls && run.ElapsedMilliseconds < MaxRunMs)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Observation o = await context.MeasureAsync(ClientSend2, _ => ValueTask.FromResult(client.Send(chunk))).ConfigureAwait(false);
            if (o.Result != Results.Success)
            {
                refused = o;
                break;
            }
            calls++;
            accepted += o.Bytes ?? 0;
            callMs += o.ElapsedMs ?? 0;
        }

        context.Emit(AcceptedRun(calls, accepted, callMs, refused, TcpInfo.StateOf(client)));

        string buffers = $"client SO_SNDBUF {client.SendBufferSize}, SO_RCVBUF {client.ReceiveBufferSize}; " +
            $"peer SO_RCVBUF {peer.ReceiveBufferSize} (each set to {AskedBufferBytes}; read back from the socket); " +
            $"peer has {peer.Available} bytes unread, the rest waits in the client's send queue";
        if (refused is null)
        {
            context.Emit(new Observation
            {
                Step = 2, Actor = "Client", Operation = "Send", Result = Results.TimedOut, ElapsedMs = run.Elapsed.TotalMilliseconds,
                TcpState = TcpInfo.StateOf(client),
                Note = $"no refusal within our own bound of {MaxCalls} calls / {MaxRunMs} ms after {accepted} bytes; {buffers}",
            });
            return;
        }
        refused.TcpState = TcpInfo.StateOf(client);
        context.Emit(refused.WithNote($"refused after {accepted} bytes accepted in {calls} calls; {buffers}"));
    }

    /// <summary>
    /// Step 1, the summary of the accepted sends. It says Success only if at least one send was
    /// accepted: when the very first call was refused there is no accepted run to show, and the row
    /// carries that refusal (so it does not agree with the documented Success).
    /// </summary>
    internal static Observation AcceptedRun(int calls, long accepted, double callMs, Observation? refused, string? tcpState)
    {
        if (calls == 0 && refused is not null)
            return new Observation
            {
                Step = 1, Actor = "Client", Operation = "Send", Result = refused.Result, Errno = refused.Errno,
                ErrnoName = refused.ErrnoName, SocketError = refused.SocketError, Message = refused.Message,
                ElapsedMs = refused.ElapsedMs, TcpState = tcpState,
                Note = "the first non-blocking send() was already refused: no send was accepted",
            };
        return new Observation
        {
            Step = 1, Actor = "Client", Operation = "Send", Result = calls > 0 ? Results.Success : Results.TimedOut, Bytes = accepted,
            ElapsedMs = callMs, TcpState = tcpState,
            Note = calls > 0
                ? $"{calls} non-blocking send() calls of up to {ChunkBytes} bytes, all accepted (one summary row)"
                : "no send() call was made within our own bound",
        };
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTCPAbortOnClose", 1, "the peer that never read closes with unread bytes: RST", "net/ipv4/tcp.c __tcp_close(): data_was_unread"),
        CounterExpectation.Linux("TcpOutRsts", 1, "that RST", "net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection reset", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
