using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The client shuts down its sending half (shutdown(SHUT_WR): FIN); the peer reads end of stream
/// but can still send, and the client still receives. Then the peer closes and the client reads
/// end of stream. Stevens UNP 6.6. Both ends in this process on loopback.
/// </summary>
public sealed class HalfClose : Scenario
{
    public override string Name => "HalfClose";
    public override string Description => "Client shutdown(SHUT_WR): the peer reads end of stream but keeps sending; the client still receives.";
    public override string Textbook => "peer reads EOF; client still receives";
    public override string Cmdlet => "Invoke-SocketScenario";

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 1, "Client", "Shutdown", "Success", null,
            "net/ipv4/tcp.c tcp_shutdown(): SEND_SHUTDOWN -> tcp_close_state() + tcp_send_fin(); observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 2, "Peer", "Receive", "EndOfStream", null,
            "net/ipv4/tcp_input.c tcp_fin(): RCV_SHUTDOWN + SOCK_DONE -> recv returns 0; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 3, "Peer", "Send", "Success", null,
            "net/ipv4/tcp.c tcp_sendmsg_locked(): CLOSE_WAIT may still send; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 4, "Client", "Receive", "Success", null,
            "net/ipv4/tcp_input.c tcp_rcv_state_process(): FIN_WAIT2 still queues data (only RCV_SHUTDOWN would reset); observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 5, "Peer", "Close", "Success", null, "observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 6, "Client", "Receive", "EndOfStream", null,
            "net/ipv4/tcp_input.c tcp_fin(): FIN_WAIT2 -> TIME_WAIT, recv returns 0; observed on Linux 6.18", Verified: true),

        new(OsPlatform.MacOS, 1, "Client", "Shutdown", "Success", null, "shutdown(2) macOS man page: SHUT_WR", Verified: false),
        new(OsPlatform.MacOS, 2, "Peer", "Receive", "EndOfStream", null, "recv(2) macOS man page: 0 when the peer has performed an orderly shutdown", Verified: false),
        new(OsPlatform.MacOS, 3, "Peer", "Send", "Success", null, "shutdown(2) macOS man page: only the given direction is shut", Verified: false),
        new(OsPlatform.MacOS, 4, "Client", "Receive", "Success", null, "shutdown(2) macOS man page: SHUT_WR leaves receives allowed", Verified: false),
        new(OsPlatform.MacOS, 5, "Peer", "Close", "Success", null, "close(2) macOS man page", Verified: false),
        new(OsPlatform.MacOS, 6, "Client", "Receive", "EndOfStream", null, "recv(2) macOS man page: 0 after an orderly shutdown", Verified: false),

        new(OsPlatform.Windows, 1, "Client", "Shutdown", "Success", null, "shutdown function: SD_SEND sends FIN", Verified: false),
        new(OsPlatform.Windows, 2, "Peer", "Receive", "EndOfStream", null, "recv function: returns 0 when the connection has been gracefully closed", Verified: false),
        new(OsPlatform.Windows, 3, "Peer", "Send", "Success", null, "shutdown function: the other direction stays open", Verified: false),
        new(OsPlatform.Windows, 4, "Client", "Receive", "Success", null, "shutdown function: SD_SEND leaves receives allowed", Verified: false),
        new(OsPlatform.Windows, 5, "Peer", "Close", "Success", null, "closesocket function: graceful close", Verified: false),
        new(OsPlatform.Windows, 6, "Client", "Receive", "EndOfStream", null, "recv function: returns 0 after a graceful close", Verified: false),
    };

    public override string? WhyCannotRun(ScenarioRequest request) => LoopbackPair.WhyUnavailable(request.AddressFamily);

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        using var pair = await LoopbackPair.OpenAsync(loopback, context.Request.CallTimeoutMs, context.Cancellation).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;
        context.Logger.LogInformation("Connected {Client} -> {Peer} on loopback", client.LocalEndPoint, client.RemoteEndPoint);

        byte[] reply = Encoding.ASCII.GetBytes("still talking after your FIN");
        byte[] inbox = new byte[256];

        await context.CallAsync(1, "Client", "Shutdown", SocketCalls.Shutdown(client, SocketShutdown.Send), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(2, "Peer", "Receive", SocketCalls.Receive(peer, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
        await context.CallAsync(3, "Peer", "Send", SocketCalls.Send(peer, reply), stateOf: client).ConfigureAwait(false);

        var received = await context.MeasureAsync(4, "Client", "Receive", SocketCalls.ReceiveExactly(client, inbox.AsMemory(0, reply.Length)),
            stateOf: client, isReceive: true).ConfigureAwait(false);
        if (received.Result == Results.Success)
            received.WithNote($"read \"{Encoding.ASCII.GetString(inbox, 0, (int)received.Bytes!.Value)}\" after our own shutdown(SHUT_WR)");
        context.Emit(received);

        await context.CallAsync(5, "Peer", "Close", SocketCalls.Close(peer), stateOf: client).ConfigureAwait(false);
        await context.CallAsync(6, "Client", "Receive", SocketCalls.Receive(client, inbox), stateOf: client, isReceive: true).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTW", 1, "an orderly close on both sides: the side that closed first enters TIME_WAIT; no reset, abort or retransmit moves", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule() from tcp_time_wait()"),
    };
}
