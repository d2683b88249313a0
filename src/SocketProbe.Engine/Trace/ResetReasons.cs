namespace SocketProbe.Engine.Trace;

/// <summary>
/// The kernel's reset and drop reasons in words. Names are the running kernel's own (the event's
/// format file prints them with __print_symbolic; nothing here maps numbers); the words and the
/// kernel function that sends each come from include/net/rstreason.h and net/ipv4/tcp.c,
/// tcp_ipv4.c, tcp_timer.c (Linux 6.10 onwards, where tcp_send_reset gained its reason field).
/// </summary>
public static class ResetReasons
{
    /// <summary>What sent it, in the kernel's words; who is behind it (the verdict's kind).</summary>
    public sealed record ReasonInfo(string Words, ResetCause Cause, string Source);

    private static readonly Dictionary<string, ReasonInfo> Resets = new(StringComparer.Ordinal)
    {
        ["NOT_SPECIFIED"] = new("the kernel gave no reason", ResetCause.Kernel, "rstreason.h: reset reason is not specified"),
        ["NO_SOCKET"] = new("no socket for this segment (closed port, or a connection this host no longer knows)", ResetCause.NoSocket,
            "rstreason.h: no valid socket that can be used; tcp_v4_rcv/tcp_v6_rcv no_tcp_socket -> tcp_v4_send_reset"),
        ["TCP_INVALID_ACK_SEQUENCE"] = new("an ACK outside the window this host sent", ResetCause.Kernel, "rstreason.h: ack sequence not between snd_una and snd_nxt"),
        ["TCP_RFC7323_PAWS"] = new("an old timestamp (PAWS check)", ResetCause.Kernel, "rstreason.h: PAWS check, LINUX_MIB_PAWSESTABREJECTED/PAWSACTIVEREJECTED"),
        ["TCP_TOO_OLD_ACK"] = new("an ACK too old", ResetCause.Kernel, "rstreason.h: TCP ACK is too old"),
        ["TCP_ACK_UNSENT_DATA"] = new("an ACK for data this host never sent", ResetCause.Kernel, "rstreason.h: TCP ACK for data we haven't sent yet"),
        ["TCP_FLAGS"] = new("invalid TCP flags", ResetCause.Kernel, "rstreason.h: TCP flags invalid"),
        ["TCP_OLD_ACK"] = new("an old ACK, in window", ResetCause.Kernel, "rstreason.h: TCP ACK is old, but in window"),
        ["TCP_ABORT_ON_DATA"] = new("data arrived after this host's application closed", ResetCause.Application,
            "rstreason.h: abort on data (LINUX_MIB_TCPABORTONDATA): tcp_rcv_state_process, data for a socket already closed by its owner"),
        ["TCP_TIMEWAIT_SOCKET"] = new("a segment for a connection in TIME_WAIT", ResetCause.Kernel, "rstreason.h: happen on the timewait socket"),
        ["INVALID_SYN"] = new("an invalid segment for a connection being set up (a stray SYN, or a full accept queue with tcp_abort_on_overflow)", ResetCause.Kernel,
            "rstreason.h: receive bad syn packet (RFC 9293); tcp_minisocks.c tcp_check_req embryonic_reset (listen overflow with sysctl_tcp_abort_on_overflow)"),
        ["TCP_ABORT_ON_CLOSE"] = new("closed with unread data", ResetCause.Application,
            "rstreason.h: abort on close (LINUX_MIB_TCPABORTONCLOSE); tcp.c __tcp_close: data_was_unread -> tcp_send_active_reset"),
        ["TCP_ABORT_ON_LINGER"] = new("linger time ran out in FIN_WAIT2", ResetCause.Application,
            "rstreason.h: abort on linger (LINUX_MIB_TCPABORTONLINGER); tcp.c __tcp_close, tcp_timer.c tcp_keepalive_timer"),
        ["TCP_ABORT_ON_MEMORY"] = new("out of socket memory (too many orphans)", ResetCause.Kernel, "rstreason.h: abort on memory (LINUX_MIB_TCPABORTONMEMORY)"),
        ["TCP_STATE"] = new("aborted: linger 0 close, disconnect, or a listener closed with connections queued", ResetCause.Application,
            "rstreason.h: abort on tcp state; tcp.c tcp_disconnect: tcp_need_reset(old_state) -> tcp_send_active_reset (SO_LINGER {1,0} close, inet_csk_listen_stop -> inet_child_forget)"),
        ["TCP_KEEPALIVE_TIMEOUT"] = new("keepalive probes went unanswered", ResetCause.Kernel, "rstreason.h: keepalive timeout; tcp_timer.c tcp_keepalive_timer"),
        ["TCP_DISCONNECT_WITH_DATA"] = new("disconnected with unsent data queued", ResetCause.Application,
            "tcp.c tcp_disconnect: snd_nxt != write_seq in CLOSING/LAST_ACK"),
        ["ERROR"] = new("an unexpected error in the kernel", ResetCause.Kernel, "rstreason.h: unexpected error happens"),
    };

