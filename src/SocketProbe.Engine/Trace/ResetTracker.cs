namespace SocketProbe.Engine.Trace;

/// <summary>
/// Turns trace lines into <see cref="TcpResetEvent"/>s with their verdicts. A received RST is held
/// briefly (<see cref="HoldSeconds"/> of the kernel's clock) for a Sent of the same flow that another
/// CPU's ring may hand over later; with none, this host never sent it: the peer or a path between.
/// Pure logic over lines: no files, so it is tested with lines as the kernel prints them.
/// </summary>
public sealed class ResetTracker
{
    /// <summary>How long a received RST waits for this host's matching send, on the kernel's clock.</summary>
    public const double HoldSeconds = 0.1;
    /// <summary>How far back a send is looked for (a received RST answers a send within one loopback trip, a lab's few ms).</summary>
    private const double PairSeconds = 1.0;

    private readonly bool _hasReason;
    private readonly bool _includeDrops;
    private readonly DateTime _anchorUtc = DateTime.UtcNow;
    private readonly double _anchorSeconds = Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    private readonly LinkedList<TcpResetEvent> _recentSent = new();
    private readonly List<TcpResetEvent> _held = new();
    private double _latestSeconds;

    public ResetTracker(bool hasReason, bool includeDrops)
    {
        _hasReason = hasReason;
        _includeDrops = includeDrops;
    }

    /// <summary>Events ready to hand on after this line (none, the line's own, or held ones it settles).</summary>
    public void Feed(TraceLine line, List<TcpResetEvent> ready)
    {
        _latestSeconds = Math.Max(_latestSeconds, line.Seconds);
        switch (line.Event)
        {
            case "tcp_send_reset":
                TcpResetEvent sent = Sent(line);
                Remember(sent);
                ready.Add(sent);
                SettleHeldBy(sent, ready);
                break;
            case "tcp_receive_reset":
                TcpResetEvent received = Received(line);
                if (FindSent(received) is TcpResetEvent mine) MarkSentHere(received, mine);
                else
                {
                    _held.Add(received);
                    break;
                }
                ready.Add(received);
                break;
            case "kfree_skb" when _includeDrops:
                if (Dropped(line) is TcpResetEvent drop) ready.Add(drop);
                break;
        }
        Release(_latestSeconds, ready);
    }

    /// <summary>Release held received RSTs older than the hold at <paramref name="nowSeconds"/> (the kernel's clock; null: now).</summary>
    public void Release(double? nowSeconds, List<TcpResetEvent> ready)
    {
        double now = nowSeconds ?? Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        for (int i = 0; i < _held.Count; i++)
        {
            if (now - _held[i].MonotonicSeconds < HoldSeconds) continue;
            MarkNotSentHere(_held[i]);
            ready.Add(_held[i]);
            _held.RemoveAt(i--);
        }
    }

    /// <summary>Hand on everything still held (the watch is ending).</summary>
    public void ReleaseAll(List<TcpResetEvent> ready) => Release(double.MaxValue, ready);

    private TcpResetEvent Sent(TraceLine line)
    {
        IPEndPoint? local = line.TryField("src", out var src) ? TraceLine.Endpoint(src) : null;
        IPEndPoint? remote = line.TryField("dest", out var dest) ? TraceLine.Endpoint(dest) : null;
        string? reason = _hasReason ? line.Field("reason") : null;
        ResetReasons.ReasonInfo info = ResetReasons.Describe(reason);
        var e = Base(line, "Sent", local, remote);
        e.State = line.TryField("state", out var state) ? States.Of(state) : null;
        e.Reason = reason;
        e.ReasonText = info.Words;
        e.Skb = line.Field("skbaddr");
        e.SocketAddress = line.Field("skaddr");
        (e.Verdict, e.VerdictText) = info.Cause switch
        {
            ResetCause.Application => (ResetVerdicts.Application, $"this host's application caused it: {info.Words}"),
            ResetCause.NoSocket => (ResetVerdicts.NoSocket, "this host's kernel had no socket for the segment: a closed port, or state lost (a restart, a conntrack or NAT loss on the way)"),
            ResetCause.Kernel => (ResetVerdicts.Kernel, $"this host's kernel sent it by a TCP rule or timer: {info.Words}"),
            _ => (ResetVerdicts.Unknown, "sent by this host; this kernel gives no reason (tcp_send_reset has no reason field before Linux 6.10)"),
        };
        if (!line.InProcessContext) e.Note = $"sent in softirq (while {line.Task}-{line.Pid} ran)";
        return e;
    }

    private TcpResetEvent Received(TraceLine line)
    {
        bool v6 = line.TryField("family", out var family) && family.SequenceEqual("AF_INET6");
        IPEndPoint? local = EndpointOf(line, v6 ? "saddrv6" : "saddr", "sport");
        IPEndPoint? remote = EndpointOf(line, v6 ? "daddrv6" : "daddr", "dport");
        return Base(line, "Received", local, remote);
    }

    private static IPEndPoint? EndpointOf(TraceLine line, string address, string port) =>
        line.TryField(address, out var a) && IPAddress.TryParse(a, out IPAddress? ip) && line.TryField(port, out var p) && int.TryParse(p, out int n)
            ? new IPEndPoint(ip, n) : null;

    /// <summary>"TCP_ESTABLISHED" as "ESTABLISHED": the few state names, made once.</summary>
    private static class States
    {
        private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal);

