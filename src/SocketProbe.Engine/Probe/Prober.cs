using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// Probes real targets: per round, resolves every target, then connects every (target, port,
/// address) under one SemaphoreSlim(ThrottleLimit), each connect bounded by TimeoutMs. Attempts are
/// created in output order as slots free up (never all up front), so memory stays flat in ports x
/// rounds x targets; on Linux a plain connect sweep runs as non-blocking connects in one poll(2)
/// (<see cref="ConnectBatch"/>), anything else through Socket.ConnectAsync.
/// <para>
/// Output order is stable whatever finishes first: rounds in turn; within a round, targets in the
/// order given, then ports in the order given, then addresses in the resolver's order. Each result
/// is handed on as soon as it and every result before it are in, so a slow address delays the
/// output of those after it, and their probing only once 4096 (or 4 x ThrottleLimit) results wait
/// behind it (<see cref="ReorderWindow"/>).
/// </para>
/// </summary>
public static class Prober
{
    /// <param name="roundDone">Called with the round number after each round (for progress).</param>
    public static async Task RunAsync(ProbeRequest request, Action<ProbeResult> sink, ILogger logger,
        CancellationToken token, ProbeResolver.Lookup? lookup = null, Action<int>? roundDone = null)
    {
        request.Validate();
        lookup ??= ProbeResolver.System;
        await ProbeWarmup.EnsureAsync().WaitAsync(token).ConfigureAwait(false);
        using var throttle = new SemaphoreSlim(request.ThrottleLimit, request.ThrottleLimit);
        int rounds = request.Continuous ? int.MaxValue : request.Count;
        long roundStart = 0;
        for (int sequence = 1; sequence <= rounds; sequence++)
        {
            if (sequence > 1)
            {
                // -IntervalMs is between round starts; rounds never overlap.
                TimeSpan wait = TimeSpan.FromMilliseconds(request.IntervalMs) - Stopwatch.GetElapsedTime(roundStart);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, token).ConfigureAwait(false);
            }
            token.ThrowIfCancellationRequested();
            roundStart = Stopwatch.GetTimestamp();
            var round = new Round(request, sequence, throttle, lookup, logger, token);
            await round.RunAsync(sink).ConfigureAwait(false);
            logger.LogDebug("Round {Sequence} done in {Ms:F1} ms", sequence, Stopwatch.GetElapsedTime(roundStart).TotalMilliseconds);
            roundDone?.Invoke(sequence);
        }
    }

    /// <summary>
    /// Results waiting, in output order, for the one ahead of them (a slow address): beyond this
    /// many, no new attempt starts until the head is out, so memory stays flat in ports x targets.
    /// </summary>
    internal static int ReorderWindow(int throttleLimit) => Math.Max(4096, 4 * throttleLimit);

    /// <summary>Bytes as printable ASCII: \r \n \t \\ escaped, anything else outside 0x20-0x7E as \xNN.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new System.Text.StringBuilder(bytes.Length + 8);
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': text.Append("\\r"); break;
                case (byte)'\n': text.Append("\\n"); break;
                case (byte)'\t': text.Append("\\t"); break;
                case (byte)'\\': text.Append("\\\\"); break;
                case >= 0x20 and < 0x7F: text.Append((char)b); break;
                default: text.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }
        return text.ToString();
    }

    private sealed class Round
    {
        private readonly ProbeRequest _request;
        private readonly int _sequence;
        private readonly SemaphoreSlim _throttle;
        private readonly ProbeResolver.Lookup _lookup;
        private readonly ILogger _logger;
        private readonly CancellationToken _token;

        public Round(ProbeRequest request, int sequence, SemaphoreSlim throttle, ProbeResolver.Lookup lookup, ILogger logger, CancellationToken token)
        {
            _request = request;
            _sequence = sequence;
            _throttle = throttle;
            _lookup = lookup;
            _logger = logger;
            _token = token;
        }

        public async Task RunAsync(Action<ProbeResult> output)
        {
            // Every attempt leaves with its health verdict (what -Healthy tallies).
            bool sent = _request.Send is { Length: > 0 }, expecting = _request.Expect is not null;
            Action<ProbeResult> sink = result =>
            {
                (result.Healthy, result.HealthNote) = ProbeHealth.Judge(result, sent, expecting);
                output(result);
            };
            // Every lookup starts at once (a name's under the throttle, as a connect); attempts are
            // created in output order as slots free up, never all up front.
            var resolutions = new Task<Resolution>[_request.Tasks.Count];
            for (int t = 0; t < resolutions.Length; t++) resolutions[t] = ResolveAsync(_request.Tasks[t].Target);
            try
            {
                Task? batched = null;
                if (Batched(_request))
                {
                    try
                    {
                        // A thread of its own: its poll(2) blocks, which the thread pool must not.
                        batched = Task.Factory.StartNew(() => RunBatched(resolutions, sink), CancellationToken.None,
                            TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    }
                    catch (TaskSchedulerException e)
                    {
                        // Observed with every descriptor of the process in use: no new thread. The Socket path needs none.
                        _logger.LogDebug("No thread for the batch path ({Error}); connecting through Socket.ConnectAsync", e.InnerException?.Message ?? e.Message);
                    }
                }
                if (batched is not null) await batched.ConfigureAwait(false);
                else await RunStreamedAsync(resolutions, sink).ConfigureAwait(false);
            }
            finally
            {
                foreach (var resolution in resolutions)
                {
                    try { await resolution.ConfigureAwait(false); } catch (Exception) { /* reported by the loop, or cancelled */ }
                }
            }
        }

        /// <summary>
        /// The non-blocking batch serves a plain connect sweep on Linux; reading after the connect
        /// (-ReadMs) and binding first (-SourceAddress/-SourcePort) take the Socket path.
        /// </summary>
        private static bool Batched(ProbeRequest request) =>
            ConnectBatch.Available && request.ReadMs is null && request.SourceAddress is null && request.SourcePort == 0;

        private async Task<Resolution> ResolveAsync(ProbeTarget target)
        {
            if (target.IsLiteral || ProbeResolver.IsLocalhostName(target.Host))
            {
                return await ProbeResolver.ResolveAsync(target, _request.AddressFamily, _request.TimeoutMs, _lookup, _token).ConfigureAwait(false);
            }
            await _throttle.WaitAsync(_token).ConfigureAwait(false);
            try
            {
                return await ProbeResolver.ResolveAsync(target, _request.AddressFamily, _request.TimeoutMs, _lookup, _token).ConfigureAwait(false);
            }
            finally
            {
                _throttle.Release();
            }
        }

        /// <summary>The Socket.ConnectAsync path: a bounded window of attempt tasks, emitted in order.</summary>
        private async Task RunStreamedAsync(Task<Resolution>[] resolutions, Action<ProbeResult> sink)
        {
            int window = ReorderWindow(_request.ThrottleLimit);
            var pending = new Queue<Task<ProbeResult>>();
            try
            {
                for (int t = 0; t < resolutions.Length; t++)
                {
                    ProbeTask task = _request.Tasks[t];
                    while (!resolutions[t].IsCompleted && pending.Count > 0)
                    {
                        await Task.WhenAny(resolutions[t], pending.Peek()).ConfigureAwait(false);
                        await EmitReadyAsync(pending, sink, int.MaxValue).ConfigureAwait(false);
                    }
                    Resolution resolution = await resolutions[t].ConfigureAwait(false);
                    LogResolution(task.Target, resolution);
                    foreach (int port in task.Ports)
                    {
                        if (resolution.Addresses.Count == 0)
                        {
                            await EmitReadyAsync(pending, sink, window).ConfigureAwait(false);
                            pending.Enqueue(Task.FromResult(NotResolved(task.Target, port, resolution)));
                            continue;
                        }
                        foreach (IPAddress address in resolution.Addresses)
                        {
                            await EmitReadyAsync(pending, sink, window).ConfigureAwait(false);
                            await _throttle.WaitAsync(_token).ConfigureAwait(false);
                            pending.Enqueue(AttemptAsync(task.Target, address, port, resolution.DnsMs));
                        }
                    }
                }
                while (pending.Count > 0) sink(await pending.Dequeue().ConfigureAwait(false));
            }
            finally
            {
                // Also on Ctrl+C or a failing sink: no attempt (and so no socket) outlives the round.
                while (pending.Count > 0)
                {
                    try { await pending.Dequeue().ConfigureAwait(false); } catch (Exception) { /* reported by the loop above */ }
                }
            }
        }

        /// <summary>Hands on every finished result at the head, and waits for the head while <paramref name="window"/> or more wait.</summary>
        private static async ValueTask EmitReadyAsync(Queue<Task<ProbeResult>> pending, Action<ProbeResult> sink, int window)
        {
            while (pending.Count > 0 && (pending.Count >= window || pending.Peek().IsCompleted))
            {
                sink(await pending.Dequeue().ConfigureAwait(false));
            }
        }

        /// <summary>One attempt of the batch path, in output order: done (Result), handed to the Socket path (Retry), or in flight.</summary>
        private sealed class BatchSlot
        {
            public ProbeResult? Result;
            public Task<ProbeResult>? Retry;
            public ProbeResult Attempt = null!;
            public IPEndPoint Endpoint = null!;
            public ProbeTarget Target = null!;
            public long Started;
            public bool Done => Result is not null || Retry is { IsCompleted: true };
        }

        /// <summary>
        /// The batch path (<see cref="ConnectBatch"/>), on its own thread: attempts start in output
        /// order while fewer than ThrottleLimit are in flight (the throttle's own slots) and fewer than
        /// the reorder window wait; results are handed on in order as they come in. An attempt our own
        /// side failed (a local limit, a self-connect) goes on in <see cref="AttemptAsync"/>, which backs
        /// off and retries within what is left of its bound.
        /// </summary>
        private void RunBatched(Task<Resolution>[] resolutions, Action<ProbeResult> sink)
        {
            int window = ReorderWindow(_request.ThrottleLimit);
            var order = new Queue<BatchSlot>();
            var inFlight = new BatchSlot?[_request.ThrottleLimit];
            var free = new Stack<int>(Enumerable.Range(0, _request.ThrottleLimit).Reverse());
            var batch = new ConnectBatch(_request.ThrottleLimit);
            long bound = (long)(_request.TimeoutMs * (double)Stopwatch.Frequency / 1000);
            var retries = new List<Task<ProbeResult>>();
            bool Retrying() { retries.RemoveAll(r => r.IsCompleted); return retries.Count > 0; }

            IPAddress? lastLocal = null;
            string? lastLocalText = null;
            void Finish(BatchSlot slot, ConnectBatch.Done done, bool expired)
            {
                ProbeResult result = slot.Attempt;
                int fd = done.Fd, errno = expired ? 0 : done.Errno;
                result.ConnectMs = Stopwatch.GetElapsedTime(slot.Started, done.At).TotalMilliseconds;
                IPEndPoint? local = fd >= 0 ? ConnectBatch.LocalEndPoint(fd) : null;
                ProbeClose.Fd(fd, _request.Abort);
                if (local is not null && !local.Address.Equals(lastLocal))
                {
                    // One string for the source address the sweep's attempts share (not one per result).
                    (lastLocal, lastLocalText) = (local.Address, local.Address.ToString());
                }
                result.LocalAddress = local is null ? null : lastLocalText;
                result.LocalPort = local?.Port;
                if (expired)
                {
                    (result.Kind, result.Reason) = (ProbeOutcome.TimedOut, ProbeClassifier.NoResponse);
                    result.Message = $"no answer within our bound of {_request.TimeoutMs} ms; the kernel returned nothing";
                }
                else if (errno == 0)
                {
                    (result.Kind, result.Reason) = (ProbeOutcome.Open, ProbeClassifier.SynAck);
                    if (LocalLimit.IsSelfConnect(slot.Endpoint, local))
                    {
                        // TCP self-connect: see AttemptAsync. Never Open; the Socket path tries again.
                        (result.Kind, result.Reason) = (ProbeOutcome.LocalError, ProbeClassifier.SelfConnect);
                    }
                }
                else
                {
                    Fail(result, ConnectBatch.SocketErrorOf(errno), errno);
                }
                if (result.Kind == ProbeOutcome.LocalError)
                {
                    // Our own side failed, not the target: back off and retry on the Socket path, which
                    // takes over this attempt's throttle slot (and gives it back when it ends).
                    int selfConnects = result.Reason == ProbeClassifier.SelfConnect ? 1 : 0;
                    slot.Retry = AttemptAsync(slot.Target, slot.Endpoint.Address, slot.Endpoint.Port, result.DnsMs,
                        new Carried(result, slot.Started, 1, selfConnects));
                    retries.Add(slot.Retry);
                    return;
                }
                _throttle.Release();
                Annotate(result, slot.Endpoint);
                if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("{Result}", result);
                slot.Result = result;
            }
            void Ended(ConnectBatch.Done done) { BatchSlot slot = inFlight[done.Slot]!; inFlight[done.Slot] = null; free.Push(done.Slot); Finish(slot, done, false); }
            void Expired(ConnectBatch.Done done) { BatchSlot slot = inFlight[done.Slot]!; inFlight[done.Slot] = null; free.Push(done.Slot); Finish(slot, done, true); }

            void EmitReady()
            {
                while (order.Count > 0 && order.Peek().Done)
                {
                    BatchSlot head = order.Dequeue();
                    sink(head.Result ?? head.Retry!.GetAwaiter().GetResult());
                }
            }

            // Wait for something to change: a connect to end, a retry to finish, a slot to free.
            void Pump()
            {
                _token.ThrowIfCancellationRequested();
                bool retrying = Retrying();
                if (batch.Active > 0)
                {
                    batch.Wait(retrying ? 2 : 50, Stopwatch.GetTimestamp(), Ended, Expired);
                }
                else if (order.Count > 0 && order.Peek().Retry is { IsCompleted: false } retry)
                {
                    try { retry.Wait(50, _token); } catch (AggregateException) { /* handed on by EmitReady */ }
                }
                else if (retrying)
                {
                    Thread.Sleep(2);
                }
            }

            bool TakeSlot()
            {
                // The throttle's slots are shared with the lookups and the retries: wait only when nothing else can move.
                bool idle = batch.Active == 0 && !Retrying();
                return _throttle.Wait(idle ? 50 : 0, _token);
            }

            try
            {
                for (int t = 0; t < resolutions.Length; t++)
                {
                    ProbeTask task = _request.Tasks[t];
                    while (!resolutions[t].IsCompleted)
                    {
                        EmitReady();
                        if (batch.Active == 0 && order.Count == 0) { try { resolutions[t].Wait(50, _token); } catch (AggregateException) { } }
                        else Pump();
                    }
                    Resolution resolution = resolutions[t].GetAwaiter().GetResult();
                    LogResolution(task.Target, resolution);
                    foreach (int port in task.Ports)
                    {
                        if (resolution.Addresses.Count == 0)
                        {
                            while (true) { EmitReady(); if (order.Count < window) break; Pump(); }
                            order.Enqueue(new BatchSlot { Result = NotResolved(task.Target, port, resolution) });
                            continue;
                        }
                        foreach (IPAddress address in resolution.Addresses)
                        {
                            while (true)
                            {
                                EmitReady();
                                if (order.Count < window && free.Count > 0 && TakeSlot()) break;
                                Pump();
                            }
                            var slot = new BatchSlot
                            {
                                Attempt = NewAttempt(task.Target, address, port, resolution.DnsMs),
                                Endpoint = new IPEndPoint(address, port),
                                Target = task.Target,
                            };
                            order.Enqueue(slot);
                            int index = free.Pop();
                            slot.Started = Stopwatch.GetTimestamp();
                            if (batch.Start(index, slot.Endpoint, slot.Started + bound, out var now) >= 0)
                            {
                                inFlight[index] = slot;
                            }
                            else
                            {
                                free.Push(index);
                                Finish(slot, now, false);
                            }
                        }
                    }
                }
                while (order.Count > 0)
                {
                    EmitReady();
                    if (order.Count > 0) Pump();
                }
            }
            finally
            {
                // Also on Ctrl+C or a failing sink: nothing in flight outlives the round.
                for (int i = 0; i < inFlight.Length; i++) if (inFlight[i] is not null) _throttle.Release();
                batch.Dispose();
                foreach (var slot in order)
                {
                    if (slot.Retry is null) continue;
                    try { slot.Retry.Wait(); } catch (AggregateException) { /* reported by the loop above */ }
                }
            }
        }

        private void LogResolution(ProbeTarget target, Resolution resolution)
        {
            var level = _sequence == 1 ? LogLevel.Information : LogLevel.Debug;
            if (!_logger.IsEnabled(level) || target.IsLiteral) return;
            if (resolution.Addresses.Count == 0)
            {
                _logger.Log(level, "{Target}: no address ({Error}: {Message}) after {DnsMs:F3} ms", target.Host,
                    resolution.Error?.ToString() ?? "none", resolution.Message, resolution.DnsMs);
            }
            else
            {
                _logger.Log(level, "{Target} -> {Addresses} ({Source}, {DnsMs:F3} ms)", target.Host,
                    string.Join(", ", resolution.Addresses), resolution.Source, resolution.DnsMs);
            }
        }

        private ProbeResult NotResolved(ProbeTarget target, int port, Resolution resolution) => new()
        {
            Target = target.Host,
            Port = port,
            Sequence = _sequence,
            Started = resolution.Timestamp,
            Kind = ProbeOutcome.NameNotResolved,
            Reason = ProbeClassifier.NoResolve,
            SocketError = resolution.Error?.ToString(),
            // .NET does not pass getaddrinfo's EAI code on (NativeErrorCode is its own marker on Unix),
            // so there is no errno to report; Message carries the resolver's text.
            Errno = OperatingSystem.IsWindows() ? resolution.NativeError : null,
            ErrnoName = OperatingSystem.IsWindows() && resolution.NativeError is int n ? ErrorCatalog.NameOf(PlatformInfo.Current, n) : null,
            Message = resolution.Message,
            DnsMs = resolution.DnsMs,
        };

        private ProbeResult NewAttempt(ProbeTarget target, IPAddress address, int port, double dnsMs) => new()
        {
            Target = target.Host,
            Address = address.ToString(),
            AddressFamily = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
            Port = port,
            Sequence = _sequence,
            DnsMs = dnsMs,
            Started = DateTime.UtcNow,
        };

        /// <summary>An attempt the batch path began: its first try's result, start and counts, for the retries to go on from.</summary>
        private sealed record Carried(ProbeResult Result, long Started, int Tries, int SelfConnects);

        private void Annotate(ProbeResult result, IPEndPoint endpoint)
        {
            if (_request.Wire is not null && result.LocalPort is int localPort && IPAddress.TryParse(result.LocalAddress, out IPAddress? localAddress))
                _request.Wire.Annotate(result, new IPEndPoint(localAddress, localPort), endpoint);
        }

        /// <summary>
        /// One attempt, bounded by TimeoutMs as a whole. A failure of our own side (a local limit, or
        /// the kernel connecting the socket to itself) is not the target's answer: back off and try
        /// again on a new socket while the bound lasts, and if it never clears, say LocalError.
        /// The caller holds a throttle slot for it; the attempt gives it back when it ends.
        /// </summary>
        private async Task<ProbeResult> AttemptAsync(ProbeTarget target, IPAddress address, int port, double dnsMs, Carried? carried = null)
        {
            try
            {
                ProbeResult result = carried?.Result ?? NewAttempt(target, address, port, dnsMs);
                var endpoint = new IPEndPoint(address, port);
                TimeSpan bound = TimeSpan.FromMilliseconds(_request.TimeoutMs);
                long started = carried?.Started ?? Stopwatch.GetTimestamp();
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
                    Socket? socket = Create(address.AddressFamily, result, _request);
                    if (socket is not null)
                    {
                        using (new ProbeClose(socket, _request.Abort))
                        {
                            await ConnectAsync(socket, endpoint, result, left).ConfigureAwait(false);
                            IPEndPoint? local = SocketName.Local(socket);
                            result.LocalAddress = local?.Address.ToString();
                            result.LocalPort = local?.Port;
                            if (result.Kind == ProbeOutcome.Open && LocalLimit.IsSelfConnect(endpoint, local))
                            {
                                // Nobody answered; the socket did. Never Open.
                                selfConnects++;
                                (result.Kind, result.Reason) = (ProbeOutcome.LocalError, ProbeClassifier.SelfConnect);
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
                        address, port, tries, selfConnects, result.Kind);
                }
                if (result.Kind == ProbeOutcome.LocalError)
                {
                    result.Message = LocalLimit.Explain(result.Reason == ProbeClassifier.SelfConnect, result.ErrnoName, tries,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds, selfConnects);
                }
                Annotate(result, endpoint);
                if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("{Result}", result);
                return result;
            }
            finally
            {
                _throttle.Release();
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
                Fail(result, ex);
                // .NET says ENFILE for EMFILE too: the OS says which it really is.
                result.Errno = LocalLimit.ErrnoOf(ex, family);
                result.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, result.Errno.Value);
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
                Fail(result, ex);
            }
            catch (OperationCanceledException) when (!_token.IsCancellationRequested)
            {
                result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                (result.Kind, result.Reason) = (ProbeOutcome.TimedOut, ProbeClassifier.NoResponse);
                result.Message = $"no answer within our bound of {_request.TimeoutMs} ms; the kernel returned nothing";
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
                result.Banner = Printable(buffer.AsSpan(0, Math.Min(n, 64)));
                total = await ReadAnswerAsync(socket, buffer, n, result, window.Token).ConfigureAwait(false);
                result.BytesRead = total;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.Shutdown)
            {
                // ECONNRESET on the read, or EPIPE (.NET: Shutdown) on -Send after the peer's RST.
                result.FirstByteMs = Stopwatch.GetElapsedTime(connected).TotalMilliseconds;
                (result.Kind, result.Reason, result.After) = (ProbeOutcome.Reset, ProbeClassifier.ResetWord, AfterConnectKind.Reset);
                Fail(result, ex, classify: false);
                result.BytesRead = total;
            }
            catch (SocketException ex)
            {
                // Anything else after the handshake (ETIMEDOUT while sending, EHOSTUNREACH...): an Error, with its errno.
                Fail(result, ex, classify: false);
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

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> Messages = new();

        /// <summary>A failure the batch path saw: the errno as the kernel gave it, its SocketError and message as .NET words them.</summary>
        private static void Fail(ProbeResult result, System.Net.Sockets.SocketError error, int errno)
        {
            (result.Kind, result.Reason) = ProbeClassifier.Classify(error);
            result.SocketError = error.ToString();
            result.Errno = errno;
            result.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, errno);
            result.Message = Messages.GetOrAdd(errno, static e => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(e));
        }

        private static void Fail(ProbeResult result, SocketException ex, bool classify = true)
        {
            if (classify) (result.Kind, result.Reason) = ProbeClassifier.Classify(ex.SocketErrorCode);
            // On Unix .NET rebuilds the errno from SocketError (SocketErrorPal.Unix.cs); on Windows it is the WSA code.
            result.SocketError = ex.SocketErrorCode.ToString();
            result.Errno = ex.NativeErrorCode;
            result.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, ex.NativeErrorCode);
            result.Message = ex.Message;
        }
    }
}
