namespace SocketProbe.Engine;

/// <summary>
/// A connected TCP pair on loopback with both ends in this process: Client connected, Peer the
/// socket the listener accepted. The listener is closed once the pair exists. Disposing the pair
/// disposes both ends (a second dispose after a scenario closed one is harmless).
/// </summary>
public sealed class LoopbackPair : IDisposable
{
    private LoopbackPair(Socket client, Socket peer)
    {
        Client = client;
        Peer = peer;
    }

    public Socket Client { get; }
    public Socket Peer { get; }

    /// <summary>A scenario's pair: on the loopback of the run's family, within its call bound, logged.</summary>
    public static async Task<LoopbackPair> OpenAsync(ScenarioContext context,
        Action<Socket>? configureListener = null, Action<Socket>? configureClient = null)
    {
        LoopbackPair pair = await OpenAsync(Loopback.For(context.Request.AddressFamily), context.Request.CallTimeoutMs,
            context.Cancellation, configureListener, configureClient).ConfigureAwait(false);
        context.Logger.LogInformation("Connected {Client} -> {Peer} on loopback", pair.Client.LocalEndPoint, pair.Client.RemoteEndPoint);
        return pair;
    }

    /// <param name="configureListener">Runs before listen(): options the accepted socket inherits (SO_RCVBUF must be set before the SYN for the window scale).</param>
    /// <param name="configureClient">Runs before connect().</param>
    public static async Task<LoopbackPair> OpenAsync(IPAddress address, int boundMs, CancellationToken cancellation,
        Action<Socket>? configureListener = null, Action<Socket>? configureClient = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(boundMs);
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        configureListener?.Invoke(listener);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(1);

        var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Socket? peer = null;
        try
        {
            configureClient?.Invoke(client);
            ValueTask<Socket> accepting = listener.AcceptAsync(limit.Token);
            await client.ConnectAsync(listener.LocalEndPoint!, limit.Token).ConfigureAwait(false);
            peer = await accepting.ConfigureAwait(false);
            return new LoopbackPair(client, peer);
        }
        catch
        {
            peer?.Dispose();
            client.Dispose();
            throw;
        }
    }

    /// <summary>Null when the loopback of this family can be used here; otherwise why not (for Scenario.WhyCannotRun).</summary>
    public static string? WhyUnavailable(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6 ? "IPv6 is not available on this host (no ::1)" :
        family == AddressFamily.InterNetwork && !Socket.OSSupportsIPv4 ? "IPv4 is not available on this host (no 127.0.0.1)" : null;

    public void Dispose()
    {
        Client.Dispose();
        Peer.Dispose();
    }

    /// <summary>
    /// <see cref="WaitFor"/> on a thread of its own (Linux, macOS): the wait blocks no thread-pool
    /// thread (a matrix runs many of these at once), and the milliseconds it reports are not delayed
    /// by one. Windows keeps the plain wait.
    /// </summary>
    public static Task<double?> WaitForAsync(Socket socket, SelectMode mode, int boundMs, CancellationToken cancellation)
    {
        if (OperatingSystem.IsWindows()) return Task.FromResult(WaitFor(socket, mode, boundMs, cancellation));
        var waited = new TaskCompletionSource<double?>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try { waited.TrySetResult(WaitFor(socket, mode, boundMs, cancellation)); }
            catch (Exception e) { waited.TrySetException(e); }
        }, maxStackSize: 128 * 1024) { IsBackground = true, Name = "SocketProbe readiness wait" }.Start();
        return waited.Task;
    }

    /// <summary>
    /// Wait, at most <paramref name="boundMs"/>, until <paramref name="socket"/> reports
    /// <paramref name="mode"/> (SelectError: the kernel holds a pending socket error, e.g. from an RST;
    /// SelectRead: data or end of stream). Polls in short slices so cancellation is honoured.
    /// Returns the milliseconds waited, or null when the bound ran out.
    /// </summary>
    public static double? WaitFor(Socket socket, SelectMode mode, int boundMs, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < boundMs)
        {
            cancellation.ThrowIfCancellationRequested();
            if (socket.Poll(TimeSpan.FromMilliseconds(10), mode)) return clock.Elapsed.TotalMilliseconds;
        }
        return null;
    }
}