        public static string Of(ReadOnlySpan<char> printed)
        {
            ReadOnlySpan<char> name = printed.StartsWith("TCP_", StringComparison.Ordinal) ? printed[4..] : printed;
            lock (Known)
            {
                foreach (var (key, value) in Known) if (name.SequenceEqual(key)) return value;
                string made = name.ToString();
                if (Known.Count < 32) Known[made] = made;
                return made;
            }
        }
    }

    private TcpResetEvent? Dropped(TraceLine line)
    {
        string reason = line.Field("reason") ?? "NOT_SPECIFIED";
        if (ResetReasons.IsRoutineDrop(reason)) return null;
        var e = Base(line, "Dropped", null, null);
        e.Reason = reason;
        e.ReasonText = ResetReasons.DescribeDrop(reason);
        e.Location = line.Field("location");
        e.Skb = line.Field("skbaddr");
        e.Verdict = ResetVerdicts.Dropped;
        e.VerdictText = $"this host's kernel dropped a packet: {e.ReasonText}";
        // kfree_skb carries no addresses: the flow is known only when the same skb just drew an RST here,
        // or when the socket it was for (rx_sk, set once the kernel found one) sent an RST here. No other
        // event prints a socket's address in text (inet_sock_set_state and tcp_receive_reset do not).
        TcpResetEvent? sameSkb = _recentSent.LastOrDefault(s => s.Skb == e.Skb && e.MonotonicSeconds - s.MonotonicSeconds < 0.01);
        string? rxSocket = line.Field("rx_sk");
        TcpResetEvent? sameSocket = sameSkb is null && rxSocket is not null && rxSocket.Trim('0').Length > 0
            ? _recentSent.LastOrDefault(s => s.SocketAddress == rxSocket) : null;
        if ((sameSkb ?? sameSocket) is TcpResetEvent flow)
        {
            (e.LocalAddress, e.LocalPort, e.RemoteAddress, e.RemotePort) = (flow.LocalAddress, flow.LocalPort, flow.RemoteAddress, flow.RemotePort);
            e.Note = sameSkb is not null ? "the segment that drew the RST sent at the same moment" : "for the socket that sent an RST here";
        }
        else if (e.Location?.StartsWith("tcp", StringComparison.Ordinal) != true)
            e.Note = "kfree_skb gives no addresses or protocol above IP: not necessarily TCP";
        return e;
    }

    private TcpResetEvent Base(TraceLine line, string direction, IPEndPoint? local, IPEndPoint? remote) => new()
    {
        TimeUtc = _anchorUtc.AddSeconds(line.Seconds - _anchorSeconds),
        MonotonicSeconds = line.Seconds,
        Direction = direction,
        LocalAddress = Unmapped(local?.Address)?.ToString(),
        LocalPort = local?.Port,
        RemoteAddress = Unmapped(remote?.Address)?.ToString(),
        RemotePort = remote?.Port,
        Cpu = line.Cpu,
        Process = line.InProcessContext ? line.Task : null,
        ProcessId = line.InProcessContext ? line.Pid : null,
    };

    private static IPAddress? Unmapped(IPAddress? a) => a is not null && a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private void Remember(TcpResetEvent sent)
    {
        _recentSent.AddLast(sent);
        while (_recentSent.First is { } first && sent.MonotonicSeconds - first.Value.MonotonicSeconds > PairSeconds) _recentSent.RemoveFirst();
    }

    /// <summary>
    /// Is <paramref name="received"/> the RST <paramref name="sent"/> sent? A reset sent for a listener
    /// (an embryonic connection's, e.g. an accept queue overflow) carries the listener's own wildcard
    /// remote end (0.0.0.0:0): it matches any remote then.
    /// </summary>
    private static bool Reverses(TcpResetEvent sent, TcpResetEvent received) =>
        sent.LocalPort == received.RemotePort && sent.LocalAddress == received.RemoteAddress &&
        (IsWildcard(sent) || (sent.RemotePort == received.LocalPort && sent.RemoteAddress == received.LocalAddress));

    private static bool IsWildcard(TcpResetEvent sent) => sent.RemotePort == 0 && sent.RemoteAddress is "0.0.0.0" or "::";

    private TcpResetEvent? FindSent(TcpResetEvent received)
    {
        for (var node = _recentSent.Last; node is not null; node = node.Previous)
        {
            if (Math.Abs(received.MonotonicSeconds - node.Value.MonotonicSeconds) <= PairSeconds && Reverses(node.Value, received)) return node.Value;
        }
        return null;
    }

    private void SettleHeldBy(TcpResetEvent sent, List<TcpResetEvent> ready)
    {
        for (int i = 0; i < _held.Count; i++)
        {
            if (!Reverses(sent, _held[i])) continue;
            MarkSentHere(_held[i], sent);
            ready.Add(_held[i]);
            _held.RemoveAt(i--);
        }
    }

    private static void MarkSentHere(TcpResetEvent received, TcpResetEvent sent)
    {
        received.Reason = sent.Reason;
        received.ReasonText = sent.ReasonText;
        received.State = sent.State;
        received.Verdict = ResetVerdicts.SentHere;
        received.VerdictText = $"sent by this host itself ({sent.Verdict}: {sent.ReasonText})";
    }

    private static void MarkNotSentHere(TcpResetEvent received)
    {
        received.Verdict = ResetVerdicts.NotSentHere;
        received.VerdictText = "received, never sent by this host: the peer or a middlebox between sent it";
    }
}
