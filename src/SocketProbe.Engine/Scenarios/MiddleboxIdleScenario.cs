namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The shared flow of the middlebox scenarios: a stateful firewall in the lab namespace (conntrack
/// with nf_conntrack_tcp_timeout_established = the request's MiddleboxTimeoutSeconds and
/// nf_conntrack_tcp_loose = 0, so a flow it forgot is never picked up again) in front of the
/// server; the connection stays idle past that timeout, then the client writes and reads. What the
/// firewall does with a segment of a forgotten flow (forge an RST, or drop it) is the subclass's.
/// Steps: Middlebox; Connect; Accept; Idle; Send; Receive; Send.
/// </summary>
public abstract class MiddleboxIdleScenario : LabScenario
{
    protected static readonly ScenarioStep Middlebox = new(1, Actors.Peer, "Middlebox");
    protected static readonly ScenarioStep Connect = new(2, Actors.Client, "Connect");
    protected static readonly ScenarioStep Accept = new(3, Actors.Peer, "Accept");
    protected static readonly ScenarioStep Idle = new(4, Actors.Client, "Idle");
    protected static readonly ScenarioStep Send = new(5, Actors.Client, "Send");
    protected static readonly ScenarioStep Receive = new(6, Actors.Client, "Receive");
    protected static readonly ScenarioStep SendAgain = new(7, Actors.Client, "Send");

    /// <summary>How much longer than the middlebox's timeout the client stays idle (conntrack's timeouts are in jiffies).</summary>
    private const int IdleMarginMs = 300;

    public override string Cmdlet => FrontDoors.InvokePeerCrash;
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send };

    /// <summary>The lab's bound grows by the idle, which the middlebox's timeout sets (350 s plays an AWS NLB).</summary>
    public override int RunBoundMs(ScenarioRequest request) =>
        (int)Math.Min(int.MaxValue, base.RunBoundMs(request) + request.MiddleboxTimeoutSeconds * 1000L + IdleMarginMs);

    /// <summary>The idle past the middlebox's timeout, then (when it drops) TCP_USER_TIMEOUT.</summary>
    public override double? ExpectedWaitMs(ScenarioRequest request) =>
        request.MiddleboxTimeoutSeconds * 1000.0 + IdleMarginMs + (Resets ? 0 : request.UserTimeoutMs ?? KernelDefaultWaitMs);

    /// <summary>True: the firewall answers a segment of a forgotten flow with a forged RST; false: it drops it.</summary>
    protected abstract bool Resets { get; }

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        int timeout = context.Request.MiddleboxTimeoutSeconds;
        using var listener = LabSteps.Listen(context, lab, 4);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        LabSteps.Fault(context, Middlebox,
            $"a stateful firewall in front of {server}: nft 'ct state invalid {(Resets ? "reject with tcp reset" : "drop")}'; " +
            $"net.netfilter.nf_conntrack_tcp_timeout_established = {timeout} s, nf_conntrack_tcp_loose = 0 (/proc, this namespace)",
            () =>
            {
                lab.StatefulFirewall(server, Resets);
                lab.Sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", timeout.ToString(System.Globalization.CultureInfo.InvariantCulture));
                lab.Sysctl("net.netfilter.nf_conntrack_tcp_loose", "0");
            });

        using var client = LabSteps.NewClient(context, lab);
        SocketOptions.UserTimeout(client, context.Request.UserTimeoutMs, context.Logger);
        var connect = await context.MeasureAsync(Connect, LabSteps.Connect(client, server), client).ConfigureAwait(false);
        int clientPort = connect.Result == Results.Success ? ((IPEndPoint)client.LocalEndPoint!).Port : 0;
        context.Emit(connect.WithNote(clientPort == 0 ? null : $"conntrack knows the flow: {ConntrackKnows(clientPort, server.Port)}"));
        if (connect.Result != Results.Success) return;
        using Socket? accepted = await LabSteps.AcceptAsync(context, Accept, listener, client).ConfigureAwait(false);
        if (accepted is null) return;

        // Idle: no segment either way, so nothing refreshes the conntrack entry.
        var clock = Stopwatch.StartNew();
        await Task.Delay(timeout * 1000 + IdleMarginMs, context.Cancellation).ConfigureAwait(false);
        context.Event(Idle, Results.Success, clock.Elapsed.TotalMilliseconds,
            $"no segment either way for {clock.Elapsed.TotalMilliseconds:F0} ms; conntrack knows the flow: {ConntrackKnows(clientPort, server.Port)}; " +
            $"both sockets still {TcpInfo.StateOf(client)} / {TcpInfo.StateOf(accepted)}");

        await context.CallAsync(Send, SocketCalls.Send(client, LabSteps.Payload), client).ConfigureAwait(false);
        var buffer = new byte[256];
        var read = await context.MeasureAsync(Receive, SocketCalls.Receive(client, buffer), client, isReceive: true).ConfigureAwait(false);
        context.Emit(read.WithNote(LabSteps.ServerSide(accepted) + (Resets
            ? ": the RST was forged by the firewall, the server never saw the segment"
            : ": the firewall dropped the segment and its retransmissions")));
        await context.CallAsync(SendAgain, SocketCalls.Send(client, LabSteps.Payload), client).ConfigureAwait(false);
    }

    private static string ConntrackKnows(int clientPort, int serverPort) =>
        LabTables.ConntrackKnows(clientPort, serverPort, out string? why) switch { true => "yes", false => "no", null => $"unknown ({why})" };
}
