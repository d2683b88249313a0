using System.Runtime.ExceptionServices;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// One attempt of a round, in output order: the scheduler makes it, a connector runs it, and the
/// scheduler hands its result on once it and every attempt before it are done.
/// </summary>
internal sealed class ProbeAttempt
{
    public ProbeAttempt(ProbeResult result, IPEndPoint? endpoint)
    {
        Result = result;
        Endpoint = endpoint;
    }

    public ProbeResult Result { get; }

    /// <summary>Where it connects; null for a result that needs no connect (a name that did not resolve).</summary>
    public IPEndPoint? Endpoint { get; }

    /// <summary>Stopwatch timestamp of its start (the first try's, across retries).</summary>
    public long Started { get; set; }

    /// <summary>The Socket path's task, so a round that stops can wait for it.</summary>
    public Task? Running { get; set; }

    /// <summary>What stopped it other than an answer (cancellation): thrown when its turn comes.</summary>
    public ExceptionDispatchInfo? Error { get; set; }

    private int _done;

    public bool Done => Volatile.Read(ref _done) != 0;

    /// <summary>Its result is final: it may be handed on (from any thread). A full fence: see <see cref="ProbeRound.Finished"/>.</summary>
    public void Complete() => Interlocked.Exchange(ref _done, 1);
}

/// <summary>
/// How a round's attempts reach the network: the poll(2) batch (<see cref="BatchConnector"/>) or
/// Socket.ConnectAsync (<see cref="SocketConnector"/>). The scheduler takes a throttle slot for each
/// attempt it starts (<see cref="TakeSlot"/>); the connector gives it back (or keeps it for its next
/// attempt) and calls <see cref="ProbeRound.Finished"/>.
/// </summary>
internal interface IProbeConnector : IDisposable
{
    /// <summary>A throttle slot for one more attempt, without waiting; false when none is free.</summary>
    bool TakeSlot();

    /// <summary>Give back a slot taken for an attempt that did not start.</summary>
    void GiveBack();

    /// <summary>Give back the slots held for attempts not in flight, but <paramref name="keep"/> (0: the lane goes idle; 1: another lane needs slots too).</summary>
    void Trim(int keep = 0);

    /// <summary>Begin the attempt; it ends now or later, on this lane's thread or the pool's.</summary>
    void Start(ProbeAttempt attempt);

    /// <summary>Attempts of this connector in flight.</summary>
    int Active { get; }

    /// <summary>Wait up to <paramref name="waitMs"/> for an attempt in flight to end.</summary>
    void Wait(int waitMs);
}
