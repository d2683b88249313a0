using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// A listener whose accept queue is full and who never accepts. Linux holds backlog + 1 completed
/// connections (sk_acceptq_is_full: ack_backlog > max_ack_backlog), then drops further SYNs, so the
/// next connect retries its SYN until TCP_SYNCNT runs out.
/// </summary>
public sealed class AcceptQueueFull : Scenario
{
    private const int Backlog = 1;

    public override string Name => "AcceptQueueFull";
    public override double ExpectedWaitMs(ScenarioRequest request) =>
        request.SynRetries is int n ? ((2 << n) - 1) * 1000.0 : KernelDefaultWaitMs;   // (2^(n+1) - 1) s of SYN retries
    public override string Description => "A listener with a full accept queue never accepts: the next client's SYNs are dropped until connect gives up.";
    public override string Textbook => "connect stalls, then ETIMEDOUT (Linux)";
    public override string Cmdlet => "Test-TcpRefused";

    private const string Observed = "observed on Linux 6.18";

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 1, "Client", "Connect", "Success", null, "completes into the accept queue; " + Observed, Verified: true),
        new(OsPlatform.Linux, 2, "Client", "Connect", "Success", null, "backlog 1 holds 2: sk_acceptq_is_full() is ack_backlog > max_ack_backlog; " + Observed, Verified: true),
        new(OsPlatform.Linux, 3, "Client", "Connect", "Error", "ETIMEDOUT",
            "tcp_conn_request() drops the SYN while sk_acceptq_is_full(); the client's SYNs go unanswered until TCP_SYNCNT: tcp_write_err() ETIMEDOUT; " + Observed, Verified: true),
        new(OsPlatform.MacOS, 2, "Client", "Connect", "Error|TimedOut", "ETIMEDOUT",
            "xnu bsd/kern/uipc_socket2.c sonewconn_internal(): refuses once so_qlen >= so_qlimit (kern.ipc.soqlimitcompat defaults to 1, so not 1.5 x backlog): backlog 1 holds one connection; tcp_input() then drops the SYN (tcps_listendrop) and connect times out", Verified: false),
        new(OsPlatform.MacOS, 3, "Client", "Connect", "Error|TimedOut", "ETIMEDOUT",
            "xnu sonewconn_internal(): the queue is still full; the SYN is dropped", Verified: false),
        new(OsPlatform.Windows, 3, "Client", "Connect", "Error", "WSAECONNREFUSED",
            "listen function: when the queue is full, WSAECONNREFUSED is returned to the client", Verified: false),
    };

    public override string? WhyCannotRun(ScenarioRequest request) => LoopbackPair.WhyUnavailable(request.AddressFamily);

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        using var listener = Loopback.Listen(loopback, Backlog);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        context.Logger.LogInformation("Listener on {Target} with backlog {Backlog} never accepts", target, Backlog);
        var sockets = new List<Socket>();
        try
        {
            for (int step = 1; step <= Backlog + 2; step++)
            {
                var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(client);
                SocketOptions.SynRetries(client, context.Request.SynRetries, context.Logger);
                await context.CallAsync(step, "Client", "Connect", async token =>
                {
                    await client.ConnectAsync(target, token).ConfigureAwait(false);
                    return -1;
                }, client).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (Socket s in sockets) s.Dispose();
        }
    }
}
