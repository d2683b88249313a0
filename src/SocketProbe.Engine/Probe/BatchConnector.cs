using System.Runtime.CompilerServices;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// The poll(2) batch of one lane (<see cref="ConnectBatch"/>): non-blocking connects on raw
/// descriptors, each result read from connect(2)'s errno or SO_ERROR. Owned by the one thread that
/// runs its lane. An attempt our own side failed (a local limit, a self-connect) goes on in the
/// <see cref="SocketConnector"/>, which backs off and retries within what is left of its bound.
/// The methods run per attempt here, in <see cref="ConnectBatch"/> and <see cref="ProbeRound"/> are compiled
/// optimized at their first call (AggressiveOptimization): a sweep is usually its process's only one, and
/// tiering ran its first ~150 ms of a 65,535-port sweep unoptimized, then recompiled (bench/results/prober-sweep.md).
/// </summary>
internal sealed class BatchConnector : IProbeConnector
{
    private readonly ProbeRound _round;
    private readonly SocketConnector _retries;
    private readonly ConnectBatch _batch;
    private readonly ProbeAttempt?[] _inFlight;
    private readonly Stack<int> _free;
    private readonly long _bound;
    private readonly Action<ConnectBatch.Done> _ended, _expired;
    // Throttle slots this lane holds: one per connect in flight, and those kept for the next attempts
    // (a refused loopback connect ends within its own call: one slot serves the whole sweep).
    private int _held;
    private readonly LocalAddressText _localText = new();
    // The reading of the last errno seen: a sweep's refusals share one (no lookups per result).
    private SocketFailure _lastFailure;

    public BatchConnector(ProbeRound round, SocketConnector retries)
    {
        _round = round;
        _retries = retries;
        int capacity = round.Request.ThrottleLimit;
        _batch = new ConnectBatch(capacity);
        _inFlight = new ProbeAttempt?[capacity];
        _free = new Stack<int>(Enumerable.Range(0, capacity).Reverse());
        _bound = (long)(round.Request.TimeoutMs * (double)Stopwatch.Frequency / 1000);
        (_ended, _expired) = (Ended, Expired);
    }

    /// <summary>True where the batch serves: a plain connect sweep on Linux (-ReadMs and binding first take the Socket path).</summary>
    public static bool Serves(ProbeRequest request) =>
        ConnectBatch.Available && request.ReadMs is null && request.SourceAddress is null && request.SourcePort == 0;

    public int Active => _batch.Active;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TakeSlot()
    {
        if (_batch.Active < _held) return true;
        if (!_round.Throttle.Wait(0)) return false;
        _held++;
        return true;
    }

    public void GiveBack()
    {
    }

    public void Trim(int keep = 0)
    {
        int spare = _held - _batch.Active - keep;
        if (spare <= 0) return;
        _held -= spare;
        _round.Throttle.Release(spare);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Start(ProbeAttempt attempt)
    {
        int index = _free.Pop();
        (attempt.Started, attempt.Result.Started) = (Stopwatch.GetTimestamp(), DateTime.UtcNow);
        if (_batch.Start(index, attempt.Endpoint!, attempt.Started + _bound, out var now) >= 0)
        {
            _inFlight[index] = attempt;
        }
        else
        {
            _free.Push(index);
            Finish(attempt, now, expired: false);
        }
    }

    public void Wait(int waitMs) => _batch.Wait(waitMs, Stopwatch.GetTimestamp(), _ended, _expired);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Ended(ConnectBatch.Done done) => Finish(Take(done), done, expired: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Expired(ConnectBatch.Done done) => Finish(Take(done), done, expired: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ProbeAttempt Take(ConnectBatch.Done done)
    {
        ProbeAttempt attempt = _inFlight[done.Slot]!;
        _inFlight[done.Slot] = null;
        _free.Push(done.Slot);
        return attempt;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish(ProbeAttempt attempt, ConnectBatch.Done done, bool expired)
    {
        ProbeResult result = attempt.Result;
        result.ConnectMs = Stopwatch.GetElapsedTime(attempt.Started, done.At).TotalMilliseconds;
        Span<byte> address = stackalloc byte[16];
        int port = 0;
        uint scope = 0;
        int length = done.Fd >= 0 ? ConnectBatch.LocalName(done.Fd, address, out port, out scope) : 0;
        // A connect the kernel failed left a closed socket: nothing to read or reset before close(2).
        ProbeClose.Fd(done.Fd, _round.Request.Abort, mayBeConnected: expired || done.Errno == 0);
        if (length > 0) (result.LocalAddress, result.LocalPort) = (_localText.Of(address[..length], scope), port);
        if (expired) ProbeClassifier.TimedOut(result, _round.Request.TimeoutMs);
        else if (done.Errno == 0)
            ProbeClassifier.Connected(result, attempt.Endpoint!, length > 0 ? new IPEndPoint(ConnectBatch.AddressOf(address[..length], scope), port) : null);
        else ProbeClassifier.Failed(result, FailureOf(done.Errno));
        if (result.Kind == ProbeOutcome.LocalError)
        {
            // Our own side failed, not the target: the Socket path backs off and retries, and takes
            // over this attempt's throttle slot (and gives it back when it ends).
            _held--;
            _retries.Start(attempt, new SocketConnector.Carried(1, result.Reason == ProbeClassifier.SelfConnect ? 1 : 0));
            return;
        }
        _round.Finished(attempt);
    }

    private SocketFailure FailureOf(int errno)
    {
        if (_lastFailure.Errno != errno || _lastFailure.Message is null) _lastFailure = SocketFailure.OfErrno(errno);
        return _lastFailure;
    }

    /// <summary>Closes whatever is still in flight and gives back every throttle slot this lane holds.</summary>
    public void Dispose()
    {
        Array.Clear(_inFlight);
        _batch.Dispose();
        if (_held > 0) _round.Throttle.Release(_held);
        _held = 0;
    }
}
