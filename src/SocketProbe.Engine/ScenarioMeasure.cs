using System.Diagnostics;
using System.Net.Sockets;

namespace SocketProbe.Engine;

/// <summary>
/// <see cref="ScenarioContext.CallAsync"/> without the emit: the same timing, bound and error
/// mapping, but the observation comes back to the scenario first, so it can add a Note computed
/// from the call (the bytes a receive returned, the buffer sizes after a send) and then hand it to
/// <see cref="ScenarioContext.Emit"/>. (Could fold into CallAsync as an optional note callback.)
/// </summary>
public static class ScenarioMeasure
{
    public static async Task<Observation> MeasureAsync(this ScenarioContext context, int step, string actor, string operation,
        Func<CancellationToken, ValueTask<int>> call, Socket? stateOf = null, int? boundMs = null, bool isReceive = false)
    {
        var observation = new Observation { Step = step, Actor = actor, Operation = operation };
        int bound = boundMs ?? context.Request.CallTimeoutMs;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
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
            ScenarioContext.FillError(observation, ex);
        }
        catch (OperationCanceledException) when (!context.Cancellation.IsCancellationRequested)
        {
            clock.Stop();
            observation.Result = Results.TimedOut;
            observation.Note = $"no answer within our own bound of {bound} ms; the kernel returned nothing";
        }
        observation.ElapsedMs = clock.Elapsed.TotalMilliseconds;
        if (stateOf is not null) observation.TcpState = TcpInfo.StateOf(stateOf);
        return observation;
    }

    /// <summary>Append a sentence to an observation's Note (keeps a TimedOut note that is already there).</summary>
    public static Observation WithNote(this Observation observation, string? note)
    {
        if (!string.IsNullOrEmpty(note))
            observation.Note = string.IsNullOrEmpty(observation.Note) ? note : $"{observation.Note}; {note}";
        return observation;
    }
}
