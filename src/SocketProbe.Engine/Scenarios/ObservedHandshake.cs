namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// Connect and accept as observed steps, for the loopback scenarios whose story starts at the
/// handshake (AcceptThen*, ListenerClosedWithQueue); LoopbackPair does the same unobserved.
/// </summary>
internal static class ObservedHandshake
{
    public static Task<Observation> ConnectAsync(ScenarioContext context, ScenarioStep step, Socket client, EndPoint server) =>
        context.CallAsync(step, SocketCalls.Connect(client, server), client);

    /// <summary>accept(); the accepted socket, or null when the call failed (its row says how).</summary>
    public static async Task<Socket?> AcceptAsync(ScenarioContext context, ScenarioStep step, Socket listener, Socket client)
    {
        Socket? accepted = null;
        await context.CallAsync(step, SocketCalls.Accept(listener, s => accepted = s), client).ConfigureAwait(false);
        return accepted;
    }

    /// <summary>
    /// The opening of the AcceptThen* scenarios: a loopback listener, the client's observed connect,
    /// the server's observed accept. Null when either failed (its row says how); else the caller
    /// disposes the three sockets through the returned value.
    /// </summary>
    public static async Task<Accepted?> ConnectAndAcceptAsync(ScenarioContext context, ScenarioStep connect, ScenarioStep accept)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        var listener = Loopback.Listen(loopback, 4);
        var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Socket? server = null;
        try
        {
            var connected = await ConnectAsync(context, connect, client, listener.LocalEndPoint!).ConfigureAwait(false);
            if (connected.Result == Results.Success) server = await AcceptAsync(context, accept, listener, client).ConfigureAwait(false);
        }
        finally
        {
            if (server is null) { client.Dispose(); listener.Dispose(); }
        }
        return server is null ? null : new Accepted(listener, client, server);
    }

    /// <summary>A connected loopback pair with its listener: disposing it closes all three.</summary>
    public sealed record Accepted(Socket Listener, Socket Client, Socket Server) : IDisposable
    {
        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
            Listener.Dispose();
        }
    }

    /// <summary>Let an RST cross loopback: wait (bounded) for the pending socket error it leaves; a sentence for the Note.</summary>
    public static async Task<string> WaitForResetAsync(ScenarioContext context, Socket socket, string after, int boundMs = 1_000)
    {
        double? ms = await LoopbackPair.WaitForAsync(socket, SelectMode.SelectError, boundMs, context.Cancellation).ConfigureAwait(false);
        return ms is double waited
            ? $"the RST was pending (POLLERR) {waited:F3} ms after {after}"
            : $"no pending error seen within {boundMs} ms of {after}";
    }
}
