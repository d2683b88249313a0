using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
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
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ScenarioContext(Scenario scenario, ScenarioRequest request, Action<Observation> sink, ILogger logger, CancellationToken cancellation)
    {
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
    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    private int _lastStep;

    /// <summary>The highest Step emitted so far (0 before the first row): instruments number their row after it.</summary>
    public int LastStep => Volatile.Read(ref _lastStep);

    /// <summary>
    /// Run one socket call, timed alone, bounded by <paramref name="boundMs"/> (default: the request's
    /// call timeout). The call returns the bytes it moved (or -1 when it moves none).
    /// A receive that returns 0 is EndOfStream; a SocketException becomes Error with its codes;
    /// our own bound running out is TimedOut with no errno, since the kernel said nothing.
    /// </summary>
    public async Task<Observation> CallAsync(int step, string actor, string operation,
        Func<CancellationToken, ValueTask<int>> call, Socket? stateOf = null, int? boundMs = null, bool isReceive = false) =>
        Emit(await MeasureAsync(step, actor, operation, call, stateOf, boundMs, isReceive).ConfigureAwait(false));

    /// <summary>
    /// <see cref="CallAsync"/> without the emit: the observation comes back first, so a scenario can
    /// add a Note worked out from the call's result before it hands it to <see cref="Emit"/>.
    /// </summary>
    public async Task<Observation> MeasureAsync(int step, string actor, string operation,
        Func<CancellationToken, ValueTask<int>> call, Socket? stateOf = null, int? boundMs = null, bool isReceive = false)
    {
        var observation = new Observation { Step = step, Actor = actor, Operation = operation, AtMs = NowMs };
        int bound = boundMs ?? Request.CallTimeoutMs;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        limit.CancelAfter(bound);
        var clock = Stopwatch.StartNew();
        try
        {
            int moved = await call(limit.Token).ConfigureAwait(false);
            clock.Stop();
            observation.Result = isReceive && moved == 0 ? Results.EndOfStream : Results.Success;
            if (moved >= 0) observation.Bytes = moved;
        }
        catch (SocketException ex)
        {
            clock.Stop();
            FillError(observation, ex);
        }
        catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
        {
            clock.Stop();
            observation.Result = Results.TimedOut;
            observation.Note = $"no answer within our own bound of {bound} ms; the kernel returned nothing";
        }
        observation.ElapsedMs = clock.Elapsed.TotalMilliseconds;
        if (stateOf is not null) observation.TcpState = TcpInfo.StateOf(stateOf);
        return observation;
    }

    /// <summary>Fill the observed error fields from a real SocketException.</summary>
    public static void FillError(Observation observation, SocketException ex)
    {
        observation.Result = Results.Error;
        observation.SocketError = ex.SocketErrorCode.ToString();
        // On Unix .NET rebuilds the errno from SocketError (SocketErrorPal.Unix.cs); on Windows it is the WSA code.
        observation.Errno = ex.NativeErrorCode;
        observation.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, ex.NativeErrorCode);
        observation.Message = ex.Message;
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
        if (observation.AtMs == 0) observation.AtMs = Math.Max(0, NowMs - observation.ElapsedMs);
        Expectation? expected = Operations.IsSocketCall(observation.Actor, observation.Operation)
            ? Scenario.Expectations.FirstOrDefault(e =>
                e.Platform == PlatformInfo.Current && e.Step == observation.Step &&
                (e.When is null || e.When == Request.ClientAction.ToString()))
            : null;
        if (expected is not null && observation.Result != Results.Skipped)
        {
            observation.Expected = expected.Describe();
            observation.Matches = expected.Agrees(observation);
        }
        Logger.LogDebug("{Scenario} step {Step}: {Actor} {Operation} -> {Result} {ErrnoName} in {Elapsed:F3} ms",
            Scenario.Name, observation.Step, observation.Actor, observation.Operation, observation.Result,
            observation.ErrnoName, observation.ElapsedMs);
        for (int seen = LastStep; observation.Step > seen; seen = LastStep)
            if (Interlocked.CompareExchange(ref _lastStep, observation.Step, seen) == seen) break;
        _sink(observation);
        return observation;
    }

    /// <summary>
    /// Report something that happened but is not a socket call (a fault the lab applied, a signal
    /// sent, a process's end): it carries no Expected and no Matches.
    /// </summary>
    public Observation Event(int step, string actor, string operation, string result, double elapsedMs, string note, double? atMs = null) =>
        Emit(new Observation
        {
            Step = step, Actor = actor, Operation = operation, Result = result, ElapsedMs = elapsedMs, Note = note,
            AtMs = atMs ?? Math.Max(0, NowMs - elapsedMs),
        });

    /// <summary>Report that the scenario cannot run here, and why.</summary>
    public Observation Skip(string reason)
    {
        Logger.LogInformation("{Scenario} skipped: {Reason}", Scenario.Name, reason);
        return Emit(new Observation { Step = 1, Actor = "Client", Operation = "Run", Result = Results.Skipped, Note = reason });
    }
}
