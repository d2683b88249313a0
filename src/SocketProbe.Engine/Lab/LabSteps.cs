using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Lab;

/// <summary>Steps the lab scenarios share: connecting the client, faults as observations, client calls.</summary>
internal static class LabSteps
{
    public static readonly byte[] Payload = "SocketProbe lab payload\n"u8.ToArray();

    /// <summary>The client's socket in the request's family, speaking from the lab's client host (<see cref="LabNetwork.BindClient"/>).</summary>
    public static Socket NewClient(ScenarioContext context, LabNetwork lab)
    {
        lab.AddPeerHost(context.Request.AddressFamily);
        var client = new Socket(context.Request.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try { LabNetwork.BindClient(client); }
        catch { client.Dispose(); throw; }
        return client;
    }

    /// <summary>The peer host of the request's family.</summary>
    public static IPAddress PeerHost(ScenarioContext context) => LabNetwork.PeerHostOf(context.Request.AddressFamily);

    /// <summary>A peer process listening on the lab's peer host address (made local to the lab first).</summary>
    public static async Task<(PeerProcess Peer, int Port)> StartPeerAsync(ScenarioContext context, LabNetwork lab)
    {
        lab.AddPeerHost(context.Request.AddressFamily);
        var peer = await PeerProcess.StartAsync("serve", new[] { "--address", PeerHost(context).ToString() },
            context.Logger, context.Cancellation).ConfigureAwait(false);
        try
        {
            int port = int.Parse(await peer.ExpectAsync("LISTENING", 5_000, context.Cancellation).ConfigureAwait(false));
            return (peer, port);
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Step 1 of the established-connection lab scenarios: a peer process on the peer host, and a
    /// new client (from the lab's client host; TCP_USER_TIMEOUT set first when <paramref name="userTimeout"/>,
    /// for the scenarios whose unacknowledged write must end) connected to it. Null when the connect
    /// failed (its row says why; the scenario has nothing more to show).
    /// </summary>
    public static async Task<PeerConnection?> ConnectToPeerAsync(ScenarioContext context, ScenarioStep connect, LabNetwork lab, bool userTimeout = false)
    {
        Socket client = NewClient(context, lab);
        PeerProcess? peer = null;
        try
        {
            if (userTimeout) SocketOptions.UserTimeout(client, context.Request.UserTimeoutMs, context.Logger);
            int port;
            (peer, port) = await StartPeerAsync(context, lab).ConfigureAwait(false);
            var connected = await ConnectAsync(context, connect, client, PeerHost(context), port).ConfigureAwait(false);
            if (connected.Result != Results.Success)
            {
                peer.Dispose();
                client.Dispose();
                return null;
            }
            await peer.ExpectAsync("ACCEPTED", 5_000, context.Cancellation).ConfigureAwait(false);
            return new PeerConnection(client, peer, PeerHost(context));
        }
        catch
        {
            peer?.Dispose();
            client.Dispose();
            throw;
        }
    }

    /// <summary>The host crash: nft drops every packet to and from the peer host.</summary>
    public static Observation SilenceHost(ScenarioContext context, ScenarioStep step, LabNetwork lab, IPAddress host) =>
        Fault(context, step, $"nft drops every packet to and from {host}", () => lab.Silence(host));

    /// <summary>
    /// The connect-time lab scenarios' one call: a client from the lab's client host, its SYN
    /// retries bounded (TCP_SYNCNT), connects to <paramref name="host"/> (port 7: the fault answers before any listener could).
    /// </summary>
    public static async Task<Observation> ConnectWithSynRetriesAsync(ScenarioContext context, ScenarioStep step, IPAddress host)
    {
        using var client = new Socket(host.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        LabNetwork.BindClient(client);
        SocketOptions.SynRetries(client, context.Request.SynRetries, context.Logger);
        return await ConnectAsync(context, step, client, host, 7).ConfigureAwait(false);
    }

    public static Task<Observation> ConnectAsync(ScenarioContext context, ScenarioStep step, Socket client, IPAddress address, int port) =>
        context.CallAsync(step, SocketCalls.Connect(client, new IPEndPoint(address, port)), client);

    public static Task<Observation> SendAsync(ScenarioContext context, ScenarioStep step, Socket client) =>
        context.CallAsync(step, SocketCalls.Send(client, Payload), client);

    public static Task<Observation> ReceiveAsync(ScenarioContext context, ScenarioStep step, Socket client, int? boundMs = null)
    {
        var buffer = new byte[4096];
        return context.CallAsync(step, SocketCalls.Receive(client, buffer), client, boundMs, isReceive: true);
    }

    /// <summary>The peer host loses its connection state: abortive close (its RST is dropped), then SIGKILL.</summary>
    public static async Task<Observation> LoseStateAsync(ScenarioContext context, int step, PeerProcess peer)
    {
        double actedAt = context.NowMs;
        await peer.SendAsync("abort").ConfigureAwait(false);
        await peer.ExpectAsync("ABORTED", 5_000, context.Cancellation).ConfigureAwait(false);
        peer.Signal(Libc.SIGKILL);
        ExitStatus status = await peer.WaitForExitAsync(5_000, context.Cancellation).ConfigureAwait(false);
        // A kill is not a socket call: no ElapsedMs; AtMs is when it began.
        return context.Emit(new Observation
        {
            Step = step, Actor = "Peer", Operation = "Kill", Result = status.Signaled ? Results.Killed : Results.Exited,
            AtMs = actedAt,
            Note = $"while silent: SO_LINGER {{on, 0}} close (its RST dropped), then kill(peer, SIGKILL): {status.Describe()}; no connection state is left",
        });
    }

    /// <summary>A fault made real by the lab (an nft rule, a sysctl), reported as a row that is not a socket call.</summary>
    public static Observation Fault(ScenarioContext context, ScenarioStep step, string note, Action act)
    {
        double actedAt = context.NowMs;
        act();
        return context.Event(step, Results.Success, null, note, actedAt);
    }

    /// <summary>A listener of the lab's own (this process plays the server) on the peer host address of the request's family.</summary>
    public static Socket Listen(ScenarioContext context, LabNetwork lab, int backlog)
    {
        lab.AddPeerHost(context.Request.AddressFamily);
        return Loopback.Listen(PeerHost(context), backlog);
    }

    /// <summary>A client socket bound to an ephemeral port first, so a fault can name its flow before the connect.</summary>
    public static Socket BoundClient(ScenarioContext context, LabNetwork lab, out int port)
    {
        lab.AddPeerHost(context.Request.AddressFamily);
        var client = new Socket(context.Request.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Bind(new IPEndPoint(context.Request.AddressFamily == AddressFamily.InterNetworkV6 ? LabNetwork.ClientHost6 : IPAddress.Loopback, 0));
            port = ((IPEndPoint)client.LocalEndPoint!).Port;
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>connect(2) shaped for <see cref="ScenarioContext.MeasureAsync(ScenarioStep, SocketCall, Socket?, int?, bool)"/>.</summary>
    public static SocketCall Connect(Socket client, EndPoint server) => SocketCalls.Connect(client, server);

    /// <summary>The server's accept(2) as the peer's step; the accepted socket, or null when the accept failed.</summary>
    public static async Task<Socket?> AcceptAsync(ScenarioContext context, ScenarioStep step, Socket listener, Socket client)
    {
        Socket? accepted = null;
        var accept = await context.CallAsync(step, SocketCalls.Accept(listener, s => accepted = s), client).ConfigureAwait(false);
        if (accept.Result == Results.Success) return accepted;
        accepted?.Dispose();
        return null;
    }

    /// <summary>What the server's socket looks like, for a Note: its TCP state and the bytes waiting unread.</summary>
    public static string ServerSide(Socket server) =>
        $"the server's socket: {TcpInfo.StateOf(server) ?? "unknown"} (TCP_INFO), {server.Available} bytes unread";

    /// <summary>Wait, bounded, until <paramref name="done"/> holds (a /proc table changed); false when the bound ran out.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> done, int boundMs, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.ElapsedMilliseconds >= boundMs) return false;
            await Task.Delay(10, cancellation).ConfigureAwait(false);
        }
        return true;
    }
}

/// <summary>An established lab connection: the client, the peer process at the far end, the peer host's address.</summary>
internal sealed class PeerConnection(Socket client, PeerProcess peer, IPAddress host) : IDisposable
{
    public Socket Client { get; } = client;
    public PeerProcess Peer { get; } = peer;
    public IPAddress Host { get; } = host;

    /// <summary>The peer process first, then the client (as the scenarios' own usings did).</summary>
    public void Dispose()
    {
        Peer.Dispose();
        Client.Dispose();
    }
}
