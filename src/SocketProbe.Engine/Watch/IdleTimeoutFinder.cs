using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Watch;

/// <summary>Where one address's search stands, for progress.</summary>
public sealed record IdleProgress(string Address, int Planned, int Started, int Judged, int? LongestAlive, int? ShortestDead, double ElapsedSeconds);

/// <summary>
/// Find-TcpIdleTimeout's engine. Per address, connections side by side, each left idle for a
/// different time (<see cref="IdleTimeoutPlan"/>) and then probed once; the search ends as soon as
/// the shortest failing idle time is known and every shorter one has survived. Each connection
/// waits on one pending receive and one timer: no polling.
/// </summary>
public static class IdleTimeoutFinder
{
    public static async Task RunAsync(IdleTimeoutRequest request, Action<IdleTimeoutResult> sink, ILogger logger, CancellationToken token,
        Action<IdleConnectionResult>? detail = null, Action<IdleProgress>? progress = null, ProbeResolver.Lookup? lookup = null)
    {
        request.Validate();
        var (endpoints, unresolved) = await WatchEndpoints.ResolveAsync(request.Tasks, request.AddressFamily, request.ConnectTimeoutMs, token, lookup).ConfigureAwait(false);
        object gate = new();
        foreach (var missing in unresolved)
        {
            sink(new IdleTimeoutResult
            {
                Target = missing.Target, Port = missing.Port, KindValue = IdleTimeoutKind.NotConnected, ProbeWith = request.ProbeWith.ToString(),
                Message = missing.Resolution.Message ?? "the name gave no address", Recommendation = "nothing was tried: the name gave no address",
            });
        }
        if (endpoints.Count == 0) return;

        // The limit is shared by every address; each plan gets its share.
        int share = Math.Max(1, request.ThrottleLimit / endpoints.Count);
        var plan = IdleTimeoutPlan.Build(request.MaxSeconds, request.ResolutionSeconds, share, request.ProbeSeconds + 1);
        logger.LogInformation("Idle times to try per address: {Points} ({Count} connections, {Mode})",
            string.Join(", ", plan.Select(p => p.IdleSeconds)), plan.Count,
            plan.All(p => p.StartSeconds == 0) ? "all started together" : $"each started at {IdleTimeoutPlan.StaggerFactor:0.0} x its idle time");
        using var throttle = new SemaphoreSlim(request.ThrottleLimit, request.ThrottleLimit);
        var searches = endpoints.Select(e => new Search(request, e, plan, throttle, logger, token, progress).RunAsync(row =>
        {
            if (detail is not null) lock (gate) detail(row);
        }, result =>
        {
            lock (gate) sink(result);
        })).ToArray();
        await Task.WhenAll(searches).ConfigureAwait(false);
    }

