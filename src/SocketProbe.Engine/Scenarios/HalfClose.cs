using System.Text;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The client shuts down its sending half (shutdown(SHUT_WR): FIN); the peer reads end of stream
/// but can still send, and the client still receives. Then the peer closes and the client reads
/// end of stream. Stevens UNP 6.6. Both ends in this process on loopback.
/// </summary>
public sealed class HalfClose : Scenario
{
    private static readonly ScenarioStep ClientShutdown = new(1, Actors.Client, "Shutdown");
    private static readonly ScenarioStep PeerReceive = new(2, Actors.Peer, "Receive");
    private static readonly ScenarioStep PeerSend = new(3, Actors.Peer, "Send");
    private static readonly ScenarioStep ClientReceive4 = new(4, Actors.Client, "Receive");
    private static readonly ScenarioStep PeerClose = new(5, Actors.Peer, "Close");
    private static readonly ScenarioStep ClientReceive6 = new(6, Actors.Client, "Receive");

    public override string Name => "HalfClose";
    public override string Description => "Client shutdown(SHUT_WR): the peer reads end of stream but keeps sending; the client still receives.";
    public override string Textbook => "peer reads EOF; client still receives";
    public override string Cmdlet => FrontDoors.InvokeSocketScenario;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientShutdown.Linux("Success", null, "net/ipv4/tcp.c tcp_shutdown(): SEND_SHUTDOWN -> tcp_close_state() + tcp_send_fin(); observed on Linux 6.18"),
        PeerReceive.Linux("EndOfStream", null, "net/ipv4/tcp_input.c tcp_fin(): RCV_SHUTDOWN + SOCK_DONE -> recv returns 0; observed on Linux 6.18"),
        PeerSend.Linux("Success", null, "net/ipv4/tcp.c tcp_sendmsg_locked(): CLOSE_WAIT may still send; observed on Linux 6.18"),
        ClientReceive4.Linux("Success", null, "net/ipv4/tcp_input.c tcp_rcv_state_process(): FIN_WAIT2 still queues data (only RCV_SHUTDOWN would reset); observed on Linux 6.18"),
        PeerClose.Linux("Success", null, "observed on Linux 6.18"),
        ClientReceive6.Linux("EndOfStream", null, "net/ipv4/tcp_input.c tcp_fin(): FIN_WAIT2 -> TIME_WAIT, recv returns 0; observed on Linux 6.18"),

        ClientShutdown.MacOS("Success", null, "shutdown(2) macOS man page: SHUT_WR"),
        PeerReceive.MacOS("EndOfStream", null, "recv(2) macOS man page: 0 when the peer has performed an orderly shutdown"),
        PeerSend.MacOS("Success", null, "shutdown(2) macOS man page: only the given direction is shut"),
        ClientReceive4.MacOS("Success", null, "shutdown(2) macOS man page: SHUT_WR leaves receives allowed"),
        PeerClose.MacOS("Success", null, "close(2) macOS man page"),
        ClientReceive6.MacOS("EndOfStream", null, "recv(2) macOS man page: 0 after an orderly shutdown"),

        ClientShutdown.Windows("Success", null, "shutdown function: SD_SEND sends FIN"),
        PeerReceive.Windows("EndOfStream", null, "recv function: returns 0 when the connection has been gracefully closed"),
        PeerSend.Windows("Success", null, "shutdown function: the other direction stays open"),
        ClientReceive4.Windows("Success", null, "shutdown function: SD_SEND leaves receives allowed"),
        PeerClose.Windows("Success", null, "closesocket function: graceful close"),
        ClientReceive6.Windows("EndOfStream", null, "recv function: returns 0 after a graceful close"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;

        byte[] reply = Encoding.ASCII.GetBytes("still talking after your FIN");
        byte[] inbox = new byte[256];

        await context.CallAsync(ClientShutdown, SocketCalls.Shutdown(client, SocketShutdown.Send), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(PeerReceive, SocketCalls.Receive(peer, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
        await context.CallAsync(PeerSend, SocketCalls.Send(peer, reply), stateOf: client).ConfigureAwait(false);

        var received = await context.MeasureAsync(ClientReceive4, SocketCalls.ReceiveExactly(client, inbox.AsMemory(0, reply.Length)),
            stateOf: client, isReceive: true).ConfigureAwait(false);
        if (received.Result == Results.Success)
            received.WithNote($"read \"{Encoding.ASCII.GetString(inbox, 0, (int)received.Bytes!.Value)}\" after our own shutdown(SHUT_WR)");
        context.Emit(received);

        await context.CallAsync(PeerClose, SocketCalls.Close(peer), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(ClientReceive6, SocketCalls.Receive(client, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTW", 1, "an orderly close on both sides: the side that closed first enters TIME_WAIT; no reset, abort or retransmit moves", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule() from tcp_time_wait()"),
    };
}
