using System.Collections.Concurrent;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine;

/// <summary>
/// What a running scenario holds: its request, logger, cancellation, and the one way it reports
/// a socket call. <see cref="CallAsync"/> times the real call and fills the observed fields from it;
/// <see cref="Emit"/> adds Expected/Matches from the scenario's own table and hands it on.
/// </summary>
public sealed class ScenarioContext
{
    private readonly Action<Observation> _sink;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly ConcurrentDictionary<(ProtocolType Protocol, int Port), bool> _ports = new();
    private List<Observation>? _held;
    private readonly object _holdLock = new();
    private readonly bool _warmingUp;

    public ScenarioContext(Scenario scenario, ScenarioRequest request, Action<Observation> sink, ILogger logger, CancellationToken cancellation)
        : this(scenario, request, sink, logger, cancellation, warmingUp: false)
    {
    }

    /// <param name="warmingUp">The context of <see cref="CallWarmup"/> itself, which must not wait for itself.</param>
    internal ScenarioContext(Scenario scenario, ScenarioRequest request, Action<Observation> sink, ILogger logger, CancellationToken cancellation, bool warmingUp)
    {
        _warmingUp = warmingUp;
        Scenario = scenario;
        Request = request;
        _sink = sink;
        Logger = logger;
        Cancellation = cancellation;
    }

