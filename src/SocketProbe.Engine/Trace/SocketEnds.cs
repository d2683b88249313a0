using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Trace;

/// <summary>
/// One TCP socket as the kernel destroyed it (sock_diag's destroy notification, what `ss -E` shows):
/// its ends and its tcp_info at that moment. Observed, never inferred.
/// </summary>
public sealed record SocketEnd(
    string LocalAddress, int LocalPort, string RemoteAddress, int RemotePort,
    /// <summary>Bytes received and never read by the application (idiag_rqueue: rcv_nxt - copied_seq).</summary>
    int UnreadBytes,
    /// <summary>Bytes written and never acknowledged (idiag_wqueue: write_seq - snd_una).</summary>
    int UnsentBytes,
    /// <summary>tcpi_last_data_recv; null when the socket never received data (tcpi_data_segs_in 0: the value would be the time since the handshake).</summary>
    long? IdleSinceReceiveMs,
    /// <summary>tcpi_total_retrans: segments retransmitted over the socket's life.</summary>
    int Retransmits,
    /// <summary>CLOCK_MONOTONIC seconds when it was read (the destroy came at or before).</summary>
    double ReadSeconds);

/// <summary>
/// A NETLINK_SOCK_DIAG socket joined to SKNLGRP_INET_TCP_DESTROY and SKNLGRP_INET6_TCP_DESTROY:
/// the kernel multicasts one SOCK_DIAG_BY_FAMILY message (struct inet_diag_msg, then rtattrs with
/// INET_DIAG_INFO = struct tcp_info) per TCP socket it frees (net/core/sock.c __sk_free ->
/// sock_diag_broadcast_destroy; net/ipv4/inet_diag.c inet_diag_handler_get_info). The host's
/// network namespace only; no root needed (the netlink family has NL_CFG_F_NONROOT_RECV).
/// Read without blocking, in the watch's own batches.
/// </summary>
public sealed unsafe class SocketEndListener : IDisposable
{
    private const int SOCK_DIAG_BY_FAMILY = 20, NLMSG_HDRLEN = 16, INET_DIAG_MSG_LEN = 72, INET_DIAG_INFO = 2;
    private const int NLMSG_ERROR = 2, NLMSG_OVERRUN = 4;
    private readonly byte[] _buffer = new byte[65536];
    private int _fd;

    /// <summary>Messages the socket's receive buffer had no room for (recv's ENOBUFS: the kernel counts no number, only that some were lost).</summary>
    public int Overflows { get; private set; }

    private SocketEndListener(int fd) => _fd = fd;

    /// <summary>Join the TCP destroy groups; null (and why) where this kernel or process cannot.</summary>
    public static SocketEndListener? TryOpen(out string? whyNot)
    {
        whyNot = null;
        if (!OperatingSystem.IsLinux()) { whyNot = "sock_diag is Linux's"; return null; }
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK_LINUX | Libc.SOCK_CLOEXEC_LINUX, Libc.NETLINK_SOCK_DIAG);
        if (fd < 0) { whyNot = $"socket(AF_NETLINK, NETLINK_SOCK_DIAG) failed with errno {Marshal.GetLastPInvokeError()}"; return null; }
        var address = new Libc.SockaddrNl
        {
            Family = Libc.AF_NETLINK,
            Groups = (1u << (Libc.SKNLGRP_INET_TCP_DESTROY - 1)) | (1u << (Libc.SKNLGRP_INET6_TCP_DESTROY - 1)),
        };
        if (Libc.bind(fd, &address, sizeof(Libc.SockaddrNl)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.close(fd);
            whyNot = $"joining sock_diag's TCP destroy groups failed with errno {errno}" + (errno == Libc.EPERM ? " (not permitted)" : "");
            return null;
        }
        // A busy host frees thousands of sockets a second between two reads: room for them (root may
        // go past net.core.rmem_max; others get what rmem_max allows).
        int size = 8 << 20;
        if (Libc.setsockopt(fd, Libc.SOL_SOCKET_LINUX, Libc.SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
            Libc.setsockopt(fd, Libc.SOL_SOCKET_LINUX, Libc.SO_RCVBUF_LINUX, &size, sizeof(int));
        return new SocketEndListener(fd);
    }

    /// <summary>Every socket end queued since the last read, stamped now.</summary>
    public void Read(List<SocketEnd> ends)
    {
        if (_fd < 0) return;
        double now = Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        for (int i = 0; i < 100_000; i++)
        {
            nint n;
            fixed (byte* b = _buffer) n = Libc.recv(_fd, b, _buffer.Length, Libc.MSG_DONTWAIT_LINUX);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.ENOBUFS_LINUX) { Overflows++; continue; }
                return; // EAGAIN: nothing more queued
            }
            if (n == 0) return;
            ParseDatagram(_buffer.AsSpan(0, (int)n), now, ends);
        }
    }

