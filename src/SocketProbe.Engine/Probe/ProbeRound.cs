using System.Runtime.CompilerServices;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// One round's ordered scheduler: walks resolve → port → address, makes each attempt in output
/// order while fewer than the reorder window wait to be handed on, lets the lanes start them in that
/// order under the throttle, hands each result on once it and every one before it are in, and on
/// any exit (the end, Ctrl+C, a failing sink) leaves no attempt running. It runs on a thread of its
/// own, which is also the first lane; a large batch sweep on a machine with a spare core gets a second lane on a second thread,
/// each with its own poll(2) batch, both taking the next attempt from the same sequence.
/// </summary>
internal sealed class ProbeRound
{
    /// <summary>Attempts a sweep needs before a second lane pays for its thread.</summary>
    private const int SecondLaneFrom = 256;

    /// <summary>Attempts the first lane starts in one pass while a second lane runs: it also makes and hands on the attempts.</summary>
    private const int SecondLaneShare = 32;

    [ThreadStatic] private static ProbeRound? t_scheduling;

    private readonly int _sequence;
    private readonly ProbeResolver.Lookup _lookup;
    private readonly int _window, _stock;
    private readonly ProbeAttempt?[] _ring;
    private long _produced, _claimed, _emitted;
    // An attempt ended off the scheduler's thread; the second lane has work, or must stop.
    private readonly ManualResetEventSlim _progress = new(false), _work = new(false);
    private volatile bool _stopping, _secondIdle;
    // The second lane found a spare core and takes attempts: the first leaves it a share.
    private volatile bool _secondRunning;
    private Lane? _secondLane;
    private int? _othersRunnable;
    private int _schedulerWaiting;
    private volatile Exception? _secondFailed;
    private Task<Resolution>? _awaiting;

    public ProbeRound(ProbeRequest request, int sequence, SemaphoreSlim throttle, ProbeResolver.Lookup lookup, ILogger logger, CancellationToken token)
    {
        Request = request;
        _sequence = sequence;
        Throttle = throttle;
        _lookup = lookup;
        Logger = logger;
        Token = token;
        _window = Prober.ReorderWindow(request.ThrottleLimit);
        // Attempts made ahead of the lanes: enough that neither runs dry while the other makes more.
        _stock = Math.Clamp(2 * request.ThrottleLimit, 2, _window);
        _ring = new ProbeAttempt?[_window];
    }

    public ProbeRequest Request { get; }
    /// <summary>Slots shared by lookups and attempts: taken by the scheduler per attempt, given back by its connector.</summary>
    public SemaphoreSlim Throttle { get; }
    public ILogger Logger { get; }
    public CancellationToken Token { get; }