    /// <summary>The words and cause of a reset reason the kernel printed; MPTCP and unknown names keep the kernel's name as their words.</summary>
    public static ReasonInfo Describe(string? name)
    {
        if (name is null) return new("no reason field on this kernel (before 6.10)", ResetCause.Unknown, "");
        if (Resets.TryGetValue(name, out ReasonInfo? info)) return info;
        if (name.StartsWith("MPTCP_RST_", StringComparison.Ordinal)) return new($"MPTCP subflow reset ({name})", ResetCause.Kernel, "rstreason.h: MPTCP reset codes (RFC 8684)");
        return new(name.ToLowerInvariant().Replace('_', ' '), ResetCause.Unknown, "a reason this module has no words for: the kernel's own name");
    }

    private static readonly Dictionary<string, string> Drops = new(StringComparer.Ordinal)
    {
        ["NO_SOCKET"] = "no socket for this segment",
        ["SOCKET_CLOSE"] = "the socket was closed",
        ["SOCKET_FILTER"] = "a socket filter dropped it",
        ["SOCKET_RCVBUFF"] = "the socket's receive buffer was full",
        ["TCP_CSUM"] = "bad TCP checksum",
        ["NETFILTER_DROP"] = "a firewall rule on this host dropped it (netfilter)",
        ["OTHERHOST"] = "not addressed to this host",
        ["TCP_FLAGS"] = "invalid TCP flags",
        ["TCP_ZEROWINDOW"] = "the receive window was zero",
        ["TCP_OLD_DATA"] = "data already received (old sequence)",
        ["TCP_OVERWINDOW"] = "data beyond the receive window",
        ["TCP_OFOMERGE"] = "out-of-order data merged away",
        ["TCP_RFC7323_PAWS"] = "an old timestamp (PAWS check)",
        ["TCP_INVALID_SEQUENCE"] = "a sequence number outside the window",
        ["TCP_RESET"] = "an RST segment (consumed)",
        ["TCP_INVALID_SYN"] = "a SYN inside an established connection",
        ["TCP_CLOSE"] = "the connection was closed",
        ["TCP_FASTOPEN"] = "TCP Fast Open was refused",
        ["TCP_OLD_ACK"] = "an old ACK",
        ["TCP_TOO_OLD_ACK"] = "an ACK too old",
        ["TCP_ACK_UNSENT_DATA"] = "an ACK for data never sent",
        ["TCP_OFO_QUEUE_PRUNE"] = "out-of-order queue pruned (memory)",
        ["TCP_OFO_DROP"] = "out-of-order data dropped",
        ["TCP_MINTTL"] = "below the socket's minimum TTL",
        ["TCP_LISTEN_OVERFLOW"] = "the listener's accept queue was full",
        ["TCP_ABORT_ON_DATA"] = "data after the application closed",
        ["TCP_INVALID_ACK_SEQUENCE"] = "an ACK outside the window",
        ["PROTO_MEM"] = "TCP memory pressure",
        ["NEIGH_FAILED"] = "neighbour (ARP/ND) resolution failed",
        ["IP_NOPROTO"] = "no protocol handler",
        ["IP_RPFILTER"] = "reverse-path filter",
        ["IP_INHDR"] = "bad IP header",
        ["IP_CSUM"] = "bad IP checksum",
        ["NOT_SPECIFIED"] = "the kernel gave no reason",
    };

    /// <summary>A drop reason in words (include/net/dropreason-core.h); unknown names keep the kernel's own name.</summary>
    public static string DescribeDrop(string name) =>
        Drops.TryGetValue(name, out string? words) ? words : name.ToLowerInvariant().Replace('_', ' ');

    /// <summary>The drops that are routine (a consumed RST, an ACK after close) rather than a lost packet.</summary>
    public static bool IsRoutineDrop(string name) => name is "NOT_SPECIFIED" or "TCP_RESET" or "TCP_CLOSE" or "SOCKET_CLOSE";
}

/// <summary>Who is behind a reset this host sent, by its reason.</summary>
public enum ResetCause
{
    /// <summary>No reason field: nothing is claimed.</summary>
    Unknown,
    /// <summary>This host's application closed (unread data, linger 0, disconnect, closed listener).</summary>
    Application,
    /// <summary>This host's kernel found no socket for the segment (closed port; state lost in a restart, conntrack or NAT).</summary>
    NoSocket,
    /// <summary>This host's kernel, by a TCP rule or a timer (bad ACK, PAWS, keepalive timeout, memory).</summary>
    Kernel,
}
