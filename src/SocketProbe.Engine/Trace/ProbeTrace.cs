namespace SocketProbe.Engine.Trace;

/// <summary>
/// -Trace for the probes (Test-TcpEndpoint, Watch-TcpConnection, Find-TcpIdleTimeout): a lease on the
/// shared tracing instance for the whole run; after each attempt, whether the RST its flow met was
/// sent by this host's own TCP (loopback, a namespace or container of this host) and the kernel's
/// reason, or came from elsewhere (the peer, a middlebox). Nothing is claimed when the kernel showed
/// no RST on the flow. Events are taken as they come and kept <see cref="KeepSeconds"/>, so a long
/// watch holds no more than that.
/// </summary>
public sealed class ProbeTrace : IDisposable
{
    private const double KeepSeconds = 10;
    private readonly SharedHub<TraceHub.Instance, TcpResetEvent, double>.Lease? _lease;
    private readonly List<TcpResetEvent> _received = new();
    private readonly object _lock = new();

    private ProbeTrace(SharedHub<TraceHub.Instance, TcpResetEvent, double>.Lease? lease, string? unavailable)
    {
        _lease = lease;
        Unavailable = unavailable;
    }

    /// <summary>Why the kernel's account is not read (not root, no tracefs, no tcp_send_reset); null when it is.</summary>
    public string? Unavailable { get; }

    public static ProbeTrace Start()
    {
        try { return new ProbeTrace(TraceHub.Acquire(), null); }
        catch (Exception e) when (e is TraceUnavailableException or IOException or UnauthorizedAccessException) { return new ProbeTrace(null, e.Message); }
    }

    /// <summary>Fill <paramref name="result"/>'s kernel fields from the RST received on its flow (local endpoint to target); nothing without one.</summary>
    public void Annotate(Wire.IWireFields result, IPEndPoint? local, IPEndPoint target)
    {
        if (_lease is null || local is null) return;
        string targetAddress = (target.Address.IsIPv4MappedToIPv6 ? target.Address.MapToIPv4() : target.Address).ToString();
        lock (_lock)
        {
            // Settled now: the send of an RST this host made is read before the receive it caused.
            foreach (TcpResetEvent e in _lease.TakeNew(settle: true))
                if (e.Direction == "Received") _received.Add(e);
            double newest = _received.Count == 0 ? 0 : _received.Max(e => e.MonotonicSeconds);
            _received.RemoveAll(e => newest - e.MonotonicSeconds > KeepSeconds);
            // The latest on the flow: local ports are reused, an older one was an earlier connection's.
            int at = _received.FindLastIndex(e => e.LocalPort == local.Port && e.RemotePort == target.Port && e.RemoteAddress == targetAddress);
            if (at < 0) return;
            TcpResetEvent rst = _received[at];
            _received.RemoveAt(at);
            result.ResetSentByThisHost = rst.Verdict == ResetVerdicts.SentHere;
            result.ResetKernelReason = rst.Verdict == ResetVerdicts.SentHere ? rst.Reason : null;
        }
    }

    public void Dispose() => _lease?.Dispose();
}