    /// <summary>One datagram: netlink messages, each a socket's end.</summary>
    public static void ParseDatagram(ReadOnlySpan<byte> datagram, double readSeconds, List<SocketEnd> ends)
    {
        while (datagram.Length >= NLMSG_HDRLEN)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (length < NLMSG_HDRLEN || length > datagram.Length) return;
            if (type == SOCK_DIAG_BY_FAMILY && TryParse(datagram[NLMSG_HDRLEN..length], readSeconds) is SocketEnd end) ends.Add(end);
            else if (type is NLMSG_ERROR or NLMSG_OVERRUN) return;
            datagram = datagram[Math.Min(datagram.Length, Align(length))..];
        }
    }

    private static int Align(int n) => (n + 3) & ~3;

    /// <summary>struct inet_diag_msg (include/uapi/linux/inet_diag.h), then its rtattrs; tcp_info offsets from include/uapi/linux/tcp.h.</summary>
    internal static SocketEnd? TryParse(ReadOnlySpan<byte> payload, double readSeconds)
    {
        if (payload.Length < INET_DIAG_MSG_LEN) return null;
        byte family = payload[0];
        if (family is not (2 or 10)) return null;
        int addressLength = family == 2 ? 4 : 16;
        // inet_diag_sockid at 4: sport, dport (network order), src[4], dst[4] (__be32 each), if, cookie[2].
        int localPort = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
        int remotePort = BinaryPrimitives.ReadUInt16BigEndian(payload[6..]);
        IPAddress local = Unmapped(new IPAddress(payload.Slice(8, addressLength)));
        IPAddress remote = Unmapped(new IPAddress(payload.Slice(24, addressLength)));
        // After the sockid (4 + 48): idiag_expires, idiag_rqueue, idiag_wqueue, idiag_uid, idiag_inode.
        int unread = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[56..]);
        int unsent = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[60..]);
        long? idle = null;
        int retransmits = 0;
        ReadOnlySpan<byte> attributes = payload[INET_DIAG_MSG_LEN..];
        while (attributes.Length >= 4)
        {
            int rtaLength = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            int rtaType = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (rtaLength < 4 || rtaLength > attributes.Length) break;
            if (rtaType == INET_DIAG_INFO)
            {
                ReadOnlySpan<byte> info = attributes[4..rtaLength];
                // tcpi_last_data_recv at 52, tcpi_total_retrans at 100, tcpi_data_segs_in at 152 (Linux 4.6+).
                if (info.Length >= 104) retransmits = (int)BinaryPrimitives.ReadUInt32LittleEndian(info[100..]);
                if (info.Length >= 156 && BinaryPrimitives.ReadUInt32LittleEndian(info[152..]) > 0)
                    idle = BinaryPrimitives.ReadUInt32LittleEndian(info[52..]);
            }
            attributes = attributes[Math.Min(attributes.Length, Align(rtaLength))..];
        }
        return new SocketEnd(local.ToString(), localPort, remote.ToString(), remotePort, unread, unsent, idle, retransmits, readSeconds);
    }

    private static IPAddress Unmapped(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    public void Dispose()
    {
        if (_fd >= 0) Libc.close(_fd);
        _fd = -1;
    }
}

