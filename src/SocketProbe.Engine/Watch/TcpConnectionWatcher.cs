using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Watch;

/// <summary>Where a watch stands, for progress: connections held, ended, and time left in the hold.</summary>
public sealed record WatchProgress(int Total, int Ended, double SecondsLeft);

/// <summary>
/// Watch-TcpConnection's engine: connects Count connections to every address of every target at
/// once, holds each with one pending receive (plus optional keepalive and heartbeat sends), and
/// reports each once, when it ends or when the hold ends. Results are handed on as they happen.
/// </summary>
public static class TcpConnectionWatcher
{
    public static async Task RunAsync(WatchRequest request, Action<WatchResult> sink, ILogger logger, CancellationToken token,
        Action<WatchProgress>? progress = null, ProbeResolver.Lookup? lookup = null)
    {
        request.Validate();
        var (endpoints, unresolved) = await WatchEndpoints.ResolveAsync(request.Tasks, request.AddressFamily, request.ConnectTimeoutMs, token, lookup).ConfigureAwait(false);
        object gate = new();
        int ended = 0;
        void Emit(WatchResult result)
        {
            if (result.LocalPort is int localPort && IPAddress.TryParse(result.LocalAddress, out IPAddress? localAddress) &&
                IPAddress.TryParse(result.Address, out IPAddress? target))
            {
                request.Wire?.Annotate(result, new IPEndPoint(localAddress, localPort), new IPEndPoint(target, result.Port));
                request.KernelTrace?.Annotate(result, new IPEndPoint(localAddress, localPort), new IPEndPoint(target, result.Port));
            }
            lock (gate) sink(result);
            Interlocked.Increment(ref ended);
        }

        foreach (var missing in unresolved)
        {
            Emit(new WatchResult
            {
                Target = missing.Target, Port = missing.Port, Connection = 0, FateKind = WatchFate.NotConnected, Operation = "Resolve",
                StartedUtc = missing.Resolution.Timestamp, SocketError = missing.Resolution.Error?.ToString(), Message = missing.Resolution.Message,
            });
        }
        if (endpoints.Count == 0) return;
        foreach (var endpoint in endpoints) request.Wire?.Expect(new IPEndPoint(endpoint.Address, endpoint.Port));

        int total = endpoints.Count * request.Count;
        long started = Stopwatch.GetTimestamp();
        logger.LogInformation("Holding {Total} connection(s) to {Endpoints} address(es) for up to {Hold} s", total, endpoints.Count, request.HoldSeconds);
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(token);
        Task reporting = progress is null ? Task.CompletedTask : ReportAsync(progress, () => Volatile.Read(ref ended) - unresolved.Count, total,
            request.HoldSeconds, started, progressStop.Token);
        try
        {
            var watches = endpoints.SelectMany(e => Enumerable.Range(1, request.Count).Select(n => WatchOneAsync(request, e, n, Emit, logger, token))).ToArray();
            await Task.WhenAll(watches).ConfigureAwait(false);
        }
        finally
        {
            progressStop.Cancel();
            await reporting.ConfigureAwait(false);
        }
    }

