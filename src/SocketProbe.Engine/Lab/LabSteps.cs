using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    /// Step 1 of the established-connection lab scenarios: a peer process on the peer host, the
    /// client connected to it. Null when the connect failed (then the scenario has nothing more to show).
    /// </summary>
    public static async Task<PeerProcess?> ConnectToPeerAsync(ScenarioContext context, Socket client, LabNetwork lab)
    {
        var (peer, port) = await StartPeerAsync(context, lab).ConfigureAwait(false);
        try
        {
            var connect = await ConnectAsync(context, 1, client, PeerHost(context), port).ConfigureAwait(false);
            if (connect.Result != Results.Success)
            {
                peer.Dispose();
                return null;
            }
            await peer.ExpectAsync("ACCEPTED", 5_000, context.Cancellation).ConfigureAwait(false);
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    public static Task<Observation> ConnectAsync(ScenarioContext context, int step, Socket client, IPAddress address, int port) =>
        context.CallAsync(step, "Client", "Connect", async token =>
        {
            await client.ConnectAsync(new IPEndPoint(address, port), token).ConfigureAwait(false);
            return -1;
        }, client);

    public static Task<Observation> SendAsync(ScenarioContext context, int step, Socket client) =>
        context.CallAsync(step, "Client", "Send",
            async token => await client.SendAsync(Payload, SocketFlags.None, token).ConfigureAwait(false), client);

    public static Task<Observation> ReceiveAsync(ScenarioContext context, int step, Socket client, int? boundMs = null)
    {
        var buffer = new byte[4096];
        return context.CallAsync(step, "Client", "Receive",
            async token => await client.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false),
            client, boundMs, isReceive: true);
    }

    /// <summary>A fault made real by the lab (an nft rule, a kill), reported as the peer's step.</summary>
    public static Observation Fault(ScenarioContext context, int step, string operation, string note, Action act)
    {
        var clock = Stopwatch.StartNew();
        act();
        return context.Emit(new Observation
        {
            Step = step, Actor = "Peer", Operation = operation, Result = Results.Success,
            ElapsedMs = clock.Elapsed.TotalMilliseconds, Note = note,
        });
    }

    /// <summary>The peer host loses its connection state: abortive close (its RST is dropped), then SIGKILL.</summary>
    public static async Task<Observation> LoseStateAsync(ScenarioContext context, int step, PeerProcess peer)
    {
        var clock = Stopwatch.StartNew();
        await peer.SendAsync("abort").ConfigureAwait(false);
        await peer.ExpectAsync("ABORTED", 5_000, context.Cancellation).ConfigureAwait(false);
        peer.Signal(Libc.SIGKILL);
        ExitStatus status = await peer.WaitForExitAsync(5_000, context.Cancellation).ConfigureAwait(false);
        return context.Emit(new Observation
        {
            Step = step, Actor = "Peer", Operation = "Kill", Result = status.Signaled ? Results.Killed : Results.Exited,
            ElapsedMs = clock.Elapsed.TotalMilliseconds,
            Note = $"while silent: SO_LINGER {{on, 0}} close (its RST dropped), then kill(peer, SIGKILL): {status.Describe()}; no connection state is left",
        });
    }

    /// <summary>A fault made real by the lab (an nft rule, a sysctl), reported as a row that is not a socket call.</summary>
    public static Observation Fault(ScenarioContext context, ScenarioStep step, string note, Action act)
    {
        var clock = Stopwatch.StartNew();
        act();
        return context.Event(step, Results.Success, clock.Elapsed.TotalMilliseconds, note);
    }

    /// <summary>A listener of the lab's own (this process plays the server) on the peer host address.</summary>
    public static Socket Listen(int backlog) => Loopback.Listen(LabNetwork.PeerHost, backlog);

    /// <summary>A client socket bound to an ephemeral port first, so a fault can name its flow before the connect.</summary>
    public static Socket BoundClient(out int port)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)client.LocalEndPoint!).Port;
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>connect(2) shaped for <see cref="ScenarioContext.MeasureAsync(ScenarioStep, Func{CancellationToken, ValueTask{int}}, Socket?, int?, bool)"/>.</summary>
    public static Func<CancellationToken, ValueTask<int>> Connect(Socket client, EndPoint server) =>
        async token =>
        {
            await client.ConnectAsync(server, token).ConfigureAwait(false);
            return -1;
        };

    /// <summary>The server's accept(2) as the peer's step; the accepted socket, or null when the accept failed.</summary>
    public static async Task<Socket?> AcceptAsync(ScenarioContext context, ScenarioStep step, Socket listener, Socket client)
    {
        Socket? accepted = null;
        var accept = await context.CallAsync(step, async token =>
        {
            accepted = await listener.AcceptAsync(token).ConfigureAwait(false);
            return -1;
        }, client).ConfigureAwait(false);
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