/// <summary>
/// Joins sent RSTs to their sockets' ends: a Sent of a socket that existed (not NO_SOCKET's
/// UNKNOWN, not a TIME_WAIT or request mini-socket, which sock_diag never reports freed) waits up to
/// <see cref="WaitSeconds"/> for the end of the socket with the same four ends read at or after the
/// send; events leave in the order they came. Pure logic: tested with ends and events made by hand.
/// </summary>
public sealed class SocketEndMatcher
{
    /// <summary>How long a Sent waits for its socket's end (a socket the application still holds ends later: the Sent goes without).</summary>
    public const double WaitSeconds = 0.5;
    private const double KeepSeconds = 5;
    private readonly Dictionary<(string, int, string, int), List<SocketEnd>> _ends = new();
    private readonly Queue<TcpResetEvent> _queue = new();
    private readonly Dictionary<TcpResetEvent, double> _waiting = new(ReferenceEqualityComparer.Instance);
    private double _pruned;

    /// <summary>Sent rows still waiting for their socket's end.</summary>
    public int Waiting => _waiting.Count;

    public void AddEnds(List<SocketEnd> ends)
    {
        foreach (SocketEnd end in ends)
        {
            var key = (end.LocalAddress, end.LocalPort, end.RemoteAddress, end.RemotePort);
            if (!_ends.TryGetValue(key, out var list)) _ends[key] = list = new List<SocketEnd>(1);
            list.Add(end);
        }
        ends.Clear();
    }

    /// <summary>Queue <paramref name="events"/> (in order); each Sent of a real socket waits for its end.</summary>
    public void Offer(List<TcpResetEvent> events)
    {
        foreach (TcpResetEvent e in events)
        {
            _queue.Enqueue(e);
            if (e.Direction == "Sent" && e.State is not (null or "UNKNOWN" or "TIME_WAIT" or "NEW_SYN_RECV" or "LISTEN") && e.LocalPort is not null)
                _waiting[e] = e.MonotonicSeconds + WaitSeconds;
        }
        events.Clear();
    }

    /// <summary>Attach the ends that came; hand on, in order, all that wait for nothing any more at <paramref name="nowSeconds"/>.</summary>
    public void Release(double nowSeconds, List<TcpResetEvent> output)
    {
        foreach (TcpResetEvent e in _waiting.Keys.ToList())
        {
            if (FindEnd(e) is SocketEnd end)
            {
                (e.UnreadBytes, e.UnsentBytes, e.IdleSinceReceiveMs, e.Retransmits) = (end.UnreadBytes, end.UnsentBytes, end.IdleSinceReceiveMs, end.Retransmits);
                _waiting.Remove(e);
            }
            else if (nowSeconds >= _waiting[e]) _waiting.Remove(e);
        }
        while (_queue.TryPeek(out TcpResetEvent? head) && !_waiting.ContainsKey(head)) output.Add(_queue.Dequeue());
        Prune(nowSeconds);
    }

    /// <summary>The watch is ending: hand on everything, with what came.</summary>
    public void ReleaseAll(List<TcpResetEvent> output) => Release(double.MaxValue, output);

    private SocketEnd? FindEnd(TcpResetEvent sent)
    {
        if (!_ends.TryGetValue((sent.LocalAddress!, sent.LocalPort!.Value, sent.RemoteAddress!, sent.RemotePort ?? 0), out var list)) return null;
        // The first end read at or after the send: an earlier one was an earlier socket on the same four ends.
        SocketEnd? found = list.FirstOrDefault(end => end.ReadSeconds >= sent.MonotonicSeconds);
        if (found is not null) list.Remove(found);
        return found;
    }

    private void Prune(double now)
    {
        if (now - _pruned < 1 || now == double.MaxValue) return;
        _pruned = now;
        foreach (var (key, list) in _ends.ToList())
        {
            list.RemoveAll(end => now - end.ReadSeconds > KeepSeconds);
            if (list.Count == 0) _ends.Remove(key);
        }
    }
}
