namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A server restarts (closes its listener) while connections still wait in its accept queue, as in
/// a deploy. Each client's connect had succeeded; the listener's close resets every queued
/// connection, so each client's read gives ECONNRESET and its next write EPIPE.
/// </summary>
public sealed class ListenerClosedWithQueue : Scenario
{
    private static readonly ScenarioStep ConnectFirst = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep ConnectSecond = new(2, Actors.Client, "Connect");
    private static readonly ScenarioStep CloseListener = new(3, Actors.Peer, "Close");
    private static readonly ScenarioStep ReadFirst = new(4, Actors.Client, "Receive");
    private static readonly ScenarioStep WriteFirst = new(5, Actors.Client, "Send");
    private static readonly ScenarioStep ReadSecond = new(6, Actors.Client, "Receive");
    private static readonly ScenarioStep WriteSecond = new(7, Actors.Client, "Send");

    private const string Observed = "observed on Linux 6.18";
    private const string LinuxReset = "net/ipv4/tcp_input.c tcp_reset(): ESTABLISHED -> sk_err = ECONNRESET, reported by tcp_recvmsg_locked(); " + Observed;
    private const string LinuxPipe = LinuxSendPaths.AfterErrorTaken + "; " + Observed;
    private const string MacReset = "xnu bsd/netinet/tcp_input.c: RST in ESTABLISHED sets so_error = ECONNRESET; soreceive() returns it";
    private const string MacPipe = "xnu bsd/kern/uipc_socket.c sosendcheck(): SS_CANTSENDMORE after tcp_close() -> EPIPE";
    private const string WinReset = "Windows Sockets Error Codes: WSAECONNRESET 10054 (closing a listener with queued connections is not documented; a reset is assumed)";
    private const string WinAfter = "send function: WSAECONNRESET 10054 / WSAECONNABORTED 10053";

    public override string Name => "ListenerClosedWithQueue";
    public override string Description => "The listener is closed with two connections still in its accept queue: each client's connect had succeeded; its read gives ECONNRESET, its write EPIPE.";
    public override string Textbook => "not in the textbooks: connections the server never accepted are reset when its listener closes";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ConnectFirst.Linux("Success", null, "the kernel completes the handshake and queues the child for accept(); " + Observed),
        ConnectSecond.Linux("Success", null, "the second child is queued too (backlog 4); " + Observed),
        CloseListener.Linux("Success", null,
            "net/ipv4/tcp.c __tcp_close(): a listener -> inet_csk_listen_stop(): each queued child -> inet_child_forget() -> tcp_disconnect(), which sends RST (tcp_need_reset: ESTABLISHED); " + Observed),
        ReadFirst.Linux("Error", "ECONNRESET", LinuxReset),
        WriteFirst.Linux("Error", "EPIPE", LinuxPipe),
        ReadSecond.Linux("Error", "ECONNRESET", LinuxReset),
        WriteSecond.Linux("Error", "EPIPE", LinuxPipe),

        ConnectFirst.MacOS("Success", null, "connect(2): the completed connection waits on so_comp"),
        ConnectSecond.MacOS("Success", null, "connect(2)"),
        CloseListener.MacOS("Success", null,
            "xnu bsd/kern/uipc_socket.c soclose_locked(): each connection on so_incomp/so_comp -> soabort() -> tcp_usr_abort() -> tcp_drop(ECONNABORTED), which sends RST"),
        ReadFirst.MacOS("Error", "ECONNRESET", MacReset),
        WriteFirst.MacOS("Error", "EPIPE", MacPipe),
        ReadSecond.MacOS("Error", "ECONNRESET", MacReset),
        WriteSecond.MacOS("Error", "EPIPE", MacPipe),

        ConnectFirst.Windows("Success", null, "connect function"),
        ConnectSecond.Windows("Success", null, "connect function"),
        CloseListener.Windows("Success", null, "closesocket function"),
        ReadFirst.Windows("Error", "WSAECONNRESET", WinReset),
        WriteFirst.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", WinAfter),
        ReadSecond.Windows("Error", "WSAECONNRESET", WinReset),
        WriteSecond.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", WinAfter),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        var listener = Loopback.Listen(loopback, 4);
        using var first = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            EndPoint server = listener.LocalEndPoint!;
            var c1 = await ObservedHandshake.ConnectAsync(context, ConnectFirst, first, server).ConfigureAwait(false);
            var c2 = await ObservedHandshake.ConnectAsync(context, ConnectSecond, second, server).ConfigureAwait(false);
            if (c1.Result != Results.Success || c2.Result != Results.Success) return;

            var close = await context.MeasureAsync(CloseListener, SocketCalls.Close(listener), stateOf: first).ConfigureAwait(false);
            context.Emit(close.WithNote("the listener closes with both connections still in its accept queue"));

            var buffer = new byte[256];
            foreach (var (client, read, write, which) in new[] { (first, ReadFirst, WriteFirst, "first"), (second, ReadSecond, WriteSecond, "second") })
            {
                string arrival = await ObservedHandshake.WaitForResetAsync(context, client, "the listener's close").ConfigureAwait(false);
                var r = await context.MeasureAsync(read, SocketCalls.Receive(client, buffer), stateOf: client, isReceive: true).ConfigureAwait(false);
                context.Emit(r.WithNote($"{which} client; {arrival}"));
                var w = await context.MeasureAsync(write, SocketCalls.Send(client, new byte[16]), stateOf: client).ConfigureAwait(false);
                context.Emit(w.WithNote($"{which} client"));
            }
        }
        finally
        {
            listener.Dispose();
        }
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 2, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 4, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
    };
}
