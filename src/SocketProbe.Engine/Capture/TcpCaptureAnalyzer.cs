using SocketProbe.Engine.Wire;

namespace SocketProbe.Engine.Capture;

/// <summary>What Read-TcpCapture asks of one file.</summary>
public sealed class TcpCaptureOptions
{
    /// <summary>Keep each connection's segments and report them as Wire rows (memory then grows with the file).</summary>
    public bool Detailed { get; init; }
    /// <summary>Only connections with an endpoint that matches one of these (none: every connection).</summary>
    public IReadOnlyList<EndpointFilter> Filters { get; init; } = Array.Empty<EndpointFilter>();
    /// <summary>Called now and then with the bytes of the file read so far.</summary>
    public Action<long>? Progress { get; init; }
}

/// <summary>
/// Streams a capture file into per-connection records. Connections live in one table while open;
/// one that has ended (both FINs, or a RST) is reported once the capture has gone on
/// <see cref="LingerSeconds"/> without it (so its trailing ACKs and RSTs are counted) or when its
/// 4-tuple opens a new connection; an unanswered attempt after <see cref="UnansweredSeconds"/>, any
/// other after <see cref="InactivitySeconds"/> of silence, as Zeek expires inactive connections (a
/// later packet then starts a new, partial one). Memory therefore follows the connections open at once.
/// </summary>
public sealed class TcpCaptureAnalyzer
{
    /// <summary>Capture time an ended connection waits for stragglers before it is reported.</summary>
    public const double LingerSeconds = 10;
    /// <summary>Capture time after which an attempt nobody answered is reported (its SYN retries are over by then).</summary>
    public const double UnansweredSeconds = 60;
    /// <summary>Capture time without a packet after which an open connection is reported as it stands (Zeek's tcp_inactivity_timeout, 5 min).</summary>
    public const double InactivitySeconds = 300;
    private const int SweepEveryPackets = 1 << 16;

    private readonly string _path;
    private readonly TcpCaptureOptions _options;
    private readonly Action<TcpConnectionRecord> _emit;
    private readonly Dictionary<FlowKey, TcpConnection> _open = new();
    private readonly HashSet<FlowKey> _excluded = new();
    /// <summary>The key each packet is looked up by, set anew per packet (no allocation per packet).</summary>
    private readonly FlowKey _lookup = new FlowKey();
    private long _sinceSweep;
    private long _nowNs;

    public TcpCaptureAnalyzer(string path, TcpCaptureOptions options, Action<TcpConnectionRecord> emit)
    {
        _path = path;
        _options = options;
        _emit = emit;
    }

    public long Packets { get; private set; }
    public long TcpPackets { get; private set; }
    public int PeakOpenConnections { get; private set; }