    private sealed class Search(IdleTimeoutRequest request, WatchEndpoint endpoint, IReadOnlyList<IdlePoint> plan, SemaphoreSlim throttle,
        ILogger logger, CancellationToken token, Action<IdleProgress>? progress)
    {
        private readonly IdleTimeoutRequest _request = request;
        private readonly WatchEndpoint _endpoint = endpoint;
        private readonly IReadOnlyList<IdlePoint> _plan = plan;
        private readonly SemaphoreSlim _throttle = throttle;
        private readonly ILogger _logger = logger;
        private readonly CancellationToken _token = token;
        private readonly Action<IdleProgress>? _progress = progress;
        private readonly CancellationTokenSource _answered = CancellationTokenSource.CreateLinkedTokenSource(token);
        private readonly object _lock = new();
        private readonly Dictionary<int, IdleConnectionResult> _judged = new();
        private long _started;
        private long _answeredAt;
        private int _open, _mostOpen, _opened;

        private double Elapsed => Stopwatch.GetElapsedTime(_started).TotalSeconds;

        public async Task RunAsync(Action<IdleConnectionResult> detail, Action<IdleTimeoutResult> sink)
        {
            using (_answered)
            {
                _started = Stopwatch.GetTimestamp();
                var points = new List<Task<IdleConnectionResult>>();
                try
                {
                    foreach (IdlePoint point in _plan.OrderBy(p => p.StartSeconds).ThenBy(p => p.IdleSeconds))
                    {
                        TimeSpan wait = TimeSpan.FromSeconds(point.StartSeconds) - Stopwatch.GetElapsedTime(_started);
                        if (wait > TimeSpan.Zero) await Task.Delay(wait, _answered.Token).ConfigureAwait(false);
                        await _throttle.WaitAsync(_answered.Token).ConfigureAwait(false);
                        points.Add(RunPointAsync(point));
                    }
                }
                catch (OperationCanceledException) when (_answered.IsCancellationRequested && !_token.IsCancellationRequested)
                {
                    // The answer is known: the connections not started yet are not needed.
                }
                finally
                {
                    // Also on Ctrl+C: no connection outlives the search.
                    try { await Task.WhenAll(points).ConfigureAwait(false); } catch (Exception) when (_token.IsCancellationRequested) { }
                }
                _token.ThrowIfCancellationRequested();
                var rows = points.Select(p => p.Result).OrderBy(r => r.IdleSeconds).ToArray();
                foreach (var row in rows) detail(row);
                sink(Answer(rows));
            }
        }

        private async Task<IdleConnectionResult> RunPointAsync(IdlePoint point)
        {
            var row = new IdleConnectionResult
            {
                Target = _endpoint.Target, Address = _endpoint.Address.ToString(), Port = _endpoint.Port,
                IdleSeconds = point.IdleSeconds, StartedAtSeconds = Math.Round(Elapsed, 3),
            };
            try
            {
                await JudgeAsync(point, row).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_answered.IsCancellationRequested && !_token.IsCancellationRequested)
            {
                row.VerdictKind = IdleVerdict.NotProbed;
                row.Message = "not needed: the answer was known before this connection's probe";
            }
            finally
            {
                _throttle.Release();
            }
            Judged(row);
            return row;
        }

        private async Task JudgeAsync(IdlePoint point, IdleConnectionResult row)
        {
            CancellationToken token = _answered.Token;
            int idle = point.IdleSeconds;
            var remote = new IPEndPoint(_endpoint.Address, _endpoint.Port);
            _request.Wire?.Expect(remote);
            var (connection, failure, connectMs) = await HeldConnection.ConnectAsync(remote,
                socket => Configure(socket, idle), _request.ConnectTimeoutMs, token).ConfigureAwait(false);
            if (connection is null)
            {
                row.VerdictKind = failure!.Fate == WatchFate.LocalError ? IdleVerdict.LocalError : IdleVerdict.NotConnected;
                Fill(row, failure);
                return;
            }
            Interlocked.Increment(ref _opened);
            int open = Interlocked.Increment(ref _open);
            lock (_lock) _mostOpen = Math.Max(_mostOpen, open);
            try
            {
                await using (connection.ConfigureAwait(false))
                {
                    // The local endpoint names this connection's flow on the wire (-Capture).
                    IPEndPoint? local = SocketName.Local(connection.Socket);
                    row.LocalAddress = local?.Address.ToString();
                    row.LocalPort = local?.Port;
                    _request.Wire?.Own(local, remote);
                    try
                    {
                        await ProbeAndJudgeAsync(connection, idle, connectMs, row, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Before our own close: a RST that answers our FIN is not what this connection met.
                        _request.Wire?.Annotate(row, local, remote);
                        _request.KernelTrace?.Annotate(row, local, remote);
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _open);
            }
        }

        private async Task ProbeAndJudgeAsync(HeldConnection connection, int idle, double? connectMs, IdleConnectionResult row, CancellationToken token)
        {
            connection.StartReceiving();
            // The idle starts at the last byte of the request's answer (without -Send: at connect).
            long idleStart = connection.LastActivity;
            if (_request.Send is { } request)
            {
                // What a pooled connection has done before it idles: its request, answered. The wait for the
                // answer never outlasts the idle time: without an answer the probe still goes at its moment.
                var exchange = await connection.ExchangeAsync(request, TimeSpan.FromMilliseconds(Math.Min(_request.ReadMs, idle * 1000.0)), token).ConfigureAwait(false);
                row.AnswerBytes = exchange.AnswerBytes;
                row.AnswerMs = exchange.FirstByteMs is double ms ? Math.Round(ms, 1) : null;
                // An "answer" the connection ended with is no answer the idle can follow: the server's goodbye (a partial
                // request met HAProxy's timeout http-request: 408, then FIN) or its close. The idle ran from the request.
                idleStart = exchange.Ended && connection.LastSend != 0 ? connection.LastSend : connection.LastActivity;
                row.EndedInExchange = exchange.Ended;
                row.IdleFromMs = Math.Round(connection.MsSinceConnect(idleStart), 1);
                // A server that acknowledged all it took and took no more is not reading the request: no idle
                // can follow it (and our TCP_USER_TIMEOUT would soon end the connection on its full window).
                if (connection.BytesUnsent > 0 && !connection.Ended.IsCompleted && TcpInfo.Read(connection.Socket) is { Unacked: 0 })
                {
                    row.VerdictKind = IdleVerdict.Alive;
                    row.Operation = "Send";
                    row.Message = $"alive: {NotReading}; -Send was never taken whole, so no idle followed it";
                    ReadTcpInfo(connection, row);
                    return;
                }
            }

            // An RST or FIN the probe draws arrives within a round trip of it; later ones are the far side's own.
            double answerMs = Math.Max(500, 4 * (connectMs ?? 0));
            long probeAt = 0;
            // Set when a Send probe goes out: only bytes after it answer it (bytes before it are the server's own).
            long probeSentAt = 0, receivedAtProbe = 0;
            bool ended = false, busy = false;
            // Data from the server restarts the idle clock (a banner, say), but only until twice the idle
            // time: a server that still has not let the connection idle for that long keeps it busy itself,
            // which is this connection's answer (each byte restarting the wait for ever was no answer at all).
            long busyAfter = idleStart + (long)(2.0 * idle * Stopwatch.Frequency);
            while (!ended)
            {
                // Keepalive counts idle from the last segment received (tcp_keepalive_timer; the ACK of our request
                // counts too, so never before the idle start); a send probe from the last byte either way.
                long lastReceive = connection.LastReceive, lastActivity = connection.LastActivity;
                long from = Math.Max(idleStart, _request.ProbeWith == IdleProbe.KeepAlive ? lastReceive : lastActivity);
                probeAt = from + (long)(idle * (double)Stopwatch.Frequency);
                // Bytes the connection ends right after are a goodbye, not the server keeping it busy.
                if (from != idleStart && await EndsBeforeAsync(connection, from + (long)(HeldConnection.AnswerQuiet.TotalSeconds * Stopwatch.Frequency), token).ConfigureAwait(false)) { ended = true; break; }
                if (from != idleStart && probeAt > busyAfter) { busy = true; break; }
                if (_request.ProbeWith == IdleProbe.Send)
                {
                    if (await EndsBeforeAsync(connection, probeAt, token).ConfigureAwait(false)) { ended = true; break; }
                    if (connection.LastActivity != lastActivity) continue; // the server spoke: idle again from there
                    receivedAtProbe = connection.BytesReceived;
                    probeSentAt = Stopwatch.GetTimestamp();
                    if (await SendProbeAsync(connection, probeAt, token).ConfigureAwait(false)) { ended = true; break; }
                }
                long judgeAt = JudgeAt(probeAt);
                if (await EndsBeforeAsync(connection, judgeAt, token).ConfigureAwait(false)) { ended = true; break; }
                if (_request.ProbeWith == IdleProbe.KeepAlive && connection.LastReceive != lastReceive) continue;
                // Still established. A probe not yet answered gets one more interval before the verdict.
                if (TcpInfo.Read(connection.Socket) is { Probes: > 0 } &&
                    await EndsBeforeAsync(connection, judgeAt + _request.KeepAliveIntervalSeconds * Stopwatch.Frequency, token).ConfigureAwait(false))
                {
                    ended = true;
                }
                break;
            }

            if (busy)
            {
                row.VerdictKind = IdleVerdict.Busy;
                row.Operation = "Receive";
                row.Message = $"the server sent {connection.BytesReceived} bytes on its own, the last {Stopwatch.GetElapsedTime(connection.LastReceive).TotalSeconds:F1} s ago: " +
                    $"in {2 * idle} s this connection was never idle for {idle} s";
            }
            else if (ended)
            {
                (SocketEnd end, long at) = await connection.Ended.ConfigureAwait(false);
                Fill(row, end);
                row.EndedAfterMs = Math.Round(connection.MsSinceConnect(at), 1);
                double sinceProbeMs = (at - probeAt) * 1000.0 / Stopwatch.Frequency; // negative: it ended before its probe
                // Bytes the server sent after the idle began and before our probe (or with no probe), then its FIN or
                // RST: a goodbye (HTTP 408, SMTP/FTP 421) is the server's own close, said in words first.
                var (burst, burstAt) = connection.LastBurst;
                bool goodbye = end.Fate is WatchFate.Closed or WatchFate.Reset && burst.Length > 0 && burstAt > idleStart &&
                    (probeSentAt == 0 || burstAt < probeSentAt);
                if (goodbye) row.Goodbye = Goodbye(burst);
                bool answeredAfterProbe = !goodbye && probeSentAt != 0 && connection.BytesReceived > receivedAtProbe;
                double idleMs = Stopwatch.GetElapsedTime(idleStart, at).TotalMilliseconds;
                // The far side's own end (not one our probe drew): before the probe's moment, or under KeepAlive any
                // FIN (a bare ACK draws none from a live server). When it came is the server's timer itself.
                bool ownEnd = end.Fate is WatchFate.Closed or WatchFate.Reset &&
                    (sinceProbeMs < 0 || goodbye || (_request.ProbeWith == IdleProbe.KeepAlive && end.Fate == WatchFate.Closed));
                // The server's own end began with its goodbye's first byte (its timer), else with its FIN or RST.
                long ownAt = goodbye ? burstAt : at;
                bool ownAfterProbe = ownEnd && ownAt >= probeAt;
                if (ownEnd) row.OwnEndSeconds = Stopwatch.GetElapsedTime(idleStart, ownAt).TotalSeconds;
                // ETIMEDOUT of a Send probe the far side kept acknowledging: our TCP_USER_TIMEOUT on its zero window, not the path.
                bool notReading = _request.ProbeWith == IdleProbe.Send && end.Fate == WatchFate.TimedOut && sinceProbeMs >= 0 && AckedSince(connection, probeAt);
                row.VerdictKind = end.Fate switch
                {
                    _ when answeredAfterProbe || notReading => IdleVerdict.Alive,
                    // ETIMEDOUT here can only be the probe going unanswered: no other data was in flight.
                    WatchFate.TimedOut => IdleVerdict.Silent,
                    // The server's own end after this idle time: the connection was still there at it (the bracket
                    // and the observation must agree: a FIN at 3.4 s says alive at 3 s, not dead).
                    _ when ownAfterProbe => IdleVerdict.Alive,
                    _ when goodbye => IdleVerdict.Closed,
                    WatchFate.Reset when sinceProbeMs < answerMs => IdleVerdict.Reset,
                    WatchFate.Closed when sinceProbeMs < answerMs => IdleVerdict.Closed,
                    // The far side's own FIN or RST well after the probe was answered: it was alive at this idle time.
                    WatchFate.Reset or WatchFate.Closed => IdleVerdict.Alive,
                    _ => IdleVerdict.Failed,
                };
                if (notReading)
                    row.Message = $"alive at its probe: {NotReading}, and our own TCP_USER_TIMEOUT of {_request.ProbeSeconds:0.#} s on that full window ended the connection, not the path";
                else if (goodbye && !ownAfterProbe)
                    row.Message = $"the server said goodbye (\"{row.Goodbye}\") and then {(end.Fate == WatchFate.Reset ? "reset (RST)" : "closed (FIN)")} after {idleMs / 1000:F2} s idle: {end.Message}";
                else if (row.VerdictKind == IdleVerdict.Alive)
                    row.Message = $"alive at its probe; the far side ended it {sinceProbeMs / 1000:F1} s later ({end.Fate}{(ownEnd ? $", {row.OwnEndSeconds:F2} s into the idle: its own timer" : "")}{(goodbye ? $", saying \"{row.Goodbye}\"" : "")})";
            }
            else
            {
                row.VerdictKind = IdleVerdict.Alive;
                row.Operation = _request.ProbeWith == IdleProbe.KeepAlive ? "KeepAlive" : "Send";
                row.Message = "still established after its probe" + (connection.BytesUnsent > 0 && TcpInfo.Read(connection.Socket) is { Unacked: 0 } ? $"; {NotReading}" : "");
            }
            ReadTcpInfo(connection, row);
        }

