namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The server writes its response and closes while part of the request is still unread (an error
/// page sent before the whole upload was read). RFC 2525 §2.17: its kernel must answer the lost data
/// with RST, not FIN. Linux and xnu keep the response the client already received; Windows is
/// documented to fail the client's read instead ("lost response").
/// </summary>
public sealed class ServerClosesUnreadRequest : Scenario
{
    private const int RequestBytes = 64;
    private const int ReadByServer = 16;

    private static readonly byte[] Response = "HTTP/1.1 413 Payload Too Large\r\n\r\n"u8.ToArray();

    private static readonly ScenarioStep Request = new(1, Actors.Client, "Send");
    private static readonly ScenarioStep PartialRead = new(2, Actors.Peer, "Receive");
    private static readonly ScenarioStep Answer = new(3, Actors.Peer, "Send");
    private static readonly ScenarioStep CloseUnread = new(4, Actors.Peer, "Close");
    private static readonly ScenarioStep ReadResponse = new(5, Actors.Client, "Receive");
    private static readonly ScenarioStep ReadReset = new(6, Actors.Client, "Receive");
    private static readonly ScenarioStep ReadEnd = new(7, Actors.Client, "Receive");

    private const string Observed = "observed on Linux 6.18";

    public override string Name => "ServerClosesUnreadRequest";
    public override string MemberName => "UnreadRequest";
    public override string Description => "The server answers and closes with part of the request unread: its kernel sends RST; the client reads the response, then the reset.";
    public override string Textbook => "RFC 2525 2.17: close with unread data sends RST; the peer may lose data it had not read yet";
    public override string Cmdlet => FrontDoors.TestWriteAfterRst;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Request.Linux("Success", null, $"the {RequestBytes} request bytes reach the server's receive queue; " + Observed),
        PartialRead.Linux("Success", null, $"the server reads only {ReadByServer} of them; " + Observed),
        Answer.Linux("Success", null, "the response reaches the client's receive queue; " + Observed),
        CloseUnread.Linux("Success", null,
            "net/ipv4/tcp.c __tcp_close(): data_was_unread -> tcp_send_active_reset() instead of FIN (\"As outlined in RFC 2525, section 2.17\"); " + Observed),
        ReadResponse.Linux("Success", null,
            "tcp_reset() -> tcp_done() purges the write queue only: tcp_recvmsg_locked() copies the queued response first; " + Observed),
        ReadReset.Linux("Error", "ECONNRESET", "net/ipv4/tcp_input.c tcp_reset(): ESTABLISHED -> sk_err = ECONNRESET, reported once sock_error() finds the queue empty; " + Observed),
        ReadEnd.Linux("EndOfStream", null, "sk_err already taken, tcp_done() set RCV_SHUTDOWN: tcp_recvmsg_locked() returns 0; " + Observed),

        Request.MacOS("Success", null, "send(2)"),
        PartialRead.MacOS("Success", null, "recv(2)"),
        Answer.MacOS("Success", null, "send(2)"),
        CloseUnread.MacOS("Success", null, "xnu bsd/netinet/tcp_usrreq.c tcp_disconnect(): so_rcv.sb_cc != 0 -> tcp_drop(), which sends RST"),
        ReadResponse.MacOS("Success", null,
            "xnu bsd/kern/uipc_socket.c soreceive(): with so_error set, queued data is still returned first (\"if (m != NULL) goto dontblock\")"),
        ReadReset.MacOS("Error", "ECONNRESET", "xnu tcp_input.c: RST in ESTABLISHED -> so_error = ECONNRESET; soreceive() returns it once nothing is queued"),
        ReadEnd.MacOS("EndOfStream", null, "xnu soreceive(): so_error taken, SS_CANTRCVMORE -> 0"),

        Request.Windows("Success", null, "send function"),
        PartialRead.Windows("Success", null, "recv function"),
        Answer.Windows("Success", null, "send function"),
        CloseUnread.Windows("Success", null, "closesocket function (Microsoft does not document the RST on unread data; RFC 2525 2.17)"),
        ReadResponse.Windows("Error", "WSAECONNRESET",
            "closesocket function: after a reset \"any recv call on the remote side of the circuit will fail with WSAECONNRESET\": the response is lost"),
        ReadReset.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "recv function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
        ReadEnd.Windows("Error", "WSAECONNRESET|WSAECONNABORTED", "recv function: WSAECONNRESET 10054 / WSAECONNABORTED 10053"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, server = pair.Peer;

        await context.CallAsync(Request, SocketCalls.Send(client, new byte[RequestBytes]), stateOf: client).ConfigureAwait(false);
        // The whole request must sit in the server's queue before it reads part of it (bounded).
        await LoopbackPair.WaitForAsync(server, SelectMode.SelectRead, 1_000, context.Cancellation).ConfigureAwait(false);
        for (int i = 0; i < 100 && server.Available < RequestBytes; i++) await Task.Delay(1, context.Cancellation).ConfigureAwait(false);
        var inbox = new byte[RequestBytes];
        await context.CallAsync(PartialRead, SocketCalls.ReceiveExactly(server, inbox.AsMemory(0, ReadByServer)), stateOf: client, isReceive: true).ConfigureAwait(false);
        await context.CallAsync(Answer, SocketCalls.Send(server, Response), stateOf: client).ConfigureAwait(false);

        int unread = server.Available;
        var close = await context.MeasureAsync(CloseUnread, SocketCalls.Close(server), stateOf: client).ConfigureAwait(false);
        context.Emit(close.WithNote($"closed with {unread} request bytes unread"));
        string arrival = await ObservedHandshake.WaitForResetAsync(context, client, "the close").ConfigureAwait(false);

        var buffer = new byte[256];
        var response = await context.MeasureAsync(ReadResponse, SocketCalls.ReceiveExactly(client, buffer.AsMemory(0, Response.Length)),
            stateOf: client, isReceive: true).ConfigureAwait(false);
        context.Emit(response.WithNote(response.Bytes == Response.Length
            ? $"the whole {Response.Length}-byte response, read after the RST; {arrival}"
            : arrival));
        await context.CallAsync(ReadReset, SocketCalls.Receive(client, buffer), stateOf: client, isReceive: true).ConfigureAwait(false);
        await context.CallAsync(ReadEnd, SocketCalls.Receive(client, buffer), stateOf: client, isReceive: true).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "an RST sent by this run (to a segment for no socket, or by an aborting socket)", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 2, "established connections of the run reset or aborted", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnClose", 1, "a socket closed with unread data: RST instead of FIN", "net/ipv4/tcp.c __tcp_close(): data_was_unread"),
    };
}