    /// <summary>Read a whole file. A cut or corrupt file: the connections read so far are reported, then <see cref="CaptureFormatException"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Read(string path, TcpCaptureOptions options, Action<TcpConnectionRecord> emit, CancellationToken cancellation)
    {
        var analyzer = new TcpCaptureAnalyzer(path, options, emit);
        using CaptureReader reader = CaptureReader.Open(path);
        try
        {
            while (reader.Next(out CapturedPacket packet))
            {
                analyzer.Add(packet);
                if ((analyzer.Packets & 0x3FFF) == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    options.Progress?.Invoke(reader.Position);
                }
            }
        }
        catch (CaptureFormatException)
        {
            // What was read before the bad record is reported, then the error.
            analyzer.Finish();
            throw;
        }
        analyzer.Finish();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Add(in CapturedPacket packet)
    {
        Packets++;
        _nowNs = packet.UnixNanoseconds;
        ReadOnlySpan<byte> data = packet.Data.Span;
        if (!PacketFields.TryRead(data, out PacketFields p)) return;
        if (p.Protocol != 6)
        {
            TieIcmp(p);
            return;
        }
        TcpPackets++;
        FlowKey key = _lookup;
        key.Set(p.Source, p.SourcePort, p.Destination, p.DestinationPort);
        if (_excluded.Contains(key)) return;
        if (_open.TryGetValue(key, out TcpConnection? connection))
        {
            // The 4-tuple opens anew (a fresh SYN after the old connection ended): report the old one.
            if (connection.Closing && p.Has(Flag.Syn) && !p.Has(Flag.Ack) && !p.Has(Flag.Rst))
            {
                Report(connection);
                _open.Remove(key);
                connection = null;
            }
        }
        if (connection is null)
        {
            key = key.Copy(); // the lookup key is reused: the table keeps a key of the connection's own
            connection = new TcpConnection(key, p, packet.UnixNanoseconds, _options.Detailed);
            if (!Wanted(connection))
            {
                _excluded.Add(key);
                return;
            }
            _open[key] = connection;
            if (_open.Count > PeakOpenConnections) PeakOpenConnections = _open.Count;
        }
        connection.Add(p, packet.UnixNanoseconds, packet.OriginalLength);
        connection.Segments?.Add((packet.UnixNanoseconds, data.ToArray()));
        if (++_sinceSweep >= SweepEveryPackets) Sweep();
    }

    /// <summary>Report every connection still in the table (end of file).</summary>
    public void Finish()
    {
        foreach (TcpConnection connection in _open.Values.OrderBy(c => c.FirstNs)) Report(connection);
        _open.Clear();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Sweep()
    {
        _sinceSweep = 0;
        long ended = _nowNs - (long)(LingerSeconds * 1e9);
        long unanswered = _nowNs - (long)(UnansweredSeconds * 1e9);
        long inactive = _nowNs - (long)(InactivitySeconds * 1e9);
        List<TcpConnection>? done = null;
        foreach (TcpConnection c in _open.Values)
        {
            bool over = c.Closing ? c.LastNs < ended : !c.Resp.Seen ? c.LastNs < unanswered : c.LastNs < inactive;
            if (over) (done ??= new()).Add(c);
        }
        if (done is null) return;
        done.Sort((a, b) => a.FirstNs.CompareTo(b.FirstNs));
        foreach (TcpConnection connection in done)
        {
            _open.Remove(connection.Key);
            Report(connection);
        }
    }

    /// <summary>An ICMP error quoting a tracked connection's segment joins that connection.</summary>
    private void TieIcmp(in PacketFields p)
    {
        if (!p.HasQuote) return;
        FlowKey key = _lookup;
        key.Set(p.QuotedSource, p.QuotedSourcePort, p.QuotedDestination, p.QuotedDestinationPort);
        if (_open.TryGetValue(key, out TcpConnection? connection) && connection.IcmpErrors.Count < 8)
        {
            string description = ConnectionVerdict.IcmpDescription(p);
            if (!connection.IcmpErrors.Contains(description)) connection.IcmpErrors.Add(description);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool Wanted(TcpConnection c)
    {
        if (_options.Filters.Count == 0) return true;
        IPAddress a = PacketFields.Address(c.OrigAddress, c.IsIPv6), b = PacketFields.Address(c.RespAddress, c.IsIPv6);
        return _options.Filters.Any(f => f.Matches(a, c.OrigPort) || f.Matches(b, c.RespPort));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Report(TcpConnection connection)
    {
        TcpConnectionRecord record = ConnectionVerdict.Build(connection, _path);
        if (connection.Segments is { } kept)
        {
            var segments = new List<WireSegment>(kept.Count);
            foreach (var (ns, bytes) in kept)
                if (WireSegment.Decode(bytes, ns) is WireSegment s) segments.Add(s);
            long origin = connection.FirstNs;
            record.Segments = WireRows.Build(segments, null, ns => (ns - origin) / 1e6).ToArray();
        }
        _emit(record);
    }
}

/// <summary>
/// -Filter: "host", "host:port", "[v6]:port", ":port" or a port number alone. A connection matches
/// when either endpoint does.
/// </summary>
public sealed class EndpointFilter
{
    public IPAddress? Address { get; }
    public int? Port { get; }

    private EndpointFilter(IPAddress? address, int? port)
    {
        Address = address;
        Port = port;
    }

    public bool Matches(IPAddress address, int port) =>
        (Address is null || Address.Equals(address)) && (Port is null || Port == port);

    /// <summary>Parse one filter; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static EndpointFilter Parse(string text)
    {
        string t = text.Trim();
        string digits = t.StartsWith(':') && t.Count(ch => ch == ':') == 1 ? t[1..] : t;
        if (digits.All(char.IsAsciiDigit) && int.TryParse(digits, out int portOnly)) return new(null, CheckPort(portOnly, text));
        // address:port when bracketed or with one colon; a bare IPv6 address has two or more.
        if (t.StartsWith('[') || t.Count(ch => ch == ':') == 1)
        {
            if (IPEndPoint.TryParse(t, out IPEndPoint? endPoint))
                return new(endPoint.Address, t.EndsWith(']') ? null : CheckPort(endPoint.Port, text));
        }
        else if (IPAddress.TryParse(t, out IPAddress? bare)) return new(bare, null);
        throw new ArgumentException($"-Filter '{text}' is not an address, address:port, [IPv6]:port or port.");
    }

    private static int CheckPort(int port, string text) =>
        port is >= 1 and <= 65535 ? port : throw new ArgumentException($"-Filter '{text}': port {port} is outside 1-65535.");

    public override string ToString() => Address is null ? $":{Port}" : Port is null ? Address.ToString() : WireSegment.EndPoint(Address, Port);
}
