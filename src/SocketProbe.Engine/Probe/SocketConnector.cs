using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// The Socket path of a round: each attempt through Socket.ConnectAsync, on the thread pool. It serves
/// what the poll(2) batch does not (-ReadMs, -SourceAddress/-SourcePort, other platforms) and takes
/// over the batch's attempts our own side failed (a local limit, a self-connect), which it backs off
/// and retries within what is left of their bound. Safe to call from any lane.
/// </summary>
internal sealed class SocketConnector : IProbeConnector
{
    private readonly ProbeRound _round;
    private readonly ProbeRequest _request;
    private readonly ILogger _logger;
    private readonly CancellationToken _token;
    private int _active;

    public SocketConnector(ProbeRound round)
    {
        _round = round;
        _request = round.Request;
        _logger = round.Logger;
        _token = round.Token;
    }

    public int Active => Volatile.Read(ref _active);

    public bool TakeSlot() => _round.Throttle.Wait(0);

    public void GiveBack() => _round.Throttle.Release();

    /// <summary>Each attempt gives its slot back when it ends: none is held.</summary>
    public void Trim(int keep = 0)
    {
    }

    public void Start(ProbeAttempt attempt) => Start(attempt, null);

    /// <summary>An attempt the batch path began: its first try's start and counts, for the retries to go on from.</summary>
    public sealed record Carried(int Tries, int SelfConnects);

    /// <summary>Run <paramref name="attempt"/> (its throttle slot taken); <paramref name="carried"/>: the batch's first try, to retry from.</summary>
    public void Start(ProbeAttempt attempt, Carried? carried)
    {
        if (carried is null) (attempt.Started, attempt.Result.Started) = (Stopwatch.GetTimestamp(), DateTime.UtcNow);
        Interlocked.Increment(ref _active);
        attempt.Running = Run(attempt, carried);
    }

    private async Task Run(ProbeAttempt attempt, Carried? carried)
    {
        try
        {
            await AttemptAsync(attempt, carried).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Cancelled, or a bug: the scheduler throws it when this attempt's turn comes.
            attempt.Error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            _round.Finished(attempt);
        }
    }

    /// <summary>Nothing to wait on here: the round's progress signal says when an attempt ends.</summary>
    public void Wait(int waitMs) => _round.WaitForProgress(waitMs);

    public void Dispose()
    {
    }

    /// <summary>
    /// One attempt, bounded by TimeoutMs as a whole. A failure of our own side (a local limit, or
    /// the kernel connecting the socket to itself) is not the target's answer: back off and try
    /// again on a new socket while the bound lasts, and if it never clears, say LocalError.
    /// The caller holds a throttle slot for it; the attempt gives it back when it ends.
    /// </summary>
    private async Task AttemptAsync(ProbeAttempt attempt, Carried? carried)
    {
        ProbeResult result = attempt.Result;
        IPEndPoint endpoint = attempt.Endpoint!;
        try
        {
            TimeSpan bound = TimeSpan.FromMilliseconds(_request.TimeoutMs);
            long started = attempt.Started;
            TimeSpan backoff = LocalLimit.FirstBackoff;
            int tries = carried?.Tries ?? 0, selfConnects = carried?.SelfConnects ?? 0;
            bool again = carried is null || Again(result, started, bound, backoff);
            if (carried is not null && again)
            {
                await Task.Delay(backoff, _token).ConfigureAwait(false);
                backoff = LocalLimit.NextBackoff(backoff);
            }
            while (again)
            {
                tries++;
                Clear(result);
                TimeSpan left = tries == 1 ? bound : bound - Stopwatch.GetElapsedTime(started);
                Socket? socket = Create(endpoint.AddressFamily, result, _request);
                if (socket is not null)
                {
                    using (new ProbeClose(socket, _request.Abort))
                    {
                        await ConnectAsync(socket, endpoint, result, left).ConfigureAwait(false);
                        IPEndPoint? local = SocketName.Local(socket);
                        result.LocalAddress = local?.Address.ToString();
                        result.LocalPort = local?.Port;
                        if (result.Kind == ProbeOutcome.Open) ProbeClassifier.Connected(result, endpoint, local);
                        if (result.Reason == ProbeClassifier.SelfConnect)
                        {
                            selfConnects++;
                        }
                        else if (result.Kind == ProbeOutcome.Open && _request.ReadMs is int readMs)
                        {
                            await AfterConnectAsync(socket, result, readMs).ConfigureAwait(false);
                        }
                        else if (result.Kind == ProbeOutcome.Reset && _request.ReadMs is not null)
                        {
                            // The RST beat the connect's completion: the server reset right after the handshake.
                            result.After = AfterConnectKind.Reset;
                        }
                    }
                }
                again = Again(result, started, bound, backoff);
                if (!again) break;
                await Task.Delay(backoff, _token).ConfigureAwait(false);
                backoff = LocalLimit.NextBackoff(backoff);
            }
            if (tries > 1)
            {
                _logger.LogDebug("{Address} port {Port}: {Tries} tries ({SelfConnects} self-connects) before {Outcome}",
                    endpoint.Address, endpoint.Port, tries, selfConnects, result.Kind);
            }
            if (result.Kind == ProbeOutcome.LocalError)
            {
                result.Message = LocalLimit.Explain(result.Reason == ProbeClassifier.SelfConnect, result.ErrnoName, tries,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, selfConnects);
            }
        }
        finally
        {
            _round.Throttle.Release();
        }
    }

