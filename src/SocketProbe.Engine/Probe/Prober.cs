using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// Probes real targets: per round, resolves every target, then connects every (target, port,
/// address) under one SemaphoreSlim(ThrottleLimit), each connect bounded by TimeoutMs. One ordered
/// scheduler (<see cref="ProbeRound"/>) makes the attempts in output order as the window allows
/// (never all up front), so memory stays flat in ports x rounds x targets, and hands them to a
/// connector: on Linux a plain connect sweep runs as non-blocking connects in poll(2) batches
/// (<see cref="BatchConnector"/>, a second lane on a second thread for a large sweep when a core is spare), anything else through
/// Socket.ConnectAsync (<see cref="SocketConnector"/>).
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
            var round = new ProbeRound(request, sequence, throttle, lookup, logger, token);
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
}
