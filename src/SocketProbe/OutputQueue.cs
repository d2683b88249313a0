using System.Collections.Concurrent;

namespace SocketProbe;

/// <summary>
/// Hands results, log lines, progress and errors from engine threads to the pipeline thread,
/// which is the only thread PowerShell lets write to its streams. Bounded: when the consumer
/// pauses (a slow downstream command, a paused terminal), engine threads wait in <see cref="Add"/>
/// instead of piling results up in memory. A blocked Add ends when the token is cancelled
/// (StopProcessing) or the queue is completed, so neither can deadlock the engine.
/// </summary>
internal sealed class OutputQueue : IDisposable
{
    /// <summary>Items that may wait for the pipeline thread; beyond that, producers wait.</summary>
    public const int DefaultCapacity = 1024;

    private readonly BlockingCollection<object> _items;
    private readonly CancellationToken _token;
    private int _highWater;

    public OutputQueue(CancellationToken token = default, int capacity = DefaultCapacity)
    {
        _items = new BlockingCollection<object>(capacity);
        _token = token;
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>The most items that ever waited at once (for tests: the bound holds).</summary>
    public int HighWaterMark => Volatile.Read(ref _highWater);

    /// <summary>The high-water mark of the last queue disposed in this process (a test hook).</summary>
    public static int LastHighWaterMark { get; private set; }

    public void Add(object item)
    {
        // After completion (stop, or the work is done) or cancellation, late items are dropped, not thrown.
        try { _items.Add(item, _token); }
        catch (InvalidOperationException) { return; }
        catch (OperationCanceledException) { return; }
        int count = _items.Count;
        int seen;
        while (count > (seen = Volatile.Read(ref _highWater)) && Interlocked.CompareExchange(ref _highWater, count, seen) != seen) { }
    }

    public void Complete() => _items.CompleteAdding();

    public IEnumerable<object> Drain() => _items.GetConsumingEnumerable();

    public void Dispose()
    {
        LastHighWaterMark = HighWaterMark;
        _items.Dispose();
    }
}

internal sealed record ProgressItem(ProgressRecord Record);
internal sealed record ErrorItem(ErrorRecord Record);
internal sealed record WarningItem(string Message);
/// <summary>Data for the information stream (e.g. timings), apart from the output objects.</summary>
internal sealed record InformationItem(object Data, string[] Tags);