    /// <summary>Another try: our own side failed in a way that may clear, and the bound leaves room for the back-off.</summary>
    private static bool Again(ProbeResult result, long started, TimeSpan bound, TimeSpan backoff) =>
        result.Kind == ProbeOutcome.LocalError && Retryable(result) && bound - Stopwatch.GetElapsedTime(started) > backoff;

    private static void Clear(ProbeResult result)
    {
        result.SocketError = null;
        result.Errno = null;
        result.ErrnoName = null;
        result.Message = null;
        result.ConnectMs = null;
        result.LocalAddress = null;
        result.LocalPort = null;
        result.After = null;
        result.FirstByteMs = null;
        result.BytesRead = null;
        result.Banner = null;
        result.AnswerEnd = null;
        result.HttpStatus = null;
        result.ExpectMatched = null;
    }

    /// <summary>A self-connect or a limit that may clear (descriptors, buffers, ports): worth another try.</summary>
    private static bool Retryable(ProbeResult result) =>
        result.Reason == ProbeClassifier.SelfConnect ||
        Enum.TryParse(result.SocketError, out System.Net.Sockets.SocketError error) && LocalLimit.MayClear(error);

    /// <summary>A new socket (bound to -SourceAddress/-SourcePort when asked), or null with the failure in <paramref name="result"/> (nothing was sent).</summary>
    private static Socket? Create(AddressFamily family, ProbeResult result, ProbeRequest request)
    {
        Socket? socket = null;
        try
        {
            socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            if (request.SourceAddress is not null || request.SourcePort != 0)
            {
                // SO_REUSEADDR: several attempts of a round may share -SourcePort (their destinations differ).
                if (request.SourcePort != 0) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                IPAddress local = request.SourceAddress ?? (family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
                socket.Bind(new IPEndPoint(local, request.SourcePort));
            }
            return socket;
        }
        catch (SocketException ex)
        {
            socket?.Dispose();
            // .NET says ENFILE for EMFILE too: the OS says which it really is.
            ProbeClassifier.Failed(result, SocketFailure.Of(ex, LocalLimit.ErrnoOf(ex, family)));
            return null;
        }
    }

    private async Task ConnectAsync(Socket socket, IPEndPoint endpoint, ProbeResult result, TimeSpan left)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_token);
        bound.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            await socket.ConnectAsync(endpoint, bound.Token).ConfigureAwait(false);
            result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            (result.Kind, result.Reason) = (ProbeOutcome.Open, ProbeClassifier.SynAck);
        }
        catch (SocketException ex)
        {
            result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            ProbeClassifier.Failed(result, SocketFailure.Of(ex));
        }
        catch (OperationCanceledException) when (!_token.IsCancellationRequested)
        {
            result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            ProbeClassifier.TimedOut(result, _request.TimeoutMs);
        }
    }

    /// <summary>
    /// -ReadMs: read until the server answers (Data), closes (FIN before any byte: Closed), resets
    /// (Reset), or the window ends (Silent), while -Send (if given) goes out at the same time: a
    /// server that does not read stops a large send once its window is full, and what it said
    /// meanwhile still counts. Only the first answer is waited for; bytes that already arrived
    /// with it are read too, without waiting.
    /// </summary>
    private async Task AfterConnectAsync(Socket socket, ProbeResult result, int readMs)
    {
        long connected = Stopwatch.GetTimestamp();
        using var window = CancellationTokenSource.CreateLinkedTokenSource(_token);
        window.CancelAfter(readMs);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(window.Token);
        byte[] buffer = new byte[4096];
        int total = 0;
        Task<int> first = socket.ReceiveAsync(buffer, SocketFlags.None, done.Token).AsTask();
        Task sending = _request.Send is { Length: > 0 } payload ? SendAllAsync(socket, payload, done.Token) : Task.CompletedTask;
        try
        {
            // A send that fails first (EPIPE after an RST) is the answer unless the read has one of its own.
            if (await Task.WhenAny(first, sending).ConfigureAwait(false) == sending && sending.IsFaulted && !first.IsCompleted)
            {
                try { await first.WaitAsync(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false); }
                catch (Exception e) when (e is TimeoutException or SocketException or OperationCanceledException) { }
                if (!first.IsCompleted || first.IsFaulted || first.IsCanceled || first.Result == 0) await sending.ConfigureAwait(false); // throws the send's error
            }
            int n = await first.ConfigureAwait(false);
            result.FirstByteMs = Stopwatch.GetElapsedTime(connected).TotalMilliseconds;
            if (n == 0)
            {
                result.BytesRead = 0;
                // Java 17 closing with our bytes unread sends FIN, then RST some 60 us later: a reset, said as both.
                if (await ResetAfterFinAsync(socket, result, window.Token).ConfigureAwait(false) is double afterMs)
                {
                    (result.Kind, result.Reason, result.After) = (ProbeOutcome.Reset, ProbeClassifier.ResetWord, AfterConnectKind.Reset);
                    result.Message = $"FIN then RST (the RST seen within {afterMs:0} ms of the FIN): the server closed, then reset, as Java 17 does closing with bytes of ours unread, or as any server does when they arrive after its close";
                    return;
                }
                (result.Kind, result.Reason, result.After) = (ProbeOutcome.Closed, ProbeClassifier.Fin, AfterConnectKind.Closed);
                result.Message = "the server closed the connection (FIN) before sending anything";
                return;
            }
            total = n;
            result.After = AfterConnectKind.Data;
            result.BytesRead = total;
            result.Banner = Prober.Printable(buffer.AsSpan(0, Math.Min(n, 64)));
            total = await ReadAnswerAsync(socket, buffer, n, result, window.Token).ConfigureAwait(false);
            result.BytesRead = total;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.Shutdown)
        {
            // ECONNRESET on the read, or EPIPE (.NET: Shutdown) on -Send after the peer's RST.
            result.FirstByteMs = Stopwatch.GetElapsedTime(connected).TotalMilliseconds;
            (result.Kind, result.Reason, result.After) = (ProbeOutcome.Reset, ProbeClassifier.ResetWord, AfterConnectKind.Reset);
            ProbeClassifier.Failed(result, SocketFailure.Of(ex), classify: false);
            result.BytesRead = total;
        }
        catch (SocketException ex)
        {
            // Anything else after the handshake (ETIMEDOUT while sending, EHOSTUNREACH...): an Error, with its errno.
            ProbeClassifier.Failed(result, SocketFailure.Of(ex), classify: false);
            (result.Kind, result.Reason) = (ProbeOutcome.Error, ProbeClassifier.Error);
            result.BytesRead = total;
        }
        catch (OperationCanceledException) when (!_token.IsCancellationRequested)
        {
            (result.After, result.BytesRead) = (AfterConnectKind.Silent, 0);
            result.Message = $"connected; the server sent nothing within -ReadMs {readMs}" +
                (sending.IsCompleted ? "" : " (and had not taken all of -Send: it is not reading)");
        }
        finally
        {
            // The answer is in (or the window is over): a send still waiting on the server's window stops here.
            done.Cancel();
            try { await Task.WhenAll(first, sending).ConfigureAwait(false); }
            catch (Exception) { /* their outcome was read above, or is not needed */ }
        }
    }

    /// <summary>How long the answer may pause before it counts as whole (the rest of a response comes in the same round trip).</summary>
    private static readonly TimeSpan AnswerQuiet = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The rest of the answer after its first <paramref name="have"/> bytes: until it pauses for
    /// <see cref="AnswerQuiet"/>, the server ends the connection (AnswerEnd: Closed or Reset, as Redis
    /// does at maxclients), -Expect matches, or the window ends. Sets HttpStatus (an HTTP -Send) and
    /// ExpectMatched. Returns the bytes read in all.
    /// </summary>
    private async Task<int> ReadAnswerAsync(Socket socket, byte[] buffer, int have, ProbeResult result, CancellationToken window)
    {
        // The first bytes are matched against -Expect and the status line: 4 KiB, as a check's answer is short.
        var answer = new List<byte>(buffer.AsSpan(0, have).ToArray());
        long total = have;
        bool Matched()
        {
            try { return _request.Expect?.IsMatch(System.Text.Encoding.UTF8.GetString(answer.ToArray())) == true; }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { return false; } // a pattern that backtracks for ever matches nothing
        }
        try
        {
            while (!Matched() && total < 1 << 20)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(window);
                quiet.CancelAfter(AnswerQuiet);
                int n;
                try { n = await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!_token.IsCancellationRequested) { break; } // quiet, or the window ended
                if (n == 0)
                {
                    result.AnswerEnd = await ResetAfterFinAsync(socket, result, window).ConfigureAwait(false) is null
                        ? nameof(AfterConnectKind.Closed) : nameof(AfterConnectKind.Reset);
                    break;
                }
                total += n;
                if (answer.Count < 4096) answer.AddRange(buffer.AsSpan(0, Math.Min(n, 4096 - answer.Count)).ToArray());
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.Shutdown)
        {
            result.AnswerEnd = nameof(AfterConnectKind.Reset);
        }
        if (_request.Expect is not null) result.ExpectMatched = Matched();
        if (ProbeHealth.IsHttpRequest(_request.Send)) result.HttpStatus = ProbeHealth.HttpStatus(answer.ToArray());
        if (result.AnswerEnd is not null)
            result.Message = $"the server {(result.AnswerEnd == nameof(AfterConnectKind.Reset) ? "reset" : "closed")} the connection right after its answer ({total} bytes)";
        return (int)Math.Min(total, int.MaxValue);
    }

    /// <summary>
    /// After a FIN: whether an RST follows within a short grace (twice the connect's time, at least
    /// 20 ms, within the window). The kernel tells by the socket's state: CLOSE_WAIT after the FIN,
    /// CLOSE once an RST came (tcp_reset then sets EPIPE, not ECONNRESET, so no read says it). Returns
    /// ms from the FIN to when the reset was seen, or null.
    /// </summary>
    private static async Task<double?> ResetAfterFinAsync(Socket socket, ProbeResult result, CancellationToken window)
    {
        if (!OperatingSystem.IsLinux()) return null;
        long fin = Stopwatch.GetTimestamp();
        if (TcpInfo.StateOf(socket) == "CLOSE") return 1;
        TimeSpan grace = TimeSpan.FromMilliseconds(Math.Max(20, 2 * (result.ConnectMs ?? 0)));
        try { await Task.Delay(grace, window).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        return TcpInfo.StateOf(socket) == "CLOSE" ? Math.Max(1, Stopwatch.GetElapsedTime(fin).TotalMilliseconds) : null;
    }

    private static async Task SendAllAsync(Socket socket, byte[] payload, CancellationToken token)
    {
        int sent = 0;
        while (sent < payload.Length) sent += await socket.SendAsync(payload.AsMemory(sent), SocketFlags.None, token).ConfigureAwait(false);
    }
}
