using System.Collections.Concurrent;
using System.Management.Automation;

namespace SocketProbe;

/// <summary>
/// Hands results, log lines, progress and errors from engine threads to the pipeline thread,
/// which is the only thread PowerShell lets write to its streams.
/// </summary>
internal sealed class OutputQueue : IDisposable
{
    private readonly BlockingCollection<object> _items = new();

    public void Add(object item)
    {
        // After completion (stop, or the work is done) late log lines are dropped, not thrown.
        try { _items.Add(item); }
        catch (InvalidOperationException) { }
    }

    public void Complete() => _items.CompleteAdding();

    public IEnumerable<object> Drain() => _items.GetConsumingEnumerable();

    public void Dispose() => _items.Dispose();
}

internal sealed record ProgressItem(ProgressRecord Record);
internal sealed record ErrorItem(ErrorRecord Record);
/// <summary>Data for the information stream (e.g. timings), apart from the output objects.</summary>
internal sealed record InformationItem(object Data, string[] Tags);