    public Scenario Scenario { get; }
    public ScenarioRequest Request { get; }
    public ILogger Logger { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Milliseconds since this run started: every row's <see cref="Observation.AtMs"/> is on this clock.</summary>
    public double NowMs => MsSinceStart(Stopwatch.GetTimestamp());

    private double MsSinceStart(long timestamp) => Stopwatch.GetElapsedTime(_startedAt, timestamp).TotalMilliseconds;

    private int _lastStep;

    /// <summary>The highest Step emitted so far (0 before the first row): instruments number their row after it.</summary>
    public int LastStep => Volatile.Read(ref _lastStep);

    /// <summary>
    /// The number an instrument's closing row takes: after every step emitted and every step this
    /// platform documents for this request, so a run that ended early never has its counters row
    /// stand in for a documented step it did not reach (the lab checks which steps it saw).
    /// </summary>
    public int StepAfterRun => Math.Max(LastStep,
        Scenario.Expectations.Where(e => e.AppliesTo(PlatformInfo.Current, Request)).Select(e => e.Step).DefaultIfEmpty(0).Max()) + 1;

    /// <summary>
    /// Run one socket call of a declared step, timed alone, bounded by <paramref name="boundMs"/> (default:
    /// the request's call timeout). The call returns the bytes it moved (or -1 when it moves none).
    /// A receive that returns 0 is EndOfStream; a SocketException becomes Error with its codes;
    /// our own bound running out is TimedOut with no errno, since the kernel said nothing.
    /// </summary>
    public async Task<Observation> CallAsync(ScenarioStep step, SocketCall call,
        Socket? stateOf = null, int? boundMs = null, bool isReceive = false) =>
        Emit(await MeasureAsync(step, call, stateOf, boundMs, isReceive).ConfigureAwait(false));

    /// <summary>
    /// A call that never waits on a socket (close, shutdown, a send that cannot block): its Stopwatch
    /// is its own time. A call that may wait is a <see cref="SocketCall"/>.
    /// </summary>
    public async Task<Observation> CallAsync(ScenarioStep step, Func<CancellationToken, ValueTask<int>> call,
        Socket? stateOf = null, int? boundMs = null, bool isReceive = false) =>
        Emit(await MeasureAsync(step, call, stateOf, boundMs, isReceive).ConfigureAwait(false));

    /// <summary>
    /// <see cref="CallAsync(ScenarioStep, SocketCall, Socket?, int?, bool)"/> without the emit: the
    /// observation comes back first, so a scenario can add a Note worked out from the call's result
    /// before it hands it to <see cref="Emit"/>.
    /// </summary>
    public Task<Observation> MeasureAsync(ScenarioStep step, SocketCall call,
        Socket? stateOf = null, int? boundMs = null, bool isReceive = false) =>
        MeasureCoreAsync(step, call.Run, call.WaitsOn, call.Until, stateOf, boundMs, isReceive);

    /// <summary><see cref="CallAsync(ScenarioStep, Func{CancellationToken, ValueTask{int}}, Socket?, int?, bool)"/> without the emit.</summary>
    public Task<Observation> MeasureAsync(ScenarioStep step, Func<CancellationToken, ValueTask<int>> call,
        Socket? stateOf = null, int? boundMs = null, bool isReceive = false) =>
        MeasureCoreAsync(step, call, null, 0, stateOf, boundMs, isReceive);

    /// <summary>
    /// The one timing of a socket call. ElapsedMs is the call's own time (DESIGN §3): it starts just
    /// before the call; a call that completes at once ends when it returns; a call that has to wait ends
    /// when the kernel makes its socket ready (<see cref="CallWatch"/>), not when a thread-pool thread
    /// gets round to finishing it, and one that our bound cut short ends when the bound ran out. The
    /// call paths are compiled once per process first (<see cref="CallWarmup"/>), so no JIT is in it.
    /// </summary>
    private async Task<Observation> MeasureCoreAsync(ScenarioStep step,
        Func<CancellationToken, ValueTask<int>> call, Socket? waitsOn, short until, Socket? stateOf, int? boundMs, bool isReceive)
    {
        if (!_warmingUp && !CallWarmup.IsDone) await CallWarmup.EnsureAsync().ConfigureAwait(false);
        var observation = new Observation { Step = step.Number, Actor = step.Actor, Operation = step.Operation };
        int bound = boundMs ?? Request.CallTimeoutMs;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        if (TracksPorts && stateOf is not null) Own(stateOf);
        // The clock starts before the bound is armed: a thread descheduled between the two (a loaded
        // machine) would otherwise see its bound fire before `bound` ms of its own clock had passed
        // (a TimedOut receive of 1894.8 ms against a 2000 ms bound, once, under load).
        long started = Stopwatch.GetTimestamp();
        limit.CancelAfter(bound);
        ValueTask<int> running;
        try { running = call(limit.Token); }
        catch (Exception e) { running = ValueTask.FromException<int>(e); }
        long returned = Stopwatch.GetTimestamp();
        bool waited = !running.IsCompleted;
        CallWatch? watch = null;
        if (waited && waitsOn is not null)
        {
            Task<int> pending = running.AsTask();
            running = new ValueTask<int>(pending);
            watch = CallWatch.Start(waitsOn, until, started + (long)(bound * (Stopwatch.Frequency / 1000.0)), pending);
        }
        try
        {
            int moved = await running.ConfigureAwait(false);
            observation.Result = isReceive && moved == 0 ? Results.EndOfStream : Results.Success;
            if (moved >= 0) observation.Bytes = moved;
        }
        catch (SocketException ex)
        {
            FillError(observation, ex);
        }
        catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
        {
            observation.Result = Results.TimedOut;
            observation.Note = $"no answer within our own bound of {bound} ms; the kernel returned nothing";
        }
        finally
        {
            watch?.Dispose();
        }
        long ended = waited ? Stopwatch.GetTimestamp() : returned;
        if (watch is not null)
        {
            long seen = observation.Result == Results.TimedOut ? watch.DeadlineAt : watch.ReadyAt;
            if (seen != 0) ended = Math.Min(ended, seen);
        }
        observation.AtMs = MsSinceStart(started);
        observation.ElapsedMs = Stopwatch.GetElapsedTime(started, Math.Max(started, ended)).TotalMilliseconds;
        if (stateOf is not null) observation.TcpState = TcpInfo.StateOf(stateOf);
        if (TracksPorts && stateOf is not null) Own(stateOf);
        return observation;
    }

    /// <summary>Fill the observed error fields from a real SocketException.</summary>
    public static void FillError(Observation observation, SocketException ex)
    {
        var failure = SocketFailure.Of(ex);
        observation.Result = Results.Error;
        (observation.SocketError, observation.Errno, observation.ErrnoName, observation.Message) =
            (failure.Error.ToString(), failure.Errno, failure.ErrnoName, failure.Message);
    }

    /// <summary>
    /// Stamp scenario, platform, start time and (for a socket call only) the expectation for this
    /// step, then pass the observation on. Rows that are not socket calls (a fault, a signal, a
    /// process's end, a segment, a counter) never get Expected or Matches.
    /// </summary>
    public Observation Emit(Observation observation)
    {
        observation.Scenario = Scenario.Name;
        observation.AddressFamily = Request.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        observation.Platform = PlatformInfo.Description;
        // A row built by hand (not through MeasureAsync) started ElapsedMs before now. Rows relayed
        // from the lab keep the lab's own clock.
        if (observation.AtMs == 0) observation.AtMs = Math.Max(0, NowMs - (observation.ElapsedMs ?? 0));
        Expectation? expected = Operations.IsSocketCall(observation.Actor, observation.Operation)
            ? Scenario.Expectations.FirstOrDefault(e => e.Step == observation.Step && e.AppliesTo(PlatformInfo.Current, Request))
            : null;
        if (expected is not null && observation.Result != Results.Skipped)
        {
            // A step driven by a kernel timer must also come at the time the request's timers give it.
            TimeWindow? window = expected.WindowFor(Request);
            observation.Expected = expected.Describe(window);
            observation.Matches = expected.Agrees(observation, window);
        }
        Logger.LogDebug("{Scenario} step {Step}: {Actor} {Operation} -> {Result} {ErrnoName} in {Elapsed:F3} ms",
            Scenario.Name, observation.Step, observation.Actor, observation.Operation, observation.Result,
            observation.ErrnoName, observation.ElapsedMs);
        for (int seen = LastStep; observation.Step > seen; seen = LastStep)
            if (Interlocked.CompareExchange(ref _lastStep, observation.Step, seen) == seen) break;
        lock (_holdLock)
        {
            if (_held is not null)
            {
                _held.Add(observation);
                return observation;
            }
        }
        _sink(observation);
        return observation;
    }

    /// <summary>
    /// Keep every row from now on until <see cref="ReleaseRows"/> (capture: segments are known only
    /// at the end, and must come out in time order among the calls).
    /// </summary>
    public void HoldRows()
    {
        lock (_holdLock) _held ??= new List<Observation>();
    }

    /// <summary>
    /// Hand on the held rows sorted by <see cref="Observation.AtMs"/> (stable: rows of one instant keep
    /// their order). A row that is not a socket call and has no step of its own (a segment) takes the
    /// step of the call it happened during. Safe to call twice.
    /// </summary>
    public void ReleaseRows()
    {
        List<Observation>? held;
        lock (_holdLock)
        {
            held = _held;
            _held = null;
        }
        if (held is null) return;
        int step = 0;
        foreach (Observation o in held.OrderBy(o => o.AtMs))
        {
            if (o.Step == 0 && o.Actor is Actors.Wire or Actors.Kernel) o.Step = step;
            else if (o.Actor != Actors.Wire && o.Actor != Actors.Kernel) step = o.Step;
            _sink(o);
        }
    }

    /// <summary>
    /// The ports of this run's own sockets (capture keeps only their flows, so runs side by side never
    /// mix). Sockets handed to <see cref="CallAsync"/> as stateOf are the client's and are recorded by
    /// themselves; a scenario records others (a UDP client, a listener) with <see cref="Own(Socket, bool)"/>.
    /// </summary>
    public void Own(Socket socket, bool client = true)
    {
        if (!TracksPorts) return;
        try
        {
            // getsockname: .NET's LocalEndPoint is null after a failed connect, the kernel still knows the port.
            var local = Probe.SocketName.Local(socket) as IPEndPoint;
            if (local is not null)
            {
                _ports.AddOrUpdate((socket.ProtocolType, local.Port), client, (_, was) => was || client);
                _families.TryAdd(FamilyOf(local.Address), true);
            }
            if (socket.Connected && socket.RemoteEndPoint is IPEndPoint remote)
            {
                _ports.TryAdd((socket.ProtocolType, remote.Port), false);
                // Where the client port went: its flows to any other port are someone else's (WireRows).
                if (client && local is not null) _peers.TryAdd((socket.ProtocolType, local.Port), remote.Port);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException) { }
    }

    /// <summary>A port this run uses (a target it connects to, a listener): its flows are this run's own.</summary>
    public void Own(ProtocolType protocol, int port)
    {
        if (TracksPorts) _ports.TryAdd((protocol, port), false);
    }

    /// <summary>
    /// The address families of the run's own sockets (an IPv4-mapped address counts as IPv4). Ports
    /// alone do not tell flows apart across families: an IPv4 run beside this one may use the same
    /// port number as one of ours, and -Capture would take its segments for this run's.
    /// </summary>
    public bool UsesFamily(IPAddress address) => _families.IsEmpty || _families.ContainsKey(FamilyOf(address));

    private readonly ConcurrentDictionary<AddressFamily, bool> _families = new();

    private static AddressFamily FamilyOf(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? AddressFamily.InterNetwork : address.AddressFamily;

    /// <summary>The instruments that keep only the run's own flows (-Capture, -Trace) need its ports recorded.</summary>
    private bool TracksPorts => Request.Capture || Request.Trace;

    /// <summary>The run's own ports of one protocol (the lab hands them to the host's -Trace).</summary>
    public int[] OwnedPorts(ProtocolType protocol) => _ports.Keys.Where(k => k.Protocol == protocol).Select(k => k.Port).Distinct().ToArray();

    /// <summary>Is this port one of the run's own (see <see cref="Own(Socket, bool)"/>); is it its client's?</summary>
    public bool Owns(ProtocolType protocol, int port, out bool client) => _ports.TryGetValue((protocol, port), out client);

    /// <summary>The remote port the run's client socket on <paramref name="clientPort"/> was connected to; null when it never was.</summary>
    public int? PeerOf(ProtocolType protocol, int clientPort) => _peers.TryGetValue((protocol, clientPort), out int remote) ? remote : null;

    private readonly ConcurrentDictionary<(ProtocolType Protocol, int Port), int> _peers = new();

    /// <summary>
    /// Report something that happened but is not a socket call (a fault the lab applied, a signal
    /// sent, a process's end): it carries no Expected and no Matches, and an ElapsedMs only when it
    /// really is a span of its own (an idle wait); null otherwise.
    /// </summary>
    public Observation Event(ScenarioStep step, string result, double? elapsedMs, string note, double? atMs = null) =>
        Emit(new Observation
        {
            Step = step.Number, Actor = step.Actor, Operation = step.Operation, Result = result, ElapsedMs = elapsedMs, Note = note,
            AtMs = atMs ?? Math.Max(0, NowMs - (elapsedMs ?? 0)),
        });

    /// <summary>Report that the scenario cannot run here, and why.</summary>
    public Observation Skip(string reason)
    {
        Logger.LogInformation("{Scenario} skipped: {Reason}", Scenario.Name, reason);
        return Emit(new Observation { Step = 1, Actor = "Client", Operation = "Run", Result = Results.Skipped, Note = reason });
    }
}
