using System.Net;
using System.Net.Sockets;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The server accepts and then never answers (a hung worker, a service stuck before its first
/// read). The client's request is accepted and acknowledged by the server's kernel, and its read
/// learns nothing: only our own bound ends it, with no errno.
/// </summary>
public sealed class AcceptThenSilent : Scenario
{
    /// <summary>How long the client waits for an answer that never comes (our own bound).</summary>
    internal const int SilentWaitMs = 500;

    private static readonly ScenarioStep Connect = new(1, Actors.Client, "Connect");
    private static readonly ScenarioStep Accept = new(2, Actors.Peer, "Accept");
    private static readonly ScenarioStep Request = new(3, Actors.Client, "Send");
    private static readonly ScenarioStep Read = new(4, Actors.Client, "Receive");

    private const string Observed = "observed on Linux 6.18";
    private const string NothingComes = "nothing arrives, so the kernel has nothing to report: only our own bound ends the read";

    public override string Name => "AcceptThenSilent";
    public override string Description => $"The server accepts and never answers: the client's request is accepted, its read learns nothing (our own {SilentWaitMs} ms bound).";
    public override string Textbook => "recv blocks forever: only an application timeout (SO_RCVTIMEO) ends it";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the kernel completes the handshake before accept(); " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        Request.Linux("Success", null, "the server's kernel queues and acknowledges the bytes; nobody reads them; " + Observed),
        Read.Linux("TimedOut", null, $"{NothingComes} ({SilentWaitMs} ms); " + Observed),

        Connect.MacOS("Success", null, "connect(2)"),
        Accept.MacOS("Success", null, "accept(2)"),
        Request.MacOS("Success", null, "send(2): the bytes are queued"),
        Read.MacOS("TimedOut", null, $"recv(2) blocks until data arrives: {NothingComes}"),

        Connect.Windows("Success", null, "connect function"),
        Accept.Windows("Success", null, "accept function"),
        Request.Windows("Success", null, "send function"),
        Read.Windows("TimedOut", null, $"recv function blocks until data arrives: {NothingComes}"),
    };

    public override string? WhyCannotRun(ScenarioRequest request) => LoopbackPair.WhyUnavailable(request.AddressFamily);

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        using var listener = Loopback.Listen(loopback, 4);
        using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var connect = await ObservedHandshake.ConnectAsync(context, Connect, client, listener.LocalEndPoint!).ConfigureAwait(false);
        if (connect.Result != Results.Success) return;
        using Socket? server = await ObservedHandshake.AcceptAsync(context, Accept, listener, client).ConfigureAwait(false);
        if (server is null) return;

        await context.CallAsync(Request, SocketCalls.Send(client, "HEAD / HTTP/1.0\r\n\r\n"u8.ToArray()), stateOf: client).ConfigureAwait(false);
        var buffer = new byte[256];
        await context.CallAsync(Read, SocketCalls.Receive(client, buffer), stateOf: client,
            boundMs: Math.Min(SilentWaitMs, context.Request.CallTimeoutMs), isReceive: true).ConfigureAwait(false);
    }
}