    private static async Task ReportAsync(Action<WatchProgress> progress, Func<int> ended, int total, int holdSeconds, long started, CancellationToken token)
    {
        // One tick a second for the progress bar: a timer, not a poll of the sockets.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                progress(new WatchProgress(total, ended(), Math.Max(0, holdSeconds - Stopwatch.GetElapsedTime(started).TotalSeconds)));
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task WatchOneAsync(WatchRequest request, WatchEndpoint endpoint, int number, Action<WatchResult> emit,
        ILogger logger, CancellationToken token)
    {
        var result = new WatchResult
        {
            Target = endpoint.Target,
            Address = endpoint.Address.ToString(),
            AddressFamily = endpoint.AddressFamilyName,
            Port = endpoint.Port,
            Connection = number,
            StartedUtc = DateTime.UtcNow,
        };
        var (connection, failure, connectMs) = await HeldConnection.ConnectAsync(new IPEndPoint(endpoint.Address, endpoint.Port),
            socket => Configure(socket, request, logger, number == 1), request.ConnectTimeoutMs, token).ConfigureAwait(false);
        result.ConnectMs = connectMs;
        if (connection is null)
        {
            Fill(result, failure!);
            emit(result);
            return;
        }
        await using (connection.ConfigureAwait(false))
        {
            IPEndPoint? local = SocketName.Local(connection.Socket);
            result.LocalAddress = local?.Address.ToString();
            result.LocalPort = local?.Port;
            request.Wire?.Own(local, new IPEndPoint(endpoint.Address, endpoint.Port));
            connection.StartReceiving();

            // Every send, the first one too, is bounded by the hold: a server that never reads fills
            // its window and the send waits, but the hold still ends on time.
            using var holding = CancellationTokenSource.CreateLinkedTokenSource(token);
            Task hold = Task.Delay(TimeSpan.FromSeconds(request.HoldSeconds), holding.Token);
            Task sending = request.Send is { Length: > 0 } payload
                ? SendAsync(connection, payload, request.HeartbeatSeconds, holding.Token)
                : Task.CompletedTask;
            Task done = await Task.WhenAny(connection.Ended, hold).ConfigureAwait(false);
            token.ThrowIfCancellationRequested(); // Ctrl+C: what was emitted stays; this connection is closed below
            // TCP_INFO at the end, before the socket is closed.
            TcpInfoSnapshot? info = TcpInfo.Read(connection.Socket);
            long unsent = connection.BytesUnsent;
            (SocketEnd end, long at) = done == connection.Ended
                ? await connection.Ended.ConfigureAwait(false)
                : (new SocketEnd(WatchFate.Alive, "Hold", Message: $"still established when the hold of {request.HoldSeconds} s ended" + Waiting(unsent, info)),
                    Stopwatch.GetTimestamp());
            holding.Cancel();
            try { await sending.ConfigureAwait(false); } catch (OperationCanceledException) { }

            Fill(result, end);
            result.AfterMs = connection.MsSinceConnect(at);
            result.IdleMs = Stopwatch.GetElapsedTime(Math.Min(connection.LastActivity, at), at).TotalMilliseconds;
            result.BytesSent = connection.BytesSent;
            result.BytesReceived = connection.BytesReceived;
            if (info is not null)
            {
                result.TcpState = info.State;
                result.Retransmits = info.Retransmits;
                result.TotalRetransmits = info.TotalRetransmits;
                result.Probes = info.Probes;
                result.RttMs = info.RttMs;
            }
        }
        logger.LogDebug("{Result}", result);
        emit(result);
    }

    private static void Configure(Socket socket, WatchRequest request, ILogger logger, bool log)
    {
        if (!request.KeepAlive) return;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        if (request.KeepAliveIdleSeconds is int idle) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
        if (request.KeepAliveIntervalSeconds is int interval) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
        if (request.KeepAliveCount is int count) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
        if (log)
        {
            logger.LogInformation("SO_KEEPALIVE on: idle {Idle} s, interval {Interval} s, {Count} probes",
                request.KeepAliveIdleSeconds?.ToString() ?? "kernel default", request.KeepAliveIntervalSeconds?.ToString() ?? "kernel default",
                request.KeepAliveCount?.ToString() ?? "kernel default");
        }
    }

    /// <summary>What a send still waiting at the end of the hold says about the server (empty when none waits).</summary>
    private static string Waiting(long unsent, TcpInfoSnapshot? info) => unsent == 0 ? "" : info is { Unacked: 0 }
        ? $"; {unsent} bytes of -Send still waited to be sent, and the server had acknowledged every byte it got: it is not reading (its receive window is full)"
        : $"; {unsent} bytes of -Send still waited to be sent: the server is not reading, or the path is not delivering (see Retransmits)";

    /// <summary>-Send once right after connect with its answer read (as Find-TcpIdleTimeout does), then again every heartbeat; all of it bounded by <paramref name="token"/> (the hold).</summary>
    private static async Task SendAsync(HeldConnection connection, byte[] payload, int? heartbeatSeconds, CancellationToken token)
    {
        try
        {
            var exchange = await connection.ExchangeAsync(payload, TimeSpan.FromMilliseconds(HeldConnection.DefaultAnswerMs), token).ConfigureAwait(false);
            if (exchange.Ended || heartbeatSeconds is not int seconds) return;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                if (await connection.SendAsync(payload, token).ConfigureAwait(false) is not null) return;
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    private static void Fill(WatchResult result, SocketEnd end)
    {
        result.FateKind = end.Fate;
        result.Operation = end.Operation;
        end.CopyCodesTo(result);
    }
}
