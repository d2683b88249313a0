namespace SocketProbe.Engine.Counters;

/// <summary>
/// The kernel's TCP/IP counters read at one moment, in the order the kernel lists them, under
/// nstat's names (TcpOutRsts, TcpExtListenOverflows, Ip6InReceives ...).
/// </summary>
public sealed class CounterSnapshot
{
    private readonly Dictionary<string, long> _byName;

    public CounterSnapshot(IReadOnlyList<KeyValuePair<string, long>> values, DateTime timestamp, string source)
    {
        Values = values;
        Timestamp = timestamp;
        Source = source;
        _byName = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values) _byName[name] = value;
    }

    /// <summary>Every counter, kernel order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Values { get; }

    /// <summary>When it was read (local time, as Get-Date shows it).</summary>
    public DateTime Timestamp { get; }

    /// <summary>Where the figures came from: files and network namespace, or the API called.</summary>
    public string Source { get; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The counter's value; 0 for one this snapshot does not list (IcmpMsg columns appear once a type is first seen).</summary>
    public long this[string name] => _byName.TryGetValue(name, out long v) ? v : 0;

    /// <summary>
    /// What moved from <paramref name="before"/> to this snapshot, in kernel order: counters only
    /// grow, so a negative figure means the counter wrapped (32-bit on some platforms) and is reported as it is.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, long>> Since(CounterSnapshot before) =>
        Values.Select(v => new KeyValuePair<string, long>(v.Key, v.Value - before[v.Key]))
              .Where(d => d.Value != 0).ToList();
}

/// <summary>The counters cannot be read on this platform (or in this sandbox).</summary>
public sealed class CountersUnavailableException : Exception
{
    public CountersUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
