namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The shared flow of the loopback crash scenarios: a real peer process (SocketProbe.Peer serve)
/// accepts the client's connection, then meets its fate (exit, kill, abort, SIGTERM); the client
/// then reads or writes and we record what each call really returns.
/// Steps: declared once in PeerCrashSteps (Connect; [Send the unread bytes]; the fate; then per client action).
/// </summary>
public abstract class PeerCrashScenario : Scenario
{
    private static readonly byte[] Payload = "SocketProbe payload\n"u8.ToArray();

    public override string Cmdlet => FrontDoors.InvokePeerCrash;

    public override IReadOnlyList<ClientAction> ClientActions => PeerCrashSteps.Actions;

    /// <summary>Leave bytes unread in the peer's receive buffer before its fate.</summary>
    protected virtual bool LeavesUnreadData => false;

    /// <summary>Make the peer meet its fate; return the observation of it (Actor Peer).</summary>
    protected abstract Task<Observation> FateAsync(ScenarioContext context, PeerProcess peer, int step);

    public override string? WhyCannotRun(ScenarioRequest request) =>
        File.Exists(DotNetHost.PeerAssembly) ? null : $"the peer program is missing ({DotNetHost.PeerAssembly}); build the module";

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        var family = context.Request.AddressFamily;
        using var peer = await PeerProcess.StartAsync("serve",
            new[] { "--family", family == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4" }, context.Logger, context.Cancellation).ConfigureAwait(false);
        int port = int.Parse(await peer.ExpectAsync("LISTENING", 5_000, context.Cancellation).ConfigureAwait(false));

        using var client = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        var steps = PeerCrashSteps.For(LeavesUnreadData, context.Request.ClientAction);
        var connect = await context.CallAsync(steps.Connect, SocketCalls.Connect(client, new IPEndPoint(Loopback.For(family), port)), client).ConfigureAwait(false);
        if (connect.Result != Results.Success) return;
        await peer.ExpectAsync("ACCEPTED", 5_000, context.Cancellation).ConfigureAwait(false);

        if (steps.SendUnread is { } sendUnread)
        {
            await SendAsync(context, client, sendUnread).ConfigureAwait(false);
            await peer.SendAsync($"unread {Payload.Length}").ConfigureAwait(false);
            string unread = await peer.ExpectAsync("UNREAD", 6_000, context.Cancellation).ConfigureAwait(false);
            context.Logger.LogInformation("Peer holds {Bytes} unread bytes", unread);
        }

        await FateAsync(context, peer, steps.FateNumber).ConfigureAwait(false);

        if (steps.FirstReceive is { } firstReceive)
            await ReceiveAsync(context, client, firstReceive).ConfigureAwait(false);
        await SendAsync(context, client, steps.FirstSend).ConfigureAwait(false);
        await WaitForResetAsync(client, context).ConfigureAwait(false);
        await SendAsync(context, client, steps.SecondSend).ConfigureAwait(false);
        await ReceiveAsync(context, client, steps.LastReceive).ConfigureAwait(false);
    }

    /// <summary>Observe a process fate: the act, then the OS's report of the peer's end (from waitpid).</summary>
    protected static async Task<Observation> ObserveExitAsync(ScenarioContext context, PeerProcess peer, int step,
        string operation, Func<Task> act, string technique)
    {
        double actedAt = context.NowMs;
        await act().ConfigureAwait(false);
        ExitStatus status = await peer.WaitForExitAsync(10_000, context.Cancellation).ConfigureAwait(false);
        // A process's end is not a socket call: no ElapsedMs; AtMs is when the act began.
        return context.Emit(new Observation
        {
            Step = step,
            Actor = "Peer",
            Operation = operation,
            Result = status.Signaled ? Results.Killed : Results.Exited,
            AtMs = actedAt,
            Note = $"{technique}; the OS reports: {status.Describe()}",
        });
    }

    private static Task<Observation> SendAsync(ScenarioContext context, Socket client, ScenarioStep step) =>
        context.CallAsync(step,
            SocketCalls.Send(client, Payload), client);

    private static Task<Observation> ReceiveAsync(ScenarioContext context, Socket client, ScenarioStep step)
    {
        var buffer = new byte[4096];
        return context.CallAsync(step,
            SocketCalls.Receive(client, buffer), client, isReceive: true);
    }

    /// <summary>
    /// Let the peer's RST (if any) cross loopback before the next call: wait, bounded, until the
    /// kernel shows the connection CLOSE. Elsewhere than Linux the state is not readable: a short pause.
    /// </summary>
    protected static async Task WaitForResetAsync(Socket client, ScenarioContext context)
    {
        if (!OperatingSystem.IsLinux())
        {
            await Task.Delay(50, context.Cancellation).ConfigureAwait(false);
            return;
        }
        var clock = Stopwatch.StartNew();
        while (TcpInfo.StateOf(client) is string state && state != "CLOSE" && clock.ElapsedMilliseconds < 1_000)
            await Task.Delay(1, context.Cancellation).ConfigureAwait(false);
        context.Logger.LogDebug("Client state {State} after {Ms:F1} ms", TcpInfo.StateOf(client), clock.Elapsed.TotalMilliseconds);
    }
}