    public async Task RunAsync(Action<ProbeResult> output)
    {
        // Every attempt leaves with its health verdict (what -Healthy tallies).
        bool sent = Request.Send is { Length: > 0 }, expecting = Request.Expect is not null;
        Action<ProbeResult> sink = result =>
        {
            (result.Healthy, result.HealthNote) = ProbeHealth.Judge(result, sent, expecting);
            output(result);
        };
        // Every lookup starts at once (a name's under the throttle, as a connect).
        var resolutions = new Task<Resolution>[Request.Tasks.Count];
        for (int t = 0; t < resolutions.Length; t++) resolutions[t] = ResolveAsync(Request.Tasks[t].Target);
        try
        {
            Task scheduled;
            try
            {
                // A thread of its own: its poll(2) and waits block, which the thread pool must not.
                scheduled = Task.Factory.StartNew(() => Schedule(resolutions, sink), CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            catch (TaskSchedulerException e)
            {
                // Observed with every descriptor of the process in use: no new thread. A pool thread serves.
                Logger.LogDebug("No thread for the round ({Error}); scheduling on the thread pool", e.InnerException?.Message ?? e.Message);
                scheduled = Task.Run(() => Schedule(resolutions, sink));
            }
            await scheduled.ConfigureAwait(false);
        }
        finally
        {
            foreach (var resolution in resolutions)
            {
                try { await resolution.ConfigureAwait(false); } catch (Exception) { /* reported by the walk, or cancelled */ }
            }
        }
    }

    /// <summary>A connector's attempt is over (its slot given back): log it, and let it be handed on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Finished(ProbeAttempt attempt)
    {
        if (attempt.Error is null)
        {
            ProbeResult result = attempt.Result;
            if (result.LocalPort is int localPort && IPAddress.TryParse(result.LocalAddress, out IPAddress? localAddress))
            {
                Request.Wire?.Annotate(result, new IPEndPoint(localAddress, localPort), attempt.Endpoint!);
                Request.KernelTrace?.Annotate(result, new IPEndPoint(localAddress, localPort), attempt.Endpoint!);
            }
            if (Logger.IsEnabled(LogLevel.Debug)) Logger.LogDebug("{Result}", result);
        }
        // Complete() and the scheduler's Interlocked write of _schedulerWaiting are full fences: either
        // the scheduler sees this attempt done, or this sees it waiting and wakes it.
        attempt.Complete();
        if (t_scheduling != this && Volatile.Read(ref _schedulerWaiting) != 0) _progress.Set();
    }

    /// <summary>Wait up to <paramref name="waitMs"/> for an attempt to end off the scheduler's thread.</summary>
    public void WaitForProgress(int waitMs) => _progress.Wait(waitMs, Token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Schedule(Task<Resolution>[] resolutions, Action<ProbeResult> sink)
    {
        t_scheduling = this;
        var sockets = new SocketConnector(this);
        bool batched = BatchConnector.Serves(Request);
        var first = new Lane(this, batched ? new BatchConnector(this, sockets) : sockets);
        Thread? second = batched ? StartSecondLane(sockets) : null;
        try
        {
            using var walk = Walk(resolutions).GetEnumerator();
            bool walked = false;
            while (true)
            {
                Token.ThrowIfCancellationRequested();
                if (_secondFailed is not null) throw new InvalidOperationException("the prober's second lane failed", _secondFailed);
                bool moved = false;
                // Attempts ahead of the lanes, within the window.
                while (!walked && _produced - _emitted < _window && _produced - Volatile.Read(ref _claimed) < _stock)
                {
                    if (!walk.MoveNext()) { walked = true; break; }
                    if (walk.Current is not ProbeAttempt attempt) break; // a name still resolving
                    _ring[_produced % _window] = attempt;
                    Volatile.Write(ref _produced, _produced + 1);
                    moved = true;
                }
                if (moved && _secondIdle) _work.Set();
                bool two = _secondRunning;
                moved |= first.Fill(two ? SecondLaneShare : int.MaxValue);
                moved |= EmitReady(sink);
                if (walked && _emitted == _produced) break;
                if (!moved) Idle(first, two || sockets.Active > 0);
            }
        }
        finally
        {
            // Also on Ctrl+C or a failing sink: nothing in flight outlives the round.
            _stopping = true;
            _work.Set();
            second?.Join();
            first.Connector.Dispose();
            if (_secondLane is not null) Logger.LogDebug("Lanes: the first started {First} attempts, the second {Second} ({Others} other tasks runnable at its start)", first.Started, _secondLane.Started, _othersRunnable?.ToString() ?? "unknown");
            for (long i = _emitted; i < _produced; i++)
            {
                try { _ring[i % _window]?.Running?.Wait(); } catch (AggregateException) { /* reported by the loop above */ }
            }
            t_scheduling = null;
        }
    }

    /// <summary>Nothing moved: wait (bounded) for whatever can change things next.</summary>
    private void Idle(Lane first, bool othersBusy)
    {
        Interlocked.Exchange(ref _schedulerWaiting, 1);
        try { IdleWait(first, othersBusy); }
        finally { Volatile.Write(ref _schedulerWaiting, 0); }
    }

    private void IdleWait(Lane first, bool othersBusy)
    {
        _progress.Reset();
        if (_emitted < _produced && _ring[_emitted % _window]!.Done) return;
        if (!Claimable()) first.Connector.Trim(); // slots kept for attempts that are not coming now: the lookups' or the other lane's
        if (first.Connector.Active > 0 && first.Connector is BatchConnector batch) batch.Wait(othersBusy ? 1 : 50);
        else if (othersBusy && Claimable()) { if (Throttle.Wait(2, Token)) Throttle.Release(); }
        else if (othersBusy || first.Connector.Active > 0) _progress.Wait(50, Token);
        else if (_awaiting is { IsCompleted: false } name) { try { name.Wait(50, Token); } catch (AggregateException) { } }
        else if (Throttle.Wait(50, Token)) Throttle.Release(); // the slots are the lookups'
    }

    /// <summary>Hands on every finished attempt at the head, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool EmitReady(Action<ProbeResult> sink)
    {
        bool any = false;
        while (_emitted < _produced)
        {
            long at = _emitted % _window;
            ProbeAttempt head = _ring[at]!;
            if (!head.Done) break;
            _ring[at] = null;
            _emitted++;
            head.Error?.Throw();
            sink(head.Result);
            any = true;
        }
        return any;
    }

    private bool Claimable() => Volatile.Read(ref _claimed) < Volatile.Read(ref _produced);

    /// <summary>The next attempt in output order that no lane has taken yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ProbeAttempt? Claim()
    {
        while (true)
        {
            long next = Volatile.Read(ref _claimed);
            if (next >= Volatile.Read(ref _produced)) return null;
            if (Interlocked.CompareExchange(ref _claimed, next + 1, next) == next) return _ring[next % _window];
        }
    }

    /// <summary>
    /// The attempts in output order: targets as given, then ports as given, then addresses in the
    /// resolver's order. Yields null while the next target's name is still resolving.
    /// </summary>
    private IEnumerable<ProbeAttempt?> Walk(Task<Resolution>[] resolutions)
    {
        for (int t = 0; t < resolutions.Length; t++)
        {
            ProbeTask task = Request.Tasks[t];
            _awaiting = resolutions[t];
            while (!resolutions[t].IsCompleted) yield return null;
            _awaiting = null;
            Resolution resolution = resolutions[t].GetAwaiter().GetResult();
            LogResolution(task.Target, resolution);
            // One string per address for all its attempts, not one per result.
            string[] texts = resolution.Addresses.Select(a => a.ToString()).ToArray();
            foreach (int port in task.Ports)
            {
                if (resolution.Addresses.Count == 0)
                {
                    var unresolved = new ProbeAttempt(NotResolved(task.Target, port, resolution), null);
                    unresolved.Complete();
                    yield return unresolved;
                    continue;
                }
                for (int a = 0; a < texts.Length; a++)
                {
                    IPAddress address = resolution.Addresses[a];
                    var endpoint = new IPEndPoint(address, port);
                    Request.Wire?.Expect(endpoint);
                    yield return new ProbeAttempt(new ProbeResult
                    {
                        Target = task.Target.Host,
                        Address = texts[a],
                        AddressFamily = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
                        Port = port,
                        Sequence = _sequence,
                        DnsMs = resolution.DnsMs,
                    }, endpoint);
                }
            }
        }
    }

    private Thread? StartSecondLane(SocketConnector sockets)
    {
        long attempts = Request.Tasks.Sum(t => (long)t.Ports.Count);
        if (!MaySecondLane(attempts, Request.ThrottleLimit, Environment.ProcessorCount)) return null;
        var lane = _secondLane = new Lane(this, new BatchConnector(this, sockets));
        try
        {
            var thread = new Thread(() => RunSecondLane(lane)) { IsBackground = true, Name = "SocketProbe prober lane 2" };
            thread.Start();
            return thread;
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            // No thread to be had (every descriptor in use): one lane does it all.
            Logger.LogDebug("No second lane ({Error}); one lane probes", e.Message);
            lane.Connector.Dispose();
            _secondLane = null;
            return null;
        }
    }

    /// <summary>A sweep large enough, on more than one core, with more than one throttle slot.</summary>
    internal static bool MaySecondLane(long attempts, int throttleLimit, int processorCount) =>
        processorCount >= 2 && throttleLimit >= 2 && attempts >= SecondLaneFrom;

    /// <summary>
    /// A second lane only on a core nobody else uses: beside a busy task it would take that task's
    /// core from it. (The measurement that once said it gained nothing there was made while the
    /// second lane starved for slots; it has not been repeated: bench/results/prober-sweep.md.)
    /// Read with the first lane at work: a spare core is one that no other process's task wants.
    /// Unknown (no /proc) counts as busy.
    /// </summary>
    internal static bool SpareCoreFor(int processorCount, int? othersRunnable) =>
        othersRunnable is int others && others < processorCount - 1;

    /// <summary>The second lane: starts the next attempts while there are any and the throttle allows, and reaps its own batch.</summary>
    private void RunSecondLane(Lane lane)
    {
        try
        {
            int? others = _othersRunnable = SpareCore.OthersRunnable();
            if (!SpareCoreFor(Environment.ProcessorCount, others))
            {
                Logger.LogDebug("No second lane: {Others} other tasks runnable on {Cores} cores", others?.ToString() ?? "unknown", Environment.ProcessorCount);
                return;
            }
            _secondRunning = true;
            while (!_stopping)
            {
                bool started = lane.Fill(int.MaxValue);
                if (lane.Connector.Active > 0) lane.Connector.Wait(started ? 0 : 1);
                else if (started) continue;
                else if (Claimable()) { if (Throttle.Wait(2)) Throttle.Release(); }
                else
                {
                    lane.Connector.Trim();
                    _secondIdle = true;
                    _work.Reset();
                    if (!Claimable() && !_stopping) _work.Wait(50);
                    _secondIdle = false;
                }
            }
        }
        catch (Exception e)
        {
            _secondFailed = e;
        }
        finally
        {
            _secondRunning = false;
            lane.Connector.Dispose();
        }
    }

    /// <summary>A connector and the thread that runs it: starts attempts in sequence order under the throttle.</summary>
    private sealed class Lane(ProbeRound round, IProbeConnector connector)
    {
        public IProbeConnector Connector { get; } = connector;
        /// <summary>Attempts this lane started (the round's Debug line: how the lanes shared the sweep).</summary>
        public long Started { get; private set; }

        /// <summary>Start up to <paramref name="most"/> attempts; true when any started.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Fill(int most)
        {
            int started = 0;
            while (started < most && round.Claimable() && Connector.TakeSlot())
            {
                ProbeAttempt? attempt = round.Claim();
                if (attempt?.Endpoint is null)
                {
                    // Taken by the other lane, or nothing to connect (a name that did not resolve).
                    Connector.GiveBack();
                    if (attempt is null) break;
                    continue;
                }
                Connector.Start(attempt);
                started++;
            }
            Started += started;
            // Two lanes share the throttle: a lane keeps one spare slot, not every slot its past
            // connects in flight once took. A lane that had kept them starved the other for the
            // whole sweep (it started 0 of 65,535 attempts and spun waiting for a slot).
            if (round._secondRunning) Connector.Trim(keep: 1);
            return started > 0;
        }
    }

    private async Task<Resolution> ResolveAsync(ProbeTarget target)
    {
        if (target.IsLiteral || ProbeResolver.IsLocalhostName(target.Host))
        {
            return await ProbeResolver.ResolveAsync(target, Request.AddressFamily, Request.TimeoutMs, _lookup, Token).ConfigureAwait(false);
        }
        await Throttle.WaitAsync(Token).ConfigureAwait(false);
        try
        {
            return await ProbeResolver.ResolveAsync(target, Request.AddressFamily, Request.TimeoutMs, _lookup, Token).ConfigureAwait(false);
        }
        finally
        {
            Throttle.Release();
        }
    }

    private void LogResolution(ProbeTarget target, Resolution resolution)
    {
        var level = _sequence == 1 ? LogLevel.Information : LogLevel.Debug;
        if (!Logger.IsEnabled(level) || target.IsLiteral) return;
        if (resolution.Addresses.Count == 0)
        {
            Logger.Log(level, "{Target}: no address ({Error}: {Message}) after {DnsMs:F3} ms", target.Host,
                resolution.Error?.ToString() ?? "none", resolution.Message, resolution.DnsMs);
        }
        else
        {
            Logger.Log(level, "{Target} -> {Addresses} ({Source}, {DnsMs:F3} ms)", target.Host,
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
}