        private static void ReadTcpInfo(HeldConnection connection, IdleConnectionResult row)
        {
            if (TcpInfo.Read(connection.Socket) is { } info)
            {
                row.TcpState = info.State;
                row.Probes = info.Probes;
                row.RttMs = info.RttMs;
            }
        }

        private long JudgeAt(long probeAt) => probeAt + (long)((_request.ProbeSeconds + 0.25) * Stopwatch.Frequency);

        /// <summary>
        /// The Send probe, bounded by the moment the connection is judged: a server that does not read
        /// leaves a large -Send waiting on its full window, and the judgement must not wait with it.
        /// True when the send ended the connection.
        /// </summary>
        private async Task<bool> SendProbeAsync(HeldConnection connection, long probeAt, CancellationToken token)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
            bound.CancelAfter(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), JudgeAt(probeAt)) is { Ticks: > 0 } left ? left : TimeSpan.FromMilliseconds(1));
            try
            {
                return await connection.SendAsync(_request.Send!, bound.Token).ConfigureAwait(false) is not null;
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return connection.Ended.IsCompleted;
            }
        }

        /// <summary>
        /// True when the far side acknowledged something after the probe was sent: it was there. A
        /// send that then timed out waited on a full window (the server not reading), not on a dead path.
        /// </summary>
        private static bool AckedSince(HeldConnection connection, long probeAt) =>
            TcpInfo.Read(connection.Socket) is { } info &&
            Stopwatch.GetElapsedTime(probeAt).TotalMilliseconds > info.LastAckRecvMs;

        /// <summary>Said of a connection whose -Send (the request, or the probe) the server acknowledged but did not read.</summary>
        private const string NotReading = "the server acknowledged -Send but did not read it (its receive window filled)";

        /// <summary>True when the connection ends before the Stopwatch timestamp <paramref name="until"/>; false when that moment comes first.</summary>
        private static async Task<bool> EndsBeforeAsync(HeldConnection connection, long until, CancellationToken token)
        {
            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            if (until <= Stopwatch.GetTimestamp()) return connection.Ended.IsCompleted;
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(token);
            Task delay = Task.Delay(wait, timer.Token);
            Task first = await Task.WhenAny(connection.Ended, delay).ConfigureAwait(false);
            timer.Cancel();
            token.ThrowIfCancellationRequested();
            return first == connection.Ended;
        }

        private void Configure(Socket socket, int idle)
        {
            if (_request.ProbeWith == IdleProbe.KeepAlive)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, _request.KeepAliveIntervalSeconds);
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, _request.KeepAliveCount);
            }
            else
            {
                // The probe's bytes may stay unacknowledged this long before the kernel gives up (ETIMEDOUT).
                SocketOptions.UserTimeout(socket, (int)(_request.ProbeSeconds * 1000), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            }
        }

        private void Judged(IdleConnectionResult row)
        {
            int? longestAlive, shortestDead;
            int judged;
            lock (_lock)
            {
                _judged[row.IdleSeconds] = row;
                judged = _judged.Count;
                int? shortestBusy;
                (longestAlive, shortestDead, shortestBusy) = Bounds(_judged.Values);
                // A server busy at d s is busy at every longer idle time too: as decisive as a dead one.
                bool complete = Shorter(shortestDead, shortestBusy) is int end
                    ? _plan.Where(p => p.IdleSeconds < end).All(p => _judged.ContainsKey(p.IdleSeconds))
                    : _plan.All(p => _judged.ContainsKey(p.IdleSeconds));
                if (complete && _answeredAt == 0 && row.VerdictKind != IdleVerdict.NotProbed)
                {
                    _answeredAt = Stopwatch.GetTimestamp();
                    _logger.LogInformation("{Address}: answered after {Seconds:F1} s: alive at {Alive} s, dead at {Dead} s",
                        _endpoint.Address, Elapsed, longestAlive?.ToString() ?? "-", shortestDead?.ToString() ?? "-");
                    _answered.Cancel();
                }
            }
            _logger.LogDebug("{Row} after {Ms} ms: {Message}", row, row.EndedAfterMs, row.Message);
            _progress?.Invoke(new IdleProgress(_endpoint.Address.ToString(), _plan.Count, Volatile.Read(ref _opened), judged, longestAlive, shortestDead, Elapsed));
        }

        /// <summary>A far side's FIN or RST this soon after connect came before any idle time: at the connect itself.</summary>
        private const double AtConnectMs = 500;

        private static bool IsDead(IdleVerdict v) => v is IdleVerdict.Reset or IdleVerdict.Silent or IdleVerdict.Closed;

        private static int? Shorter(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

        /// <summary>The shortest idle time that failed, the shortest at which the server kept the connection busy, and the longest alive below both.</summary>
        private static (int? LongestAlive, int? ShortestDead, int? ShortestBusy) Bounds(IEnumerable<IdleConnectionResult> rows)
        {
            var list = rows.ToList();
            int? dead = list.Where(r => IsDead(r.VerdictKind)).Select(r => (int?)r.IdleSeconds).Min();
            int? busy = list.Where(r => r.VerdictKind == IdleVerdict.Busy).Select(r => (int?)r.IdleSeconds).Min();
            int? end = Shorter(dead, busy);
            int? alive = list.Where(r => r.VerdictKind == IdleVerdict.Alive && (end is null || r.IdleSeconds < end)).Select(r => (int?)r.IdleSeconds).Max();
            return (alive, dead, busy);
        }

        private IdleTimeoutResult Answer(IReadOnlyList<IdleConnectionResult> rows)
        {
            var (alive, dead, busy) = Bounds(rows);
            if (busy is int talks && dead is int dies && dies > talks) dead = null; // what failed after it talked is not an idle timeout
            var result = new IdleTimeoutResult
            {
                Target = _endpoint.Target, Address = _endpoint.Address.ToString(), AddressFamily = _endpoint.AddressFamilyName, Port = _endpoint.Port,
                LongestAliveSeconds = alive, ShortestDeadSeconds = dead, Tried = _opened, MostOpen = _mostOpen,
                ProbeWith = _request.ProbeWith.ToString(),
                // A -Send the connection ended on (a partial request met the server's request timer) never started a pooled idle.
                IdleAfterKind = _request.Send is null || (dead is not null && !rows.Any(r => r.AnswerBytes > 0 && !r.EndedInExchange)) ? IdleStart.Connect : IdleStart.Answer,
                ElapsedSeconds = Math.Round(Stopwatch.GetElapsedTime(_started, _answeredAt != 0 ? _answeredAt : Stopwatch.GetTimestamp()).TotalSeconds, 2),
            };
            var notes = new List<string>();
            if (dead is int d)
            {
                IdleConnectionResult first = rows.First(r => r.IdleSeconds == d);
                result.KindValue = first.VerdictKind switch
                {
                    IdleVerdict.Reset => IdleTimeoutKind.Reset,
                    IdleVerdict.Silent => IdleTimeoutKind.Silent,
                    _ => IdleTimeoutKind.Closed,
                };
                // Ended before it was idle for any time worth the name, and nothing shorter survived: the server
                // ends every connection at once. That is no idle timeout, and keeping connections busier cannot help.
                if (alive is null && first.VerdictKind is IdleVerdict.Closed or IdleVerdict.Reset && first.EndedAfterMs is double endedMs && endedMs - (first.IdleFromMs ?? 0) < AtConnectMs)
                    result.KindValue = IdleTimeoutKind.EndedAtConnect;
                // Every connection's own end counts, alive ones too (a FIN after its probe), and those the answer made
                // unneeded: when several searches share the throttle, the connection that saw it may be one of those.
                var own = rows.Where(r => r.OwnEndSeconds is not null).Select(r => r.OwnEndSeconds!.Value).ToArray();
                if (own.Length > 0) result.ObservedSeconds = Math.Round(own.Min(), 2);
                result.Goodbye = first.Goodbye ?? rows.FirstOrDefault(r => r.Goodbye is not null && IsDead(r.VerdictKind))?.Goodbye;
                if (result.Goodbye is not null) notes.Add($"the server said goodbye before it closed: \"{result.Goodbye}\"");
                if (result.ObservedSeconds is null && result.KindValue == IdleTimeoutKind.Closed)
                    notes.Add($"no connection saw the server's own FIN: it came right after a probe (drawn by it, or its own timer at the same moment), so its timer lies between {alive?.ToString() ?? "0"} and {d} s");
                Wire.IWireFields.Copy(first, result);
                if (first.ResetFrom == nameof(Wire.ResetOrigin.Path))
                    notes.Add($"-Capture: the RST came with TTL {first.ResetTtl}, the server's SYN-ACK with {first.SynAckTtl}: something on the path forged it (a middlebox that forgot the flow), not the server");
                else if (first.ResetFrom == nameof(Wire.ResetOrigin.Peer))
                    notes.Add($"-Capture: the RST came from as many hops away as the server's SYN-ACK (TTL {first.ResetTtl}): the server itself, or a box at its hop");
                int above = rows.Count(r => r.VerdictKind == IdleVerdict.Alive && r.IdleSeconds > d);
                if (above > 0) notes.Add($"{above} connection(s) idle longer than {d} s survived: the timeout is not one fixed idle time here (several middleboxes or servers behind one address?)");
            }
            else
            {
                result.KindValue = busy is not null ? IdleTimeoutKind.Busy
                    : rows.Any(r => r.VerdictKind == IdleVerdict.Alive) ? IdleTimeoutKind.None
                    : rows.Any(r => r.VerdictKind == IdleVerdict.LocalError) && rows.All(r => r.VerdictKind is IdleVerdict.LocalError or IdleVerdict.NotProbed)
                        ? IdleTimeoutKind.LocalError : IdleTimeoutKind.NotConnected;
            }
            if (dead is null && alive is int longest) Wire.IWireFields.Copy(rows.First(r => r.IdleSeconds == longest), result);
            if (result.KindValue is IdleTimeoutKind.NotConnected or IdleTimeoutKind.LocalError)
            {
                var failed = rows.FirstOrDefault(r => r.VerdictKind is IdleVerdict.NotConnected or IdleVerdict.Failed or IdleVerdict.LocalError);
                notes.Add($"no connection answered its probe{(failed is null ? "" : $": {failed.Operation} {failed.ErrnoName ?? failed.SocketError} {failed.Message}")}");
            }
            if (alive is int a && dead is int b && b - a > _request.ResolutionSeconds)
                notes.Add($"resolution reached: {b - a} s (the step between idle times grows beyond {_request.ThrottleLimit} connections; raise -ThrottleLimit for a finer one)");
            if (rows.Any(r => r.Message?.Contains(NotReading, StringComparison.Ordinal) == true))
                notes.Add($"{NotReading}: the server is not reading -Send (too large, or not its protocol); a -Send it answers probes the path alone");
            int unanswered = rows.Count(r => r.AnswerBytes == 0);
            if (unanswered > 0)
                notes.Add($"{unanswered} connection(s) got no answer to -Send within -ReadMs ({_request.ReadMs} ms) or their idle time, whichever was shorter: their idle counted from the request; a -Send the server answers (a whole request of its protocol) measures what a pooled connection meets");
            // The server's own close of a connection that never sent a request is its wait for a first request.
            bool firstRequestTimer = result.IdleAfterKind == IdleStart.Connect &&
                (result.KindValue == IdleTimeoutKind.Closed || (result.KindValue == IdleTimeoutKind.Reset && result.ResetFrom == nameof(Wire.ResetOrigin.Peer)));
            if (result.IdleAfterKind == IdleStart.Connect && result.KindValue is IdleTimeoutKind.Closed or IdleTimeoutKind.Reset)
                notes.Add(_request.Send is null
                    ? $"no -Send: these connections never sent a request, so {FirstRequestTimer}; a pooled connection meets {KeepAliveTimer}: give -Send with a request the server answers to measure that"
                    : $"the server ended the connection instead of answering -Send (an incomplete request?), so {FirstRequestTimer.Replace("a first request", "a whole request")}; a pooled connection meets {KeepAliveTimer}: give -Send a whole request the server answers to measure that");
            int failures = rows.Count(r => r.VerdictKind is IdleVerdict.NotConnected or IdleVerdict.Failed or IdleVerdict.LocalError);
            if (failures > 0 && result.KindValue is not IdleTimeoutKind.NotConnected and not IdleTimeoutKind.LocalError) notes.Add($"{failures} connection(s) failed otherwise and are not part of the answer (see -Detailed)");
            result.Message = notes.Count == 0 ? null : string.Join("; ", notes);

            result.RecommendedIdleSeconds = alive is int keep && result.KindValue is not IdleTimeoutKind.None and not IdleTimeoutKind.NotConnected and not IdleTimeoutKind.LocalError and not IdleTimeoutKind.Busy and not IdleTimeoutKind.EndedAtConnect
                ? Math.Max(1, (int)Math.Floor(0.8 * keep)) : null;
            result.Recommendation = result.KindValue switch
            {
                IdleTimeoutKind.None => $"no idle timeout up to {_request.MaxSeconds} s: nothing to tune below that",
                IdleTimeoutKind.NotConnected => "nothing to recommend: no connection could be judged",
                IdleTimeoutKind.Busy => $"the server sends on its own at least every {busy} s: it keeps its connections busy itself, so they are never idle that long" +
                    (alive is int calm ? $" (connections idle for up to {calm} s before it spoke survived)" : "") + "; no idle timeout to tune around while it does",
                IdleTimeoutKind.EndedAtConnect when result.IdleAfterKind == IdleStart.Answer => $"the server ends every connection right after answering -Send ({(rows.First(r => r.IdleSeconds == dead).VerdictKind == IdleVerdict.Reset ? "RST" : "FIN")} within {AtConnectMs:0} ms of the answer): it keeps no connection for reuse (HTTP: it answered Connection: close, or keep-alive is off there), so no pooled connection meets an idle close here",
                IdleTimeoutKind.EndedAtConnect => $"the server ends every connection right after connect ({(rows.First(r => r.IdleSeconds == dead).VerdictKind == IdleVerdict.Reset ? "RST" : "FIN")} within {AtConnectMs:0} ms, before any idle time): it has no idle timeout to tune around; it does not keep connections on this port at all (overloaded, an access rule, or not the service you meant: see Test-TcpEndpoint -ReadMs)",
                IdleTimeoutKind.LocalError => "nothing to recommend: this machine could not make the connections (see Message); that says nothing about the target",
                _ when result.RecommendedIdleSeconds is null => $"even {dead} s idle is too long here: keep connections busier than every {dead} s",
                // An RST from the server's own distance is most likely its own idle timer, which keepalive does not reset.
                IdleTimeoutKind.Reset when result.ResetFrom == nameof(Wire.ResetOrigin.Peer) => $"the RST came from as far as the server (-Capture: TTL {result.ResetTtl}): most likely the server's own idle timeout, which keepalive probes do not reset; retire pooled connections idle for more than {result.RecommendedIdleSeconds} s (or ping in the application protocol); if a load balancer answers in the server's name, TCP keepalive idle below {alive} s keeps it too",
                _ when firstRequestTimer => $"the server closes connections that sent no request after about {result.ObservedSeconds?.ToString() ?? dead.ToString()} s: {FirstRequestTimer}; a pooled connection meets {KeepAliveTimer} instead: to measure that, run again with -Send and a request the server answers, e.g. -Send \"GET / HTTP/1.1`r`nHost: name`r`n`r`n\"",
                IdleTimeoutKind.Closed => $"the server closes connections idle for about {result.ObservedSeconds?.ToString() ?? dead.ToString()} s after an answer (its keep-alive timeout, e.g. nginx keepalive_timeout): set your client's pool idle timeout below that, retiring pooled connections idle for more than {result.RecommendedIdleSeconds} s (ClientSettings names the setting for each client), and retry idempotent requests: one sent as the server closes meets a reset. Keepalive probes do not reset a server's own idle timer",
                _ => $"the path forgets connections idle for {dead} s ({result.KindValue}): set TCP keepalive idle below {alive} s, e.g. SO_KEEPALIVE with TCP_KEEPIDLE = {result.RecommendedIdleSeconds} s (net.ipv4.tcp_keepalive_time system-wide), or a pool idle timeout below {alive} s",
            };
            // A pool idle timeout below the alive time avoids the close whether the server or the path makes it;
            // not the server's first-request timer, which no pooled connection (one that has sent a request) meets.
            if (result.RecommendedIdleSeconds is int retire && !firstRequestTimer) result.ClientSettings = PoolAdvice.For(retire);
            return result;
        }

        /// <summary>What a server's close of a connection that never sent a request measures.</summary>
        private const string FirstRequestTimer = "what closed them is the server's wait for a first request, e.g. nginx client_header_timeout (60 s by default)";

        /// <summary>The timer a pooled connection meets.</summary>
        private const string KeepAliveTimer = "its idle timeout between requests, e.g. nginx keepalive_timeout (75 s by default)";

        /// <summary>A goodbye as one line: its first line, printable (HTTP/1.1 408 Request Time-out), saying when more followed.</summary>
        internal static string Goodbye(byte[] bytes)
        {
            int end = Array.IndexOf(bytes, (byte)'\n');
            int line = end < 0 ? bytes.Length : end;
            string text = Probe.Prober.Printable(bytes.AsSpan(0, Math.Min(line, 120))).TrimEnd();
            if (text.EndsWith("\\r", StringComparison.Ordinal)) text = text[..^2];
            return end < 0 || end + 1 >= bytes.Length ? text : $"{text} (and more after it)";
        }

        private static void Fill(IdleConnectionResult row, SocketEnd end)
        {
            row.Operation = end.Operation;
            end.CopyCodesTo(row);
        }
    }
}
