namespace SocketProbe.Engine.Watch;

/// <summary>
/// One established connection held open with exactly one pending receive, which is how its end is
/// seen: 0 bytes (FIN), or the error the kernel gives (RST, keepalive or retransmission timeout,
/// ICMP). Waiting costs nothing: no polling, the receive completes when the kernel has news.
/// The first end seen (by the receive or by a send) is the one reported.
/// </summary>
internal sealed class HeldConnection : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<(SocketEnd End, long At)> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiving = Task.CompletedTask;
    private long _lastActivity;
    private long _lastReceive;
    private long _lastSend;
    private long _bytesSent;
    private long _bytesReceived;
    private long _unsent;
    // The last burst of bytes received (bytes with no gap of AnswerQuiet between them): what a server said last,
    // e.g. the goodbye it sends before its FIN (HTTP 408, SMTP/FTP 421). Only its first bytes are kept.
    private readonly object _burstLock = new();
    private readonly byte[] _burst = new byte[GoodbyeBytes];
    private int _burstLength;
    private long _burstStart;
    // Completed (and replaced) by each receive that brings data: how a wait for an answer learns of it without polling.
    private TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldConnection(Socket socket, long connectedAt)
    {
        Socket = socket;
        ConnectedAt = connectedAt;
        _lastActivity = connectedAt;
        _lastReceive = connectedAt;
    }

    public Socket Socket { get; }

    /// <summary>Stopwatch timestamp of the connect's completion.</summary>
    public long ConnectedAt { get; }

    public long LastActivity => Interlocked.Read(ref _lastActivity);
    public long LastReceive => Interlocked.Read(ref _lastReceive);
    /// <summary>Stopwatch timestamp of the last byte the kernel took from us (0: nothing sent).</summary>
    public long LastSend => Interlocked.Read(ref _lastSend);
    public long BytesSent => Interlocked.Read(ref _bytesSent);
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);
    /// <summary>Bytes of the send in progress that the kernel has not taken yet (0: no send waits).</summary>
    public long BytesUnsent => Interlocked.Read(ref _unsent);

    /// <summary>How many bytes of the last burst are kept.</summary>
    public const int GoodbyeBytes = 256;

    /// <summary>The last burst of bytes received: its first bytes and the Stopwatch timestamp of its first byte (0: nothing received).</summary>
    public (byte[] Bytes, long StartedAt) LastBurst
    {
        get { lock (_burstLock) return (_burst[.._burstLength], _burstStart); }
    }

    /// <summary>Completes with the first end seen and its Stopwatch timestamp.</summary>
    public Task<(SocketEnd End, long At)> Ended => _ended.Task;

    public double MsSinceConnect(long timestamp) => Stopwatch.GetElapsedTime(ConnectedAt, timestamp).TotalMilliseconds;

    /// <summary>
    /// Connect within <paramref name="timeoutMs"/>. <paramref name="configure"/> sets socket options
    /// before the SYN leaves. Returns the connection, or why there is none (never throws for a network failure).
    /// A failure of our own side (a self-connect, a local limit that may clear) is not the target's
    /// answer: as the probe does, back off and try again on a new socket while the bound lasts, and if
    /// it never clears, say LocalError.
    /// </summary>
    public static async Task<(HeldConnection? Connection, SocketEnd? Failure, double? ConnectMs)> ConnectAsync(
        IPEndPoint endpoint, Action<Socket>? configure, int timeoutMs, CancellationToken token)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan bound = TimeSpan.FromMilliseconds(timeoutMs);
        TimeSpan backoff = Probe.LocalLimit.FirstBackoff;
        int tries = 0, selfConnects = 0;
        while (true)
        {
            tries++;
            var (connection, failure, connectMs, selfConnect) = await TryConnectAsync(endpoint, configure, timeoutMs, bound - Stopwatch.GetElapsedTime(started), token).ConfigureAwait(false);
            if (selfConnect) selfConnects++;
            bool mayClear = selfConnect || failure is { Fate: WatchFate.LocalError } &&
                Enum.TryParse(failure.SocketError, out SocketError error) && Probe.LocalLimit.MayClear(error);
            if (!mayClear) return (connection, failure, connectMs);
            if (bound - Stopwatch.GetElapsedTime(started) <= backoff)
            {
                string message = Probe.LocalLimit.Explain(selfConnect, failure?.ErrnoName, tries, Stopwatch.GetElapsedTime(started).TotalMilliseconds, selfConnects);
                return (null, (failure ?? new SocketEnd(WatchFate.LocalError, "Connect")) with { Fate = WatchFate.LocalError, Message = message }, connectMs);
            }
            await Task.Delay(backoff, token).ConfigureAwait(false);
            backoff = Probe.LocalLimit.NextBackoff(backoff);
        }
    }

    /// <summary>One try on a new socket; SelfConnect: the kernel connected it to itself (closed again, never a connection).</summary>
    private static async Task<(HeldConnection? Connection, SocketEnd? Failure, double? ConnectMs, bool SelfConnect)> TryConnectAsync(
        IPEndPoint endpoint, Action<Socket>? configure, int timeoutMs, TimeSpan left, CancellationToken token)
    {
        Socket socket;
        try
        {
            socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException ex)
        {
            // e.g. IPv6 switched off on this host, or no descriptor left: nothing was sent.
            return (null, SocketEnd.FromError("Socket", ex, established: false, endpoint.AddressFamily), null, false);
        }
        bool keep = false;
        try
        {
            configure?.Invoke(socket);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
            bound.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                await socket.ConnectAsync(endpoint, bound.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                return (null, SocketEnd.FromError("Connect", ex, established: false, endpoint.AddressFamily), Stopwatch.GetElapsedTime(t0).TotalMilliseconds, false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return (null, new SocketEnd(WatchFate.NotConnected, "Connect",
                    Message: $"no answer within our bound of {timeoutMs} ms; the kernel returned nothing"), Stopwatch.GetElapsedTime(t0).TotalMilliseconds, false);
            }
            long connectedAt = Stopwatch.GetTimestamp();
            double connectMs = Stopwatch.GetElapsedTime(t0, connectedAt).TotalMilliseconds;
            if (Probe.LocalLimit.IsSelfConnect(endpoint, Probe.SocketName.Local(socket))) return (null, null, connectMs, true);
            keep = true;
            return (new HeldConnection(socket, connectedAt), null, connectMs, false);
        }
        finally
        {
            if (!keep) socket.Dispose();
        }
    }

    /// <summary>Start the one pending receive (data that arrives is counted and dropped).</summary>
    public void StartReceiving() => _receiving = ReceiveLoopAsync();

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await Socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                long now = Stopwatch.GetTimestamp();
                if (n == 0)
                {
                    TryEnd(new SocketEnd(WatchFate.Closed, "Receive", Message: "the far side closed (FIN): the read returned 0 bytes"), now);
                    return;
                }
                lock (_burstLock)
                {
                    // A gap longer than an answer's own pauses starts a new burst.
                    if (_burstStart == 0 || Stopwatch.GetElapsedTime(LastReceive, now) > AnswerQuiet) (_burstLength, _burstStart) = (0, now);
                    int keep = Math.Min(n, _burst.Length - _burstLength);
                    buffer.AsSpan(0, keep).CopyTo(_burst.AsSpan(_burstLength));
                    _burstLength += keep;
                }
                Interlocked.Add(ref _bytesReceived, n);
                Interlocked.Exchange(ref _lastActivity, now);
                Interlocked.Exchange(ref _lastReceive, now);
                Interlocked.Exchange(ref _received, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (SocketException ex)
        {
            TryEnd(SocketEnd.FromError("Receive", ex, established: true), Stopwatch.GetTimestamp());
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>
    /// Send all of <paramref name="data"/>; on failure the connection has ended and that end is returned.
    /// A server that does not read stops the send once its window is full: <paramref name="token"/>
    /// bounds it (the caller's hold or deadline), and <see cref="BytesUnsent"/> says what still waits.
    /// </summary>
    public async Task<SocketEnd?> SendAsync(ReadOnlyMemory<byte> data, CancellationToken token)
    {
        try
        {
            int sent = 0;
            Interlocked.Exchange(ref _unsent, data.Length);
            while (sent < data.Length)
            {
                int n = await Socket.SendAsync(data[sent..], SocketFlags.None, token).ConfigureAwait(false);
                sent += n;
                Interlocked.Add(ref _unsent, -n);
                Interlocked.Add(ref _bytesSent, n);
                long now = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref _lastActivity, now);
                Interlocked.Exchange(ref _lastSend, now);
            }
            return null;
        }
        catch (SocketException ex)
        {
            var end = SocketEnd.FromError("Send", ex, established: true);
            TryEnd(end, Stopwatch.GetTimestamp());
            return end;
        }
    }

    /// <summary>How long a request waits for its answer when the caller gives no bound of its own (-ReadMs).</summary>
    public const int DefaultAnswerMs = 5_000;

    /// <summary>How long the answer may stay quiet before it counts as whole: the rest of a response comes in the same round trip.</summary>
    internal static readonly TimeSpan AnswerQuiet = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// -Send in every cmdlet that holds a connection: the request a client sends right after connect, and its
    /// answer read before anything else happens (the receive loop must be running). Waits for the answer's first
    /// byte, then until it has been quiet for <see cref="AnswerQuiet"/>; all of it within <paramref name="wait"/>
    /// and <paramref name="token"/>. A server that does not answer (or not in time) is no failure here: the
    /// exchange says so, and the caller's idle clock starts from the last byte either way.
    /// </summary>
    public async Task<RequestExchange> ExchangeAsync(ReadOnlyMemory<byte> request, TimeSpan wait, CancellationToken token)
    {
        long before = BytesReceived;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
        bound.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1));
        long? firstByte = null;
        try
        {
            if (await SendAsync(request, bound.Token).ConfigureAwait(false) is not null) return new RequestExchange(0, null, Ended: true);
            // The first byte of the answer (or the connection's end).
            while (BytesReceived == before)
            {
                Task next = Volatile.Read(ref _received).Task;
                if (BytesReceived != before) break;
                if (await Task.WhenAny(next, Ended, Task.Delay(Timeout.Infinite, bound.Token)).ConfigureAwait(false) != next) break;
            }
            if (BytesReceived == before) return new RequestExchange(0, null, Ended.IsCompleted);
            firstByte = LastReceive;
            // The rest of it: whatever follows within a short quiet gap.
            while (!Ended.IsCompleted)
            {
                Task next = Volatile.Read(ref _received).Task;
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
                Task gap = Task.Delay(AnswerQuiet, quiet.Token);
                Task first = await Task.WhenAny(next, Ended, gap).ConfigureAwait(false);
                quiet.Cancel();
                if (first != next) break;
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // The wait is over: what came so far is the answer.
        }
        catch (ObjectDisposedException) { }
        token.ThrowIfCancellationRequested();
        return new RequestExchange(BytesReceived - before, firstByte is long at ? MsSinceConnect(at) : null, Ended.IsCompleted);
    }

    public bool TryEnd(SocketEnd end, long at) => _ended.TrySetResult((end, at));

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Socket.Dispose();
        try { await _receiving.ConfigureAwait(false); } catch (Exception) { /* the loop reports its own ends */ }
        _stop.Dispose();
    }
}

/// <summary>What -Send's request got: the answer's bytes, ms from connect to its first byte (empty: none came), and whether the connection ended meanwhile.</summary>
internal sealed record RequestExchange(long AnswerBytes, double? FirstByteMs, bool Ended);
