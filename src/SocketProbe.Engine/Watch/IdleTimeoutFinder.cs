using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
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
    private const int MaxRewaits = 1_000; // data from a chatty server restarts the idle clock; bounded

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
                Target = missing.Target, Port = missing.Port, Kind = IdleTimeoutKind.NotConnected, ProbeWith = request.ProbeWith.ToString(),
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

    private sealed class Search
    {
        private readonly IdleTimeoutRequest _request;
        private readonly WatchEndpoint _endpoint;
        private readonly IReadOnlyList<IdlePoint> _plan;
        private readonly SemaphoreSlim _throttle;
        private readonly ILogger _logger;
        private readonly CancellationToken _token;
        private readonly Action<IdleProgress>? _progress;
        private readonly CancellationTokenSource _answered;
        private readonly object _lock = new();
        private readonly Dictionary<int, IdleConnectionResult> _judged = new();
        private long _started;
        private long _answeredAt;
        private int _open, _mostOpen, _opened;

        public Search(IdleTimeoutRequest request, WatchEndpoint endpoint, IReadOnlyList<IdlePoint> plan, SemaphoreSlim throttle,
            ILogger logger, CancellationToken token, Action<IdleProgress>? progress)
        {
            _request = request;
            _endpoint = endpoint;
            _plan = plan;
            _throttle = throttle;
            _logger = logger;
            _token = token;
            _progress = progress;
            _answered = CancellationTokenSource.CreateLinkedTokenSource(token);
        }

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
                row.Verdict = IdleVerdict.NotProbed;
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
            var (connection, failure, connectMs) = await HeldConnection.ConnectAsync(remote,
                socket => Configure(socket, idle), _request.ConnectTimeoutMs, token).ConfigureAwait(false);
            if (connection is null)
            {
                row.Verdict = failure!.Fate == WatchFate.LocalError ? IdleVerdict.LocalError : IdleVerdict.NotConnected;
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
                    try
                    {
                        await ProbeAndJudgeAsync(connection, idle, connectMs, row, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Before our own close: a RST that answers our FIN is not what this connection met.
                        _request.Wire?.Annotate(row, local, remote);
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
            // An RST or FIN the probe draws arrives within a round trip of it; later ones are the far side's own.
            double answerMs = Math.Max(500, 4 * (connectMs ?? 0));
            long probeAt = 0;
            long receivedAtProbe = 0;
            bool ended = false;
            for (int round = 0; round < MaxRewaits && !ended; round++)
            {
                // Keepalive counts idle from the last segment received (tcp_keepalive_timer); a send probe from the last byte either way.
                long from = _request.ProbeWith == IdleProbe.KeepAlive ? connection.LastReceive : connection.LastActivity;
                probeAt = from + (long)(idle * (double)Stopwatch.Frequency);
                if (_request.ProbeWith == IdleProbe.Send)
                {
                    if (await EndsBeforeAsync(connection, probeAt, token).ConfigureAwait(false)) { ended = true; break; }
                    if (connection.LastActivity != from) continue; // the server spoke: idle again from there
                    receivedAtProbe = connection.BytesReceived;
                    if (await connection.SendAsync(_request.Send!, token).ConfigureAwait(false) is not null) { ended = true; break; }
                }
                long judgeAt = probeAt + (long)((_request.ProbeSeconds + 0.25) * Stopwatch.Frequency);
                if (await EndsBeforeAsync(connection, judgeAt, token).ConfigureAwait(false)) { ended = true; break; }
                if (_request.ProbeWith == IdleProbe.KeepAlive && connection.LastReceive != from) continue;
                // Still established. A probe not yet answered gets one more interval before the verdict.
                if (TcpInfo.Read(connection.Socket) is { Probes: > 0 } &&
                    await EndsBeforeAsync(connection, judgeAt + _request.KeepAliveIntervalSeconds * Stopwatch.Frequency, token).ConfigureAwait(false))
                {
                    ended = true;
                }
                break;
            }

            if (ended)
            {
                (SocketEnd end, long at) = await connection.Ended.ConfigureAwait(false);
                Fill(row, end);
                row.EndedAfterMs = Math.Round(connection.MsSinceConnect(at), 1);
                double sinceProbeMs = (at - probeAt) * 1000.0 / Stopwatch.Frequency; // negative: it ended before its probe
                bool answeredAfterProbe = _request.ProbeWith == IdleProbe.Send && connection.BytesReceived > receivedAtProbe;
                row.Verdict = end.Fate switch
                {
                    _ when answeredAfterProbe => IdleVerdict.Alive,
                    // ETIMEDOUT here can only be the probe going unanswered: no other data was in flight.
                    WatchFate.TimedOut => IdleVerdict.Silent,
                    WatchFate.Reset when sinceProbeMs < answerMs => IdleVerdict.Reset,
                    WatchFate.Closed when sinceProbeMs < answerMs => IdleVerdict.Closed,
                    // The far side's own FIN or RST well after the probe was answered: it was alive at this idle time.
                    WatchFate.Reset or WatchFate.Closed => IdleVerdict.Alive,
                    _ => IdleVerdict.Failed,
                };
                if (row.Verdict == IdleVerdict.Alive) row.Message = $"alive at its probe; the far side ended it {sinceProbeMs / 1000:F1} s later ({end.Fate})";
            }
            else
            {
                row.Verdict = IdleVerdict.Alive;
                row.Operation = _request.ProbeWith == IdleProbe.KeepAlive ? "KeepAlive" : "Send";
                row.Message = "still established after its probe";
            }
            if (TcpInfo.Read(connection.Socket) is { } info)
            {
                row.TcpState = info.State;
                row.Probes = info.Probes;
                row.RttMs = info.RttMs;
            }
        }

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
                (longestAlive, shortestDead) = Bounds(_judged.Values);
                bool complete = shortestDead is int dead
                    ? _plan.Where(p => p.IdleSeconds < dead).All(p => _judged.ContainsKey(p.IdleSeconds))
                    : _plan.All(p => _judged.ContainsKey(p.IdleSeconds));
                if (complete && _answeredAt == 0 && row.Verdict != IdleVerdict.NotProbed)
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

        private static bool IsDead(IdleVerdict v) => v is IdleVerdict.Reset or IdleVerdict.Silent or IdleVerdict.Closed;

        private static (int? LongestAlive, int? ShortestDead) Bounds(IEnumerable<IdleConnectionResult> rows)
        {
            var list = rows.ToList();
            int? dead = list.Where(r => IsDead(r.Verdict)).Select(r => (int?)r.IdleSeconds).Min();
            int? alive = list.Where(r => r.Verdict == IdleVerdict.Alive && (dead is null || r.IdleSeconds < dead)).Select(r => (int?)r.IdleSeconds).Max();
            return (alive, dead);
        }

        private IdleTimeoutResult Answer(IReadOnlyList<IdleConnectionResult> rows)
        {
            var (alive, dead) = Bounds(rows);
            var result = new IdleTimeoutResult
            {
                Target = _endpoint.Target, Address = _endpoint.Address.ToString(), AddressFamily = _endpoint.AddressFamilyName, Port = _endpoint.Port,
                LongestAliveSeconds = alive, ShortestDeadSeconds = dead, Tried = _opened, MostOpen = _mostOpen,
                ProbeWith = _request.ProbeWith.ToString(),
                ElapsedSeconds = Math.Round(Stopwatch.GetElapsedTime(_started, _answeredAt != 0 ? _answeredAt : Stopwatch.GetTimestamp()).TotalSeconds, 2),
            };
            var notes = new List<string>();
            if (dead is int d)
            {
                IdleConnectionResult first = rows.First(r => r.IdleSeconds == d);
                result.Kind = first.Verdict switch
                {
                    IdleVerdict.Reset => IdleTimeoutKind.Reset,
                    IdleVerdict.Silent => IdleTimeoutKind.Silent,
                    _ => IdleTimeoutKind.Closed,
                };
                // The far side's own FIN or RST, before any probe: when it came is the server's idle timeout itself.
                var own = rows.Where(r => r.Verdict is IdleVerdict.Closed or IdleVerdict.Reset && r.EndedAfterMs is double ms && ms < r.IdleSeconds * 1000.0)
                    .Select(r => r.EndedAfterMs!.Value).ToArray();
                if (own.Length > 0) result.ObservedSeconds = Math.Round(own.Min() / 1000, 2);
                Wire.IWireFields.Copy(first, result);
                if (first.ResetFrom == nameof(Wire.ResetOrigin.Path))
                    notes.Add($"-Capture: the RST came with TTL {first.ResetTtl}, the server's SYN-ACK with {first.SynAckTtl}: something on the path forged it (a middlebox that forgot the flow), not the server");
                else if (first.ResetFrom == nameof(Wire.ResetOrigin.Peer))
                    notes.Add($"-Capture: the RST came from as many hops away as the server's SYN-ACK (TTL {first.ResetTtl}): the server itself, or a box at its hop");
                int above = rows.Count(r => r.Verdict == IdleVerdict.Alive && r.IdleSeconds > d);
                if (above > 0) notes.Add($"{above} connection(s) idle longer than {d} s survived: the timeout is not one fixed idle time here (several middleboxes or servers behind one address?)");
            }
            else
            {
                result.Kind = rows.Any(r => r.Verdict == IdleVerdict.Alive) ? IdleTimeoutKind.None
                    : rows.Any(r => r.Verdict == IdleVerdict.LocalError) && rows.All(r => r.Verdict is IdleVerdict.LocalError or IdleVerdict.NotProbed)
                        ? IdleTimeoutKind.LocalError : IdleTimeoutKind.NotConnected;
            }
            if (dead is null && alive is int longest) Wire.IWireFields.Copy(rows.First(r => r.IdleSeconds == longest), result);
            if (result.Kind is IdleTimeoutKind.NotConnected or IdleTimeoutKind.LocalError)
            {
                var failed = rows.FirstOrDefault(r => r.Verdict is IdleVerdict.NotConnected or IdleVerdict.Failed or IdleVerdict.LocalError);
                notes.Add($"no connection answered its probe{(failed is null ? "" : $": {failed.Operation} {failed.ErrnoName ?? failed.SocketError} {failed.Message}")}");
            }
            if (alive is int a && dead is int b && b - a > _request.ResolutionSeconds)
                notes.Add($"resolution reached: {b - a} s (the step between idle times grows beyond {_request.ThrottleLimit} connections; raise -ThrottleLimit for a finer one)");
            int failures = rows.Count(r => r.Verdict is IdleVerdict.NotConnected or IdleVerdict.Failed or IdleVerdict.LocalError);
            if (failures > 0 && result.Kind is not IdleTimeoutKind.NotConnected and not IdleTimeoutKind.LocalError) notes.Add($"{failures} connection(s) failed otherwise and are not part of the answer (see -Detailed)");
            result.Message = notes.Count == 0 ? null : string.Join("; ", notes);

            result.RecommendedIdleSeconds = alive is int keep && result.Kind is not IdleTimeoutKind.None and not IdleTimeoutKind.NotConnected and not IdleTimeoutKind.LocalError
                ? Math.Max(1, (int)Math.Floor(0.8 * keep)) : null;
            result.Recommendation = result.Kind switch
            {
                IdleTimeoutKind.None => $"no idle timeout up to {_request.MaxSeconds} s: nothing to tune below that",
                IdleTimeoutKind.NotConnected => "nothing to recommend: no connection could be judged",
                IdleTimeoutKind.LocalError => "nothing to recommend: this machine could not make the connections (see Message); that says nothing about the target",
                _ when result.RecommendedIdleSeconds is null => $"even {dead} s idle is too long here: keep connections busier than every {dead} s",
                // An RST from the server's own distance is most likely its own idle timer, which keepalive does not reset.
                IdleTimeoutKind.Reset when result.ResetFrom == nameof(Wire.ResetOrigin.Peer) => $"the RST came from as far as the server (-Capture: TTL {result.ResetTtl}): most likely the server's own idle timeout, which keepalive probes do not reset; retire pooled connections idle for more than {result.RecommendedIdleSeconds} s (or ping in the application protocol); if a load balancer answers in the server's name, TCP keepalive idle below {alive} s keeps it too",
                IdleTimeoutKind.Closed => $"the server closes connections idle for about {result.ObservedSeconds?.ToString() ?? dead.ToString()} s: keepalive probes do not reset a server's own idle timer; retire pooled connections idle for more than {result.RecommendedIdleSeconds} s (or ping in the application protocol)",
                _ => $"the path forgets connections idle for {dead} s ({result.Kind}): set TCP keepalive idle below {alive} s, e.g. SO_KEEPALIVE with TCP_KEEPIDLE = {result.RecommendedIdleSeconds} s (net.ipv4.tcp_keepalive_time system-wide), or a pool idle timeout below {alive} s",
            };
            return result;
        }

        private static void Fill(IdleConnectionResult row, SocketEnd end)
        {
            row.Operation = end.Operation;
            row.SocketError = end.SocketError;
            row.Errno = end.Errno;
            row.ErrnoName = end.ErrnoName;
            row.Message = end.Message;
        }
    }
}
