namespace SocketProbe.Engine.Counters;

/// <summary>What one counter counts, in plain words, and where the kernel counts it.</summary>
/// <param name="Name">nstat's name (Linux), or this module's name for the Windows / macOS figure.</param>
/// <param name="Meaning">What makes the kernel count it.</param>
/// <param name="Source">The kernel function (file) that increments it, or the API / RFC for other platforms.</param>
public sealed record CounterMeaning(string Name, string Meaning, string Source);

/// <summary>
/// The meanings of the counters this module knows, checked against the Linux source (net/ipv4/*.c,
/// include/uapi/linux/snmp.h; Linux 6.x), and the lead counters the default view shows first:
/// resets, aborts, queue overflows, retransmits and timeouts — what an ops reader looks at first
/// when clients see resets or time-outs.
/// </summary>
public static partial class CounterCatalog
{
    private const string Out = "net/ipv4/tcp_output.c";
    private const string Inp = "net/ipv4/tcp_input.c";
    private const string Tmr = "net/ipv4/tcp_timer.c";
    private const string Tcp = "net/ipv4/tcp.c";
    private const string V4 = "net/ipv4/tcp_ipv4.c (tcp_ipv6.c for IPv6)";
    private const string Mini = "net/ipv4/tcp_minisocks.c";
    private const string Doc = "Documentation/networking/snmp_counter.rst";
    private const string Fo = "net/ipv4/tcp_fastopen.c";
    private const string Ao = "net/ipv4/tcp_ao.c";
    private const string Frag4 = "net/ipv4/ip_fragment.c";
    private const string Ip6Mib = "RFC 2465 ipv6IfStats";
    private const string Ip6List = "net/ipv6/proc.c snmp6_ipstats_list";

    /// <summary>Shown first, in this order, by Get-TcpCounter and in a scenario's Counters note.</summary>
    public static IReadOnlyList<string> Lead { get; } = new[]
    {
        "TcpOutRsts", "TcpEstabResets", "TcpAttemptFails",
        "TcpExtTCPAbortOnData", "TcpExtTCPAbortOnClose", "TcpExtTCPAbortOnLinger", "TcpExtTCPAbortOnTimeout",
        "TcpExtTCPAbortOnMemory", "TcpExtTCPAbortFailed", "TcpExtEmbryonicRsts",
        "TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPReqQFullDrop", "TcpExtTCPBacklogDrop",
        "TcpRetransSegs", "TcpExtTCPSynRetrans", "TcpExtTCPTimeouts", "TcpExtTCPLossProbes", "TcpExtTCPKeepAlive",
        "UdpNoPorts", "Udp6NoPorts", "IcmpInDestUnreachs", "IcmpOutDestUnreachs", "Icmp6InDestUnreachs", "Icmp6OutDestUnreachs",
        "IpOutNoRoutes", "Ip6OutNoRoutes",
        // Windows and macOS names of the same kinds of event.
        "Tcp6OutRsts", "Tcp6EstabResets", "Tcp6AttemptFails", "Tcp6RetransSegs",
        "tcps_drops", "tcps_conndrops", "tcps_timeoutdrop", "tcps_keepdrops", "tcps_listendrop", "tcps_rexmttimeo", "tcps_sndrexmitpack",
    };

    /// <summary>The rows written out here, then the generated ones (named ICMP types, UDP-Lite, MPTCP).</summary>
    private static readonly CounterMeaning[] Rows =
    {
        // --- Tcp: (RFC 1213 MIB-II, /proc/net/snmp) ---
        new("TcpActiveOpens", "connect() sent a SYN: a connection attempt began (SYN_SENT).", $"{Out} tcp_connect()"),
        new("TcpPassiveOpens", "A listener completed a handshake and created the new connection's socket (before accept()).", $"{Mini} tcp_create_openreq_child()"),
        new("TcpAttemptFails", "A connection died before it was established: a SYN_SENT or SYN_RECV socket closed (refused by RST, timed out, unreachable), or an RST/SYN hit a pending handshake.",
            $"{Tcp} tcp_done() (state SYN_SENT/SYN_RECV); {Mini} tcp_check_req() (RST or SYN on a request)"),
        new("TcpEstabResets", "An ESTABLISHED or CLOSE_WAIT connection went straight to CLOSED: reset received or sent, or aborted (timeout, SO_LINGER 0).",
            $"{Tcp} tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        new("TcpInSegs", "Segments received, errors included.", $"{V4} tcp_v4_rcv()"),
        new("TcpOutSegs", "Segments sent, not counting retransmissions of data (RSTs sent without a socket count too).", $"{Out} __tcp_transmit_skb(); {V4} tcp_v4_send_reset()"),
        new("TcpRetransSegs", "Segments retransmitted: data, SYN or SYN-ACK sent again because no ACK came in time or loss was detected.",
            $"{Out} __tcp_retransmit_skb(), tcp_rtx_synack()"),
        new("TcpInErrs", "Segments received in error (bad checksum, too short, bad header) and dropped.", $"{V4} tcp_v4_rcv() csum_error/bad_packet"),
        new("TcpOutRsts", "RSTs sent: an answer to a segment for no socket (closed port, forgotten connection), or an abort by a socket (close with unread data, SO_LINGER 0, keepalive or linger2 give-up).",
            $"{V4} tcp_v4_send_reset(); {Out} tcp_send_active_reset()"),
        new("TcpInCsumErrors", "Segments received with a bad TCP checksum.", $"{V4} tcp_v4_rcv() csum_error"),

        // --- TcpExt: (/proc/net/netstat) ---
        new("TcpExtSyncookiesSent", "SYN queue full: answered a SYN with a SYN cookie instead of remembering it.", $"{Inp} tcp_conn_request() / net/ipv4/syncookies.c"),
        new("TcpExtSyncookiesRecv", "An ACK carried a valid SYN cookie and became a connection.", "net/ipv4/syncookies.c cookie_v4_check()"),
        new("TcpExtSyncookiesFailed", "An ACK to a listener carried an invalid SYN cookie.", "net/ipv4/syncookies.c cookie_v4_check()"),
        new("TcpExtEmbryonicRsts", "An RST (or SYN) arrived for a connection still in SYN_RECV: the client reset a handshake before it completed.", $"{Mini} tcp_check_req() embryonic_reset"),
        new("TcpExtTW", "A connection closed in order entered TIME_WAIT (for the usual 60 s; a shorter wait counts as TWKilled).", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule() from tcp_minisocks.c tcp_time_wait()"),
        new("TcpExtTWRecycled", "A TIME_WAIT connection was reused for a new connection with the same ports.", "net/ipv4/inet_hashtables.c __inet_check_established()"),
        new("TcpExtTWKilled", "A connection entered a TIME_WAIT shorter than 4 s (PAWS-shortened), so it is killed early.", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule()"),
        new("TcpExtLockDroppedIcmps", "An ICMP error arrived while the socket was locked by its user: kept as a soft error instead of acted on.", $"{V4} tcp_v4_err()"),
        new("TcpExtDelayedACKs", "The delayed-ACK timer fired and sent an ACK that had been held back.", $"{Tmr} tcp_delack_timer_handler()"),
        new("TcpExtDelayedACKLocked", "The delayed-ACK timer found the socket busy (owned by the user) and had to wait.", $"{Tmr} tcp_delack_timer()"),
        new("TcpExtDelayedACKLost", "A duplicate of already-received data arrived: our earlier ACK was probably lost.", $"{Inp} tcp_send_dupack()"),
        new("TcpExtListenOverflows", "A listener's accept queue was full: an arriving SYN, or the final ACK of a handshake, was dropped (the application does not accept() fast enough, or the backlog is too small).",
            $"{Inp} tcp_conn_request(); {V4} tcp_v4_syn_recv_sock() exit_overflow"),
        new("TcpExtListenDrops", "Anything a listener dropped: accept-queue overflows plus other failures to create the connection (memory, no route).", "include/net/tcp.h tcp_listendrop()"),
        new("TcpExtTCPHPHits", "Data segments taken by the receive fast path (header prediction).", $"{Inp} tcp_rcv_established()"),
        new("TcpExtTCPPureAcks", "ACKs without data received.", $"{Inp} tcp_ack()"),
        new("TcpExtTCPHPAcks", "ACKs received on the fast path.", $"{Inp} tcp_ack()"),
        new("TcpExtTCPAbortOnData", "An abort that throws data away: data arrived for a socket already closed by the application (orphaned in FIN_WAIT), or close() with SO_LINGER {on, 0}. An RST is sent.",
            $"{Inp} tcp_rcv_state_process() (FIN_WAIT1/2 with RCV_SHUTDOWN); {Tcp} __tcp_close() (zero linger -> tcp_disconnect())"),
        new("TcpExtTCPAbortOnClose", "close() with unread data in the receive buffer: the kernel sends RST instead of FIN (RFC 2525 2.17).", $"{Tcp} __tcp_close() data_was_unread"),
        new("TcpExtTCPAbortOnMemory", "An orphaned connection was aborted because TCP memory or the orphan limit was exceeded.", $"{Tcp} __tcp_close() tcp_check_oom(); {Tmr} tcp_out_of_resources()"),
        new("TcpExtTCPAbortOnTimeout", "The kernel gave up on a connection: retransmissions (tcp_retries2, TCP_USER_TIMEOUT), SYN retries (tcp_syn_retries) or keepalive probes ran out.",
            $"{Tmr} tcp_write_err() from tcp_write_timeout(), tcp_keepalive_timer(), tcp_probe_timer()"),
        new("TcpExtTCPAbortOnLinger", "A socket closed with TCP_LINGER2 < 0 reached FIN_WAIT2 and was reset instead of waiting for the peer's FIN.",
            $"{Tcp} __tcp_close(); {Inp} tcp_rcv_state_process() FIN_WAIT1 with linger2 < 0"),
        new("TcpExtTCPAbortFailed", "The kernel wanted to send an RST but could not (no memory for the segment).", $"{Out} tcp_send_active_reset()"),
        new("TcpExtTCPMemoryPressures", "TCP entered memory pressure (tcp_mem).", "net/core/sock.c sk_enter_memory_pressure()"),
        new("TcpExtTCPLossProbes", "A tail loss probe was sent: the last segment was resent early because no ACK came.", $"{Out} tcp_send_loss_probe()"),
        new("TcpExtTCPLossProbeRecovery", "A tail loss probe repaired a loss.", $"{Inp} tcp_process_tlp_ack()"),
        new("TcpExtTCPSpuriousRTOs", "A retransmission timeout turned out spurious (F-RTO).", $"{Inp} tcp_process_loss()"),
        new("TcpExtTCPSynRetrans", "A SYN or SYN-ACK was retransmitted: the other side did not answer the handshake in time.",
            $"{Out} __tcp_retransmit_skb() (SYN), tcp_rtx_synack()"),
        new("TcpExtTCPTimeouts", "A retransmission timer expired (data or SYN in SYN_SENT), or a SYN-ACK timed out waiting for the final ACK.",
            $"{Tmr} tcp_retransmit_timer(), tcp_syn_ack_timeout()"),
        new("TcpExtTcpTimeoutRehash", "After a retransmission timeout the kernel changed the connection's flow label / hash to try another path.", $"{Tmr} tcp_write_timeout() sk_rethink_txhash()"),
        new("TcpExtTCPBacklogDrop", "A segment was dropped because the socket's backlog (while the application held the lock) was full.", $"{V4} tcp_add_backlog()"),
        new("TcpExtTCPReqQFullDrop", "SYN queue full and no SYN cookies: an arriving SYN was dropped.", $"{Inp} tcp_syn_flood_action()"),
        new("TcpExtTCPReqQFullDoCookies", "SYN queue full: a SYN cookie was sent.", $"{Inp} tcp_syn_flood_action()"),
        new("TcpExtTCPRcvCoalesce", "A received segment was merged into the previous one in the receive queue.", $"{Inp} tcp_try_coalesce()"),
        new("TcpExtTCPOFOQueue", "A segment arrived out of order and was queued.", $"{Inp} tcp_data_queue_ofo()"),
        new("TcpExtTCPOrigDataSent", "Data segments sent for the first time (not retransmissions).", $"{Out} tcp_event_new_data_sent()"),
        new("TcpExtTCPDelivered", "Segments the peer acknowledged (delivered), including the SYN.", $"{Inp} tcp_count_delivered()"),
        new("TcpExtTCPAutoCorking", "A small send was held back to be merged with the next (auto corking).", $"{Tcp} tcp_should_autocork()"),
        new("TcpExtTCPWantZeroWindowAdv", "The receive buffer was too full to open the window, but a zero window was not yet announced.", $"{Out} tcp_select_window()"),
        new("TcpExtTCPToZeroWindowAdv", "The kernel announced a zero receive window: the application is not reading.", $"{Out} tcp_select_window()"),
        new("TcpExtTCPFromZeroWindowAdv", "The receive window opened again after a zero window.", $"{Out} tcp_select_window()"),
        new("TcpExtTCPZeroWindowDrop", "Data arrived while our receive window was zero and was dropped.", $"{Inp} tcp_data_queue()"),
        new("TcpExtTCPRcvQDrop", "Data dropped: no receive buffer memory for it.", $"{Inp} tcp_data_queue()"),
        new("TcpExtTCPWinProbe", "A zero-window probe was sent: the peer advertised a zero window and we have data for it.", $"{Out} tcp_write_wakeup(LINUX_MIB_TCPWINPROBE) from {Tmr} tcp_probe_timer()"),
        new("TcpExtTCPKeepAlive", "A keepalive probe was sent on an idle connection with SO_KEEPALIVE.", $"{Tmr} tcp_keepalive_timer() -> tcp_write_wakeup(LINUX_MIB_TCPKEEPALIVE)"),
        new("TcpExtTCPChallengeACK", "A challenge ACK was sent for a suspicious RST or SYN inside the window (RFC 5961).", $"{Inp} tcp_send_challenge_ack()"),
        new("TcpExtTCPSYNChallenge", "A SYN arrived on an established connection and was answered with a challenge ACK.", $"{Inp} tcp_validate_incoming()"),
        new("TcpExtTCPACKSkippedSynRecv", "A rate-limited ACK in SYN_RECV was not sent.", $"{Mini} tcp_check_req()"),
        new("TcpExtTCPRetransFail", "A retransmission could not be sent (local congestion, no memory, no route).", $"{Out} tcp_retransmit_skb()"),
        new("TcpExtTCPMTUPFail", "Path MTU probing: a probe was lost.", $"{Inp} tcp_mtup_probe_failed()"),
        new("TcpExtTCPMTUPSuccess", "Path MTU probing: a larger size worked.", $"{Inp} tcp_mtup_probe_success()"),
        new("TcpExtTCPDSACKRecv", "The peer reported a duplicate segment (D-SACK): we retransmitted what it already had.", $"{Inp} tcp_check_dsack()"),
        new("TcpExtTCPDSACKOldSent", "We reported a duplicate (D-SACK) of old data.", $"{Inp} tcp_dsack_set()"),
        new("TcpExtTCPOrigDataSentBytes", "Bytes of new data sent.", $"{Out} tcp_event_new_data_sent()"),
        new("TcpExtPAWSEstab", "A segment on an established connection failed the timestamp check (PAWS) and was dropped.", $"{Inp} tcp_validate_incoming()"),
        new("TcpExtOutOfWindowIcmps", "An ICMP error quoting a sequence number outside the window was ignored.", $"{V4} tcp_v4_err()"),
        new("TcpExtTCPSackRecovery", "Loss recovery with SACK started.", $"{Inp} tcp_enter_recovery()"),
        new("TcpExtTCPLostRetransmit", "A retransmitted segment was lost again.", $"{Inp} tcp_mark_lost_retrans()"),

        // TcpExt, continued: names from net/ipv4/proc.c snmp4_net_list, LINUX_MIB_* in include/uapi/linux/snmp.h.
        new("TcpExtPruneCalled", "A socket's receive memory ran over its limit: the kernel began to reclaim it by collapsing its queues.", $"{Doc} (prune); {Inp} tcp_prune_queue()"),
        new("TcpExtRcvPruned", "Reclaiming receive memory failed: after collapsing and dropping out-of-order data the socket still used too much, and data was dropped.", $"{Doc} (prune); {Inp} tcp_prune_queue()"),
        new("TcpExtOfoPruned", "Out-of-order data was thrown away to reclaim receive memory.", $"{Doc} (prune); {Inp} tcp_prune_ofo_queue()"),
        new("TcpExtArpFilter", "An ARP request was not answered because of net.ipv4.conf.*.arp_filter: the route back to the sender leaves by another interface.", "net/ipv4/arp.c arp_filter() (LINUX_MIB_ARPFILTER)"),
        new("TcpExtPAWSActive", "A segment was dropped in SYN_SENT by the timestamp check (PAWS).", $"{Doc} (TCP PAWS); LINUX_MIB_PAWSACTIVEREJECTED"),
        new("TcpExtBeyondWindow", "A segment arrived beyond the receive window and was dropped.", $"{Inp} tcp_validate_incoming() (LINUX_MIB_BEYOND_WINDOW)"),
        new("TcpExtTSEcrRejected", "In SYN_RECV, an ACK echoed a timestamp (TSEcr) that none of our SYN-ACKs sent: it was dropped and answered by a challenge ACK.", $"{Mini} tcp_check_req() (LINUX_MIB_TSECRREJECTED)"),
        new("TcpExtPAWSOldAck", "An old ACK failed the timestamp check (PAWS) and was dropped without a duplicate ACK; common, not an error.", $"{Inp} tcp_validate_incoming() (LINUX_MIB_PAWS_OLD_ACK)"),
        new("TcpExtPAWSTimewait", "A segment for a TIME_WAIT connection failed the timestamp check (PAWS) and was dropped.", $"{Mini} tcp_timewait_state_process() (LINUX_MIB_PAWS_TW_REJECTED)"),
        new("TcpExtTCPRenoRecovery", "Loss recovery without SACK (Reno fast recovery) began: lost data is being retransmitted.", $"{Doc}; {Inp} tcp_enter_recovery()"),
        new("TcpExtTCPSACKReneging", "The peer dropped data it had already SACKed, so it must be sent again (allowed, but unusual).", $"{Doc}; {Inp} tcp_check_sack_reneging()"),
        new("TcpExtTCPSACKReorder", "Reordering was detected through SACK (or D-SACK): a segment thought lost was only late.", $"{Doc}; {Inp} (LINUX_MIB_TCPSACKREORDER)"),
        new("TcpExtTCPRenoReorder", "Reordering was detected through duplicate ACKs (no SACK).", $"{Doc}; {Inp} (LINUX_MIB_TCPRENOREORDER)"),
        new("TcpExtTCPTSReorder", "Reordering was detected when a hole was filled by a segment that was not (or was needlessly) retransmitted.", $"{Doc}; {Inp} (LINUX_MIB_TCPTSREORDER)"),
        new("TcpExtTCPFullUndo", "A loss recovery was undone: the retransmissions turned out needless and the congestion window was restored.", $"{Inp} tcp_try_undo_recovery() (LINUX_MIB_TCPFULLUNDO)"),
        new("TcpExtTCPPartialUndo", "During recovery a partial ACK showed the data was delayed, not lost: the window reduction was undone.", $"{Inp} tcp_try_undo_partial() (LINUX_MIB_TCPPARTIALUNDO)"),
        new("TcpExtTCPDSACKUndo", "D-SACKs showed every retransmission needless: the window reduction was undone.", $"{Inp} tcp_try_undo_dsack() (LINUX_MIB_TCPDSACKUNDO)"),
        new("TcpExtTCPLossUndo", "A timeout's loss recovery was undone: the retransmission timeout was spurious.", $"{Inp} tcp_try_undo_loss(), tcp_try_undo_recovery() from TCP_CA_Loss (LINUX_MIB_TCPLOSSUNDO)"),
        new("TcpExtTCPRenoFailures", "The first retransmission timeout of a loss event came in the Disorder state (or with SACKed data) without SACK.", $"{Tmr} tcp_retransmit_timer() (LINUX_MIB_TCPRENOFAILURES)"),
        new("TcpExtTCPSackFailures", "The first retransmission timeout of a loss event came in the Disorder state (or with SACKed data), SACK in use.", $"{Tmr} tcp_retransmit_timer() (LINUX_MIB_TCPSACKFAILURES)"),
        new("TcpExtTCPLossFailures", "A retransmission timeout came while the connection was already in the Loss state: the timeout's own retransmissions failed.", $"{Tmr} tcp_retransmit_timer() (LINUX_MIB_TCPLOSSFAILURES)"),
        new("TcpExtTCPFastRetrans", "A segment was retransmitted outside the Loss state (fast retransmit).", $"{Doc}; {Out} tcp_xmit_retransmit_queue()"),
        new("TcpExtTCPSlowStartRetrans", "A segment was retransmitted in the Loss state (after a retransmission timeout).", $"{Doc}; {Out} tcp_xmit_retransmit_queue()"),
        new("TcpExtTCPRenoRecoveryFail", "A retransmission timeout came during Reno fast recovery (no SACK): fast recovery failed.", $"{Tmr} tcp_retransmit_timer() (LINUX_MIB_TCPRENORECOVERYFAIL)"),
        new("TcpExtTCPSackRecoveryFail", "A retransmission timeout came during SACK recovery: fast recovery failed.", $"{Tmr} tcp_retransmit_timer() (LINUX_MIB_TCPSACKRECOVERYFAIL)"),
        new("TcpExtTCPRcvCollapsed", "Buffers freed by collapsing the receive queues under memory pressure.", $"{Doc} (prune); {Inp} (LINUX_MIB_TCPRCVCOLLAPSED)"),
        new("TcpExtTCPBacklogCoalesce", "A segment that arrived while the application held the socket was merged into the previous one in the backlog.", $"{V4} tcp_add_backlog() (LINUX_MIB_TCPBACKLOGCOALESCE)"),
        new("TcpExtTCPDSACKOfoSent", "A duplicate of out-of-order data arrived and we reported it with a D-SACK.", $"{Doc}; {Inp} tcp_dsack_set()"),
        new("TcpExtTCPDSACKOfoRecv", "The peer reported (D-SACK) a duplicate of out-of-order data.", $"{Doc}; {Inp} tcp_check_dsack()"),
        new("TcpExtTCPMemoryPressuresChrono", "Milliseconds spent in TCP memory pressure (added when the pressure ends).", $"{Tcp} tcp_leave_memory_pressure() (NET_ADD_STATS LINUX_MIB_TCPMEMORYPRESSURESCHRONO)"),
        new("TcpExtTCPSACKDiscard", "A SACK block from the peer was invalid and ignored.", $"{Doc}; {Inp} tcp_sacktag_write_queue() tcp_is_sackblock_valid()"),
        new("TcpExtTCPDSACKIgnoredOld", "An invalid D-SACK block was ignored while a recovery could still be undone (undo_marker set): probably an old segment.", $"{Doc}; {Inp} tcp_sacktag_write_queue()"),
        new("TcpExtTCPDSACKIgnoredNoUndo", "An invalid D-SACK block was ignored with nothing to undo: probably a segment duplicated by the network.", $"{Doc}; {Inp} tcp_sacktag_write_queue()"),
        new("TcpExtTCPMD5NotFound", "A segment lacked the TCP MD5 signature (RFC 2385) this connection expects, and was dropped.", $"{Tcp} tcp_inbound_md5_hash() (LINUX_MIB_TCPMD5NOTFOUND)"),
        new("TcpExtTCPMD5Unexpected", "A segment carried a TCP MD5 signature no key was set for, and was dropped.", $"{Tcp} tcp_inbound_md5_hash() (LINUX_MIB_TCPMD5UNEXPECTED)"),
        new("TcpExtTCPMD5Failure", "A segment's TCP MD5 signature was wrong, and it was dropped.", $"{Tcp} tcp_inbound_md5_hash() (LINUX_MIB_TCPMD5FAILURE)"),
        new("TcpExtTCPSackShifted", "SACKed data was shifted from one buffer into the previous one.", $"{Doc} (SACK shift); {Inp} tcp_shifted_skb()"),
        new("TcpExtTCPSackMerged", "A SACKed buffer was merged whole into the previous one.", $"{Doc} (SACK shift); {Inp} tcp_shifted_skb()"),
        new("TcpExtTCPSackShiftFallback", "SACKed data should have been shifted or merged but was not.", $"{Doc} (SACK shift); {Inp} tcp_shift_skb_data()"),
        new("TcpExtPFMemallocDrop", "A packet from the emergency memory reserves (pfmemalloc) reached a socket not allowed to use them, and was dropped.", "net/core/filter.c sk_filter_trim_cap(); net/ipv4/tcp_ipv4.c tcp_add_backlog() (LINUX_MIB_PFMEMALLOCDROP)"),
        new("TcpExtTCPMinTTLDrop", "A segment or ICMP error arrived with a TTL below the socket's IP_MINTTL (RFC 5082 GTSM) and was dropped.", $"{V4} tcp_v4_rcv(), tcp_v4_err() (LINUX_MIB_TCPMINTTLDROP)"),
        new("TcpExtTCPDeferAcceptDrop", "With TCP_DEFER_ACCEPT, a handshake's bare ACK (no data) was dropped while waiting for data.", $"{Mini} tcp_check_req() (LINUX_MIB_TCPDEFERACCEPTDROP)"),
        new("TcpExtIPReversePathFilter", "An IPv4 packet was dropped by reverse path filtering (rp_filter): its source is not reachable back through the interface it came in on.", "net/ipv4/ip_input.c ip_rcv_finish_core() (LINUX_MIB_IPRPFILTER)"),
        new("TcpExtTCPTimeWaitOverflow", "A closing connection got no TIME_WAIT entry (net.ipv4.tcp_max_tw_buckets reached, or no memory) and was closed at once; the kernel logs 'time wait bucket table overflow'.", $"{Mini} tcp_time_wait() (LINUX_MIB_TCPTIMEWAITOVERFLOW)"),
        new("TcpExtTCPOFODrop", "An out-of-order segment arrived without memory to queue it, and was dropped.", $"{Doc}; {Inp} tcp_data_queue_ofo()"),
        new("TcpExtTCPOFOMerge", "An out-of-order segment overlapped data already queued; the overlap was dropped.", $"{Doc}; {Inp} tcp_data_queue_ofo()"),
        new("TcpExtTCPFastOpenActive", "Client: the server acknowledged the data sent in a TCP Fast Open SYN (the cookie was accepted).", $"{Doc} (TCP Fast Open); {Inp} tcp_rcv_fastopen_synack()"),
        new("TcpExtTCPFastOpenActiveFail", "Client: a TCP Fast Open attempt failed (data in the SYN not acknowledged, the SYN timed out, or later timeouts suggest a middlebox black-holes it).", $"{Doc} (TCP Fast Open)"),
        new("TcpExtTCPFastOpenPassive", "Server: a TCP Fast Open request was accepted (data in the SYN delivered at once).", $"{Doc} (TCP Fast Open); {Fo} tcp_try_fastopen()"),
        new("TcpExtTCPFastOpenPassiveFail", "Server: a TCP Fast Open request was refused (invalid cookie, or creating the socket failed).", $"{Doc} (TCP Fast Open); {Fo} tcp_try_fastopen()"),
        new("TcpExtTCPFastOpenListenOverflow", "Server: too many Fast Open requests were pending (TCP_FASTOPEN queue length): one was refused.", $"{Doc} (TCP Fast Open); {Fo} tcp_fastopen_queue_check()"),
        new("TcpExtTCPFastOpenCookieReqd", "Server: a client asked for a TCP Fast Open cookie.", $"{Doc} (TCP Fast Open); {Fo} tcp_try_fastopen()"),
        new("TcpExtTCPFastOpenBlackhole", "Active TCP Fast Open was disabled for a while: a middlebox seems to black-hole Fast Open (net.ipv4.tcp_fastopen_blackhole_timeout_sec).", $"{Fo} tcp_fastopen_active_disable() (LINUX_MIB_TCPFASTOPENBLACKHOLE)"),
        new("TcpExtTCPSpuriousRtxHostQueues", "A retransmission was skipped because the original was still queued on this host (qdisc or driver), not lost.", $"{Doc}; {Out} __tcp_retransmit_skb() skb_still_in_host_queue()"),
        new("TcpExtBusyPollRxPackets", "Packets received by busy polling (SO_BUSY_POLL, net.core.busy_read) instead of interrupts.", "net/core/dev.c napi_busy_loop() (LINUX_MIB_BUSYPOLLRXPACKETS)"),
        new("TcpExtTCPHystartTrainDetect", "Hybrid slow start left slow start on the ACK-train length.", $"{Doc} (TCP Hybrid Slow Start); net/ipv4/tcp_cubic.c hystart_update()"),
        new("TcpExtTCPHystartTrainCwnd", "Sum of the congestion windows at which the ACK-train test ended slow start (divide by TCPHystartTrainDetect for the mean).", $"{Doc} (TCP Hybrid Slow Start); net/ipv4/tcp_cubic.c hystart_update()"),
        new("TcpExtTCPHystartDelayDetect", "Hybrid slow start left slow start on rising delay.", $"{Doc} (TCP Hybrid Slow Start); net/ipv4/tcp_cubic.c hystart_update()"),
        new("TcpExtTCPHystartDelayCwnd", "Sum of the congestion windows at which the delay test ended slow start (divide by TCPHystartDelayDetect for the mean).", $"{Doc} (TCP Hybrid Slow Start); net/ipv4/tcp_cubic.c hystart_update()"),
        new("TcpExtTCPACKSkippedPAWS", "A duplicate ACK for a segment failing PAWS was not sent (tcp_invalid_ratelimit).", $"{Doc} (TCP ACK skip); {Inp} tcp_oow_rate_limited()"),
        new("TcpExtTCPACKSkippedSeq", "A duplicate ACK for an out-of-window segment was not sent (tcp_invalid_ratelimit).", $"{Doc} (TCP ACK skip); {Inp} tcp_oow_rate_limited()"),
        new("TcpExtTCPACKSkippedFinWait2", "In FIN_WAIT2, an ACK for an out-of-window or PAWS-failing segment was not sent (tcp_invalid_ratelimit).", $"{Doc} (TCP ACK skip); {Mini} tcp_timewait_state_process()"),
        new("TcpExtTCPACKSkippedTimeWait", "In TIME_WAIT, an ACK for an out-of-window or PAWS-failing segment was not sent (tcp_invalid_ratelimit).", $"{Doc} (TCP ACK skip); {Mini} tcp_timewait_state_process()"),
        new("TcpExtTCPACKSkippedChallenge", "A challenge ACK (RFC 5961) was not sent because of the rate limit.", $"{Doc} (TCP ACK skip); {Inp} tcp_send_challenge_ack()"),
        new("TcpExtTCPDeliveredCE", "Segments delivered to the peer whose ACK carried ECE: the path marked congestion (ECN).", $"{Inp} tcp_newly_delivered() (LINUX_MIB_TCPDELIVEREDCE)"),
        new("TcpExtTCPAckCompressed", "ACKs not sent because SACK compression folded them into a later one.", $"{Out} tcp_event_ack_sent(), {Inp} (LINUX_MIB_TCPACKCOMPRESSED)"),
        new("TcpExtTCPWqueueTooBig", "Splitting a queued segment was refused (-ENOMEM): the socket's write queue used far more memory than its send buffer.", $"{Out} tcp_fragment() (LINUX_MIB_TCPWQUEUETOOBIG)"),
        new("TcpExtTCPFastOpenPassiveAltKey", "Server: a TCP Fast Open cookie was accepted with the backup (alternate) key, not the primary one.", $"{Fo} tcp_try_fastopen() (LINUX_MIB_TCPFASTOPENPASSIVEALTKEY)"),
        new("TcpExtTcpDuplicateDataRehash", "Duplicate data arrived (the peer retransmitted what we had): the connection's flow hash was changed to try another path.", $"{Inp} tcp_rcv_spurious_retrans() (LINUX_MIB_TCPDUPLICATEDATAREHASH)"),
        new("TcpExtTCPDSACKRecvSegs", "Segments the peer reported as duplicates in D-SACKs (TCPDSACKRecv counts the D-SACKs).", $"{Inp} tcp_check_dsack() (NET_ADD_STATS LINUX_MIB_TCPDSACKRECVSEGS)"),
        new("TcpExtTCPDSACKIgnoredDubious", "A D-SACK was ignored as dubious: it reported nothing we had retransmitted.", $"{Inp} tcp_check_dsack() (LINUX_MIB_TCPDSACKIGNOREDDUBIOUS)"),
        new("TcpExtTCPMigrateReqSuccess", "A pending connection of a closed listener moved to another listener of its SO_REUSEPORT group (net.ipv4.tcp_migrate_req).", "net/ipv4/inet_connection_sock.c, net/core/sock_reuseport.c (LINUX_MIB_TCPMIGRATEREQSUCCESS)"),
        new("TcpExtTCPMigrateReqFailure", "A pending connection of a closed listener could not move to another SO_REUSEPORT listener (net.ipv4.tcp_migrate_req).", "net/core/sock_reuseport.c reuseport_migrate_sock(); net/ipv4/inet_connection_sock.c (LINUX_MIB_TCPMIGRATEREQFAILURE)"),
        new("TcpExtTCPPLBRehash", "Protective load balancing changed a congested connection's flow hash to try another path.", "net/ipv4/tcp_plb.c tcp_plb_check_rehash() (LINUX_MIB_TCPPLBREHASH)"),
        new("TcpExtTCPAORequired", "A segment without the TCP-AO option (RFC 5925) came to a connection that requires it, and was dropped.", "tcp_inbound_hash(), tcp_ao_required() (LINUX_MIB_TCPAOREQUIRED)"),
        new("TcpExtTCPAOBad", "A segment's TCP-AO MAC was wrong (or AO use changed mid-handshake), and it was dropped.", $"{Ao} tcp_ao_verify_hash(); tcp_inbound_hash() (LINUX_MIB_TCPAOBAD)"),
        new("TcpExtTCPAOKeyNotFound", "A segment carried a TCP-AO key ID this socket has no key for, and was dropped.", $"{Ao} tcp_inbound_ao_hash() (LINUX_MIB_TCPAOKEYNOTFOUND)"),
        new("TcpExtTCPAOGood", "A segment's TCP-AO MAC was verified.", $"{Ao} tcp_ao_verify_hash() (LINUX_MIB_TCPAOGOOD)"),
        new("TcpExtTCPAODroppedIcmps", "An ICMP error for a TCP-AO connection was ignored, as RFC 5925 asks, the socket not accepting ICMPs (accept_icmps).", $"{Ao} (LINUX_MIB_TCPAODROPPEDICMPS)"),

        // --- Ip / IpExt ---
        new("IpInReceives", "IPv4 packets received from every interface, loopback included.", "net/ipv4/ip_input.c ip_rcv_core()"),
        new("IpInDelivers", "IPv4 packets handed to TCP, UDP, ICMP and other protocols.", "net/ipv4/ip_input.c ip_local_deliver_finish()"),
        new("IpOutRequests", "IPv4 packets the protocols asked to send.", "net/ipv4/ip_output.c ip_local_out()"),
        new("IpOutTransmits", "IPv4 packets sent out to a device.", "net/ipv4/ip_output.c ip_finish_output2()"),
        new("IpOutNoRoutes", "An IPv4 packet (or connect()) found no route: ENETUNREACH.", "net/ipv4/route.c ip_route_output_key_hash_rcu(); net/ipv4/ip_output.c"),
        new("IpInDiscards", "IPv4 packets received and dropped for lack of resources.", "net/ipv4/ip_input.c"),
        new("IpOutDiscards", "IPv4 packets to send that were dropped (a firewall rule drop counts here too).", "net/ipv4/ip_output.c"),
        new("IpExtInOctets", "Bytes of IPv4 received.", "net/ipv4/ip_input.c ip_rcv_core()"),
        new("IpExtOutOctets", "Bytes of IPv4 sent.", "net/ipv4/ip_output.c"),
        new("IpExtInNoECTPkts", "IPv4 packets received without ECN.", "net/ipv4/ip_input.c ip_rcv_core()"),
        new("IpInHdrErrors", "IPv4 packets dropped for a header error: bad checksum, version or format, TTL exceeded, bad options; on input or when forwarding.", $"RFC 1213 ipInHdrErrors; {Doc}; net/ipv4/ip_input.c ip_rcv_core(), net/ipv4/ip_forward.c (IPSTATS_MIB_INHDRERRORS)"),
        new("IpInAddrErrors", "IPv4 packets dropped for their destination address: invalid, or not local while forwarding is off.", $"RFC 1213 ipInAddrErrors; {Doc}"),
        new("IpForwDatagrams", "IPv4 packets forwarded (this host routed them on).", "RFC 1213 ipForwDatagrams; net/ipv4/proc.c snmp4_ipstats_list (IPSTATS_MIB_OUTFORWDATAGRAMS), net/ipv4/ip_forward.c"),
        new("IpInUnknownProtos", "IPv4 packets for a protocol the kernel does not handle and no raw socket takes.", $"RFC 1213 ipInUnknownProtos; {Doc}"),
        new("IpReasmTimeout", "An IPv4 reassembly timed out: fragments waited too long for the rest (also counted in IpReasmFails). Linux counts timeouts here; RFC 1213 used the name for the timeout value.", $"{Frag4} ip_expire() (IPSTATS_MIB_REASMTIMEOUT)"),
        new("IpReasmReqds", "IPv4 fragments received that needed reassembly.", "RFC 1213 ipReasmReqds (IPSTATS_MIB_REASMREQDS)"),
        new("IpReasmOKs", "IPv4 datagrams reassembled from fragments.", "RFC 1213 ipReasmOKs (IPSTATS_MIB_REASMOKS)"),
        new("IpReasmFails", "IPv4 reassemblies that failed (timed out, overlapping or bad fragments, no memory).", $"RFC 1213 ipReasmFails; {Frag4} ip_expire(), ip_frag_queue() (IPSTATS_MIB_REASMFAILS)"),
        new("IpFragOKs", "IPv4 datagrams fragmented on output.", "RFC 1213 ipFragOKs (IPSTATS_MIB_FRAGOKS)"),
        new("IpFragFails", "IPv4 datagrams dropped because they needed fragmenting but could not be (Don't Fragment set): look at path MTU.", "RFC 1213 ipFragFails (IPSTATS_MIB_FRAGFAILS)"),
        new("IpFragCreates", "IPv4 fragments created by fragmentation.", "RFC 1213 ipFragCreates (IPSTATS_MIB_FRAGCREATES)"),
        new("IpExtInNoRoutes", "A received IPv4 packet found no route (forwarding on, no route to its destination); answered by ICMP unreachable.", $"{Doc} (IPSTATS_MIB_INNOROUTES)"),
        new("IpExtInTruncatedPkts", "IPv4 packets shorter than their header's Total Length: dropped.", $"{Doc} (IPSTATS_MIB_INTRUNCATEDPKTS)"),
        new("IpExtInMcastPkts", "IPv4 multicast packets received.", "RFC 4293 ipSystemStatsInMcastPkts; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtOutMcastPkts", "IPv4 multicast packets sent.", "RFC 4293 ipSystemStatsOutMcastPkts; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtInBcastPkts", "IPv4 broadcast packets received.", "RFC 4293 ipSystemStatsInBcastPkts; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtOutBcastPkts", "IPv4 broadcast packets sent.", "RFC 4293 ipSystemStatsOutBcastPkts; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtInMcastOctets", "Bytes of IPv4 multicast received.", "RFC 4293 ipSystemStatsHCInMcastOctets; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtOutMcastOctets", "Bytes of IPv4 multicast sent.", "RFC 4293 ipSystemStatsHCOutMcastOctets; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtInBcastOctets", "Bytes of IPv4 broadcast received.", "RFC 4293 ipSystemStatsHCInBcastOctets; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtOutBcastOctets", "Bytes of IPv4 broadcast sent.", "RFC 4293 ipSystemStatsHCOutBcastOctets; net/ipv4/proc.c snmp4_ipextstats_list"),
        new("IpExtInCsumErrors", "IPv4 packets received with a bad header checksum (also counted in IpInHdrErrors).", "net/ipv4/ip_input.c ip_rcv_core() csum_error (IPSTATS_MIB_CSUMERRORS)"),
        new("IpExtInECT1Pkts", "IPv4 packets received marked ECT(1) (ECN-capable).", $"{Doc}; RFC 3168 (IPSTATS_MIB_ECT1PKTS)"),
        new("IpExtInECT0Pkts", "IPv4 packets received marked ECT(0) (ECN-capable).", $"{Doc}; RFC 3168 (IPSTATS_MIB_ECT0PKTS)"),
        new("IpExtInCEPkts", "IPv4 packets received marked CE: a router on the path signalled congestion (ECN).", $"{Doc}; RFC 3168 (IPSTATS_MIB_CEPKTS)"),
        new("IpExtReasmOverlaps", "An IPv4 fragment overlapped one already queued: the whole datagram was dropped (also IpReasmFails).", $"{Frag4} ip_frag_queue() (IPSTATS_MIB_REASM_OVERLAPS)"),

        // --- Icmp ---
        new("IcmpInMsgs", "ICMP messages received.", "net/ipv4/icmp.c icmp_rcv()"),
        new("IcmpOutMsgs", "ICMP messages sent.", "net/ipv4/icmp.c icmp_push_reply()"),
        new("IcmpInDestUnreachs", "ICMP destination unreachable received (port, host or network unreachable, frag needed).", "net/ipv4/icmp.c icmp_rcv() -> icmp_unreach()"),
        new("IcmpOutDestUnreachs", "ICMP destination unreachable sent: a UDP port nobody binds, or a firewall reject rule.", "net/ipv4/icmp.c __icmp_send()"),
        new("IcmpOutRateLimitHost", "An ICMP error was not sent: the per-host rate limit (icmp_ratelimit) held it back.", "net/ipv4/icmp.c icmpv4_xrlim_allow()"),
        new("IcmpOutRateLimitGlobal", "An ICMP error was not sent: the global rate limit (icmp_msgs_per_sec) held it back.", "net/ipv4/icmp.c icmp_global_allow()"),
        new("IcmpInErrors", "ICMP messages received with an ICMP error (bad checksum, too short...), counted before or while handling the type.", $"RFC 1213 icmpInErrors; {Doc}"),
        new("IcmpOutErrors", "ICMP messages not sent because of an error in the ICMP send path.", $"RFC 1213 icmpOutErrors; {Doc}"),
        new("IcmpInCsumErrors", "ICMP messages received with a bad checksum (also counted in IcmpInErrors).", $"{Doc} (ICMP_MIB_CSUMERRORS)"),

        // --- Udp ---
        new("UdpInDatagrams", "UDP datagrams delivered to a socket.", "net/ipv4/udp.c udp_queue_rcv_one_skb()"),
        new("UdpNoPorts", "A UDP datagram arrived for a port nobody binds; the kernel answers ICMP port unreachable.", "net/ipv4/udp.c __udp4_lib_rcv()"),
        new("UdpInErrors", "UDP datagrams dropped on receive (bad checksum, full buffer).", "net/ipv4/udp.c"),
        new("UdpOutDatagrams", "UDP datagrams sent.", "net/ipv4/udp.c udp_send_skb()"),
        new("UdpRcvbufErrors", "UDP datagrams dropped: the socket's receive buffer was full.", "net/ipv4/udp.c __udp_queue_rcv_skb()"),
        new("UdpSndbufErrors", "UDP sends that failed for lack of send buffer.", "net/ipv4/udp.c udp_send_skb()"),
        new("UdpInCsumErrors", "UDP datagrams received with a bad checksum (also counted in UdpInErrors).", "net/ipv4/udp.c __udp4_lib_rcv() csum_error (UDP_MIB_CSUMERRORS)"),
        new("UdpIgnoredMulti", "A broadcast or multicast UDP datagram that no socket wanted was dropped (no ICMP answers it).", "net/ipv4/udp.c __udp4_lib_mcast_deliver() (UDP_MIB_IGNOREDMULTI)"),
        new("UdpMemErrors", "A UDP datagram was dropped because UDP memory accounting (net.ipv4.udp_mem) refused it; a full socket buffer counts in UdpRcvbufErrors instead. Also in UdpInErrors.", "net/ipv4/udp.c __udp_queue_rcv_skb() after __udp_enqueue_schedule_skb() (UDP_MIB_MEMERRORS)"),

        // --- IPv6 (/proc/net/snmp6): TCP over IPv6 counts in Tcp* above ---
        new("Ip6InReceives", "IPv6 packets received.", "net/ipv6/ip6_input.c ip6_rcv_core()"),
        new("Ip6InDelivers", "IPv6 packets handed to the protocols.", "net/ipv6/ip6_input.c"),
        new("Ip6OutRequests", "IPv6 packets the protocols asked to send.", "net/ipv6/ip6_output.c"),
        new("Ip6OutTransmits", "IPv6 packets sent out to a device.", "net/ipv6/ip6_output.c"),
        new("Ip6OutNoRoutes", "An IPv6 packet (or connect()) found no route.", "net/ipv6/route.c ip6_pkt_drop()"),
        new("Ip6InOctets", "Bytes of IPv6 received.", "net/ipv6/ip6_input.c"),
        new("Ip6OutOctets", "Bytes of IPv6 sent.", "net/ipv6/ip6_output.c"),
        new("Ip6InNoECTPkts", "IPv6 packets received without ECN.", "net/ipv6/ip6_input.c"),
        new("Ip6InHdrErrors", "IPv6 packets dropped for a header error: version or format, hop limit exceeded, bad options.", $"{Ip6Mib}InHdrErrors; {Ip6List} (IPSTATS_MIB_INHDRERRORS)"),
        new("Ip6InTooBigErrors", "IPv6 packets that could not be forwarded: bigger than the outgoing link's MTU (an ICMPv6 Packet Too Big answers).", $"{Ip6Mib}InTooBigErrors; {Ip6List} (IPSTATS_MIB_INTOOBIGERRORS)"),
        new("Ip6InNoRoutes", "Received IPv6 packets dropped: no route to their destination.", $"{Ip6Mib}InNoRoutes; {Ip6List} (IPSTATS_MIB_INNOROUTES)"),
        new("Ip6InAddrErrors", "IPv6 packets dropped for their destination address: not valid to receive here (e.g. not local while forwarding is off).", $"{Ip6Mib}InAddrErrors; {Ip6List} (IPSTATS_MIB_INADDRERRORS)"),
        new("Ip6InUnknownProtos", "IPv6 packets for a protocol the kernel does not handle and no raw socket takes.", $"{Ip6Mib}InUnknownProtos; {Ip6List}"),
        new("Ip6InTruncatedPkts", "IPv6 packets shorter than their header says: dropped.", $"{Ip6Mib}InTruncatedPkts; {Ip6List}"),
        new("Ip6InDiscards", "IPv6 packets received without error but dropped (e.g. no buffer space).", $"{Ip6Mib}InDiscards; {Ip6List}"),
        new("Ip6OutForwDatagrams", "IPv6 packets forwarded (this host routed them on).", $"{Ip6Mib}OutForwDatagrams; {Ip6List} (IPSTATS_MIB_OUTFORWDATAGRAMS)"),
        new("Ip6OutDiscards", "IPv6 packets to send that were dropped without an error of their own (e.g. no buffer space).", $"{Ip6Mib}OutDiscards; {Ip6List}"),
        new("Ip6ReasmTimeout", "An IPv6 reassembly timed out: fragments waited too long for the rest (also counted in Ip6ReasmFails).", "net/ipv6/reassembly.c ip6_frag_expire() (IPSTATS_MIB_REASMTIMEOUT)"),
        new("Ip6ReasmReqds", "IPv6 fragments received that needed reassembly.", $"{Ip6Mib}ReasmReqds; {Ip6List}"),
        new("Ip6ReasmOKs", "IPv6 packets reassembled from fragments.", $"{Ip6Mib}ReasmOKs; {Ip6List}"),
        new("Ip6ReasmFails", "IPv6 reassemblies that failed (timed out, overlapping or bad fragments).", $"{Ip6Mib}ReasmFails; {Ip6List}"),
        new("Ip6FragOKs", "IPv6 packets fragmented on output.", $"{Ip6Mib}OutFragOKs; {Ip6List}"),
        new("Ip6FragFails", "IPv6 packets dropped because they needed fragmenting here and could not be.", $"{Ip6Mib}OutFragFails; {Ip6List}"),
        new("Ip6FragCreates", "IPv6 fragments created by fragmentation.", $"{Ip6Mib}OutFragCreates; {Ip6List}"),
        new("Ip6InMcastPkts", "IPv6 multicast packets received (neighbor discovery and MLD included).", $"{Ip6Mib}InMcastPkts; {Ip6List}"),
        new("Ip6OutMcastPkts", "IPv6 multicast packets sent (neighbor discovery and MLD included).", $"{Ip6Mib}OutMcastPkts; {Ip6List}"),
        new("Ip6InMcastOctets", "Bytes of IPv6 multicast received.", $"RFC 4293 ipSystemStatsHCInMcastOctets; {Ip6List}"),
        new("Ip6OutMcastOctets", "Bytes of IPv6 multicast sent.", $"RFC 4293 ipSystemStatsHCOutMcastOctets; {Ip6List}"),
        new("Ip6InBcastOctets", "Bytes of broadcast received; IPv6 has no broadcast (RFC 4291), the column is RFC 4293's.", $"RFC 4293 ipSystemStatsHCInBcastOctets; {Ip6List}"),
        new("Ip6OutBcastOctets", "Bytes of broadcast sent; IPv6 has no broadcast (RFC 4291), the column is RFC 4293's.", $"RFC 4293 ipSystemStatsHCOutBcastOctets; {Ip6List}"),
        new("Ip6InECT1Pkts", "IPv6 packets received marked ECT(1) (ECN-capable).", $"RFC 3168; {Ip6List} (IPSTATS_MIB_ECT1PKTS)"),
        new("Ip6InECT0Pkts", "IPv6 packets received marked ECT(0) (ECN-capable).", $"RFC 3168; {Ip6List} (IPSTATS_MIB_ECT0PKTS)"),
        new("Ip6InCEPkts", "IPv6 packets received marked CE: a router on the path signalled congestion (ECN).", $"RFC 3168; {Ip6List} (IPSTATS_MIB_CEPKTS)"),
        new("Icmp6InErrors", "ICMPv6 messages received with an ICMP error (bad checksum, bad length...).", "RFC 2466 icmpv6InErrors; net/ipv6/icmp.c icmpv6_rcv() (ICMP6_MIB_INERRORS)"),
        new("Icmp6OutErrors", "ICMPv6 messages not sent because of a problem in ICMPv6 (e.g. no buffer).", "RFC 2466 icmpv6OutErrors (ICMP6_MIB_OUTERRORS)"),
        new("Icmp6InCsumErrors", "ICMPv6 messages received with a bad checksum (also counted in Icmp6InErrors).", "net/ipv6/icmp.c icmpv6_rcv() (ICMP6_MIB_CSUMERRORS)"),
        new("Icmp6OutRateLimitHost", "An ICMPv6 error was not sent: the per-host rate limit (net.ipv6.icmp.ratelimit) held it back.", "net/ipv6/icmp.c icmpv6_xrlim_allow() (ICMP6_MIB_RATELIMITHOST)"),
        new("Icmp6InMsgs", "ICMPv6 messages received.", "net/ipv6/icmp.c icmpv6_rcv()"),
        new("Icmp6OutMsgs", "ICMPv6 messages sent.", "net/ipv6/icmp.c"),
        new("Icmp6InDestUnreachs", "ICMPv6 destination unreachable received.", "net/ipv6/icmp.c icmpv6_rcv()"),
        new("Icmp6OutDestUnreachs", "ICMPv6 destination unreachable sent (UDP port nobody binds, firewall reject).", "net/ipv6/icmp.c icmp6_send()"),
        new("Udp6InDatagrams", "UDP datagrams over IPv6 delivered to a socket.", "net/ipv6/udp.c"),
        new("Udp6NoPorts", "A UDP datagram over IPv6 arrived for a port nobody binds (ICMPv6 port unreachable answers).", "net/ipv6/udp.c __udp6_lib_rcv()"),
        new("Udp6OutDatagrams", "UDP datagrams sent over IPv6.", "net/ipv6/udp.c"),
        new("Udp6InErrors", "UDP datagrams over IPv6 dropped on receive.", "net/ipv6/udp.c"),
        new("Udp6RcvbufErrors", "UDP datagrams over IPv6 dropped: the socket's receive buffer was full.", "net/ipv6/udp.c __udpv6_queue_rcv_skb() (UDP_MIB_RCVBUFERRORS)"),
        new("Udp6SndbufErrors", "UDP sends over IPv6 that failed for lack of send buffer.", "net/ipv6/udp.c (UDP_MIB_SNDBUFERRORS)"),
        new("Udp6InCsumErrors", "UDP datagrams over IPv6 received with a bad checksum (also counted in Udp6InErrors).", "net/ipv6/udp.c __udp6_lib_rcv() csum_error (UDP_MIB_CSUMERRORS)"),
        new("Udp6IgnoredMulti", "A multicast UDP datagram over IPv6 that no socket wanted was dropped.", "net/ipv6/udp.c __udp6_lib_mcast_deliver() (UDP_MIB_IGNOREDMULTI)"),
        new("Udp6MemErrors", "A UDP datagram over IPv6 was dropped because UDP memory accounting refused it; a full socket buffer counts in Udp6RcvbufErrors instead.", "net/ipv6/udp.c __udpv6_queue_rcv_skb() (UDP_MIB_MEMERRORS)"),

        // --- Windows (iphlpapi; documented, not verified) ---
        new("Tcp6AttemptFails", "Windows, IPv6: connections that failed before they were established (RFC 4022 tcpAttemptFails).", "iphlpapi GetTcpStatisticsEx2(AF_INET6) MIB_TCPSTATS2.dwAttemptFails"),
        new("Tcp6EstabResets", "Windows, IPv6: established connections reset (RFC 4022 tcpEstabResets).", "iphlpapi GetTcpStatisticsEx2(AF_INET6) dwEstabResets"),
        new("Tcp6OutRsts", "Windows, IPv6: RSTs sent (RFC 4022 tcpOutRsts).", "iphlpapi GetTcpStatisticsEx2(AF_INET6) dwOutRsts"),
        new("Tcp6RetransSegs", "Windows, IPv6: segments retransmitted.", "iphlpapi GetTcpStatisticsEx2(AF_INET6) dwRetransSegs"),

        // --- macOS (xnu struct tcpstat; documented, not verified) ---
        new("tcps_connattempt", "macOS: connections initiated (connect()).", "xnu bsd/netinet/tcp_usrreq.c; struct tcpstat"),
        new("tcps_accepts", "macOS: connections accepted by a listener.", "xnu bsd/netinet/tcp_input.c"),
        new("tcps_drops", "macOS: established connections dropped (reset or aborted).", "xnu bsd/netinet/tcp_subr.c tcp_drop()"),
        new("tcps_conndrops", "macOS: embryonic connections dropped (before established).", "xnu bsd/netinet/tcp_subr.c tcp_drop()"),
        new("tcps_timeoutdrop", "macOS: connections dropped by the retransmission timeout.", "xnu bsd/netinet/tcp_timer.c"),
        new("tcps_keepdrops", "macOS: connections dropped because keepalive probes went unanswered.", "xnu bsd/netinet/tcp_timer.c"),
        new("tcps_rexmttimeo", "macOS: retransmission timeouts.", "xnu bsd/netinet/tcp_timer.c"),
        new("tcps_sndrexmitpack", "macOS: data packets retransmitted.", "xnu bsd/netinet/tcp_output.c"),
        new("tcps_listendrop", "macOS: listen queue overflows.", "xnu bsd/netinet/tcp_input.c"),
        new("tcps_rcvafterclose", "macOS: packets received after the socket was closed (answered by RST).", "xnu bsd/netinet/tcp_input.c"),
    };

    private static readonly CounterMeaning[] Known = WithGenerated(Rows);

    /// <summary>A written row wins over a generated one of the same name (e.g. IcmpInDestUnreachs says more).</summary>
    private static CounterMeaning[] WithGenerated(CounterMeaning[] rows)
    {
        var written = new HashSet<string>(rows.Select(r => r.Name), StringComparer.OrdinalIgnoreCase);
        IEnumerable<CounterMeaning> generated = NamedIcmpRows().Concat(UdpLiteRows(rows)).Concat(MptcpRows());
        return rows.Concat(generated.Where(g => !written.Contains(g.Name))).ToArray();
    }

    /// <summary>UDP-Lite (RFC 3828) counts the same events as UDP, in a table of its own: UdpLiteX is UdpX, UdpLite6X is Udp6X.</summary>
    private static IEnumerable<CounterMeaning> UdpLiteRows(IEnumerable<CounterMeaning> rows) =>
        from r in rows
        where r.Name.StartsWith("Udp", StringComparison.Ordinal)
        let v6 = r.Name.StartsWith("Udp6", StringComparison.Ordinal)
        select new CounterMeaning(
            (v6 ? "UdpLite6" : "UdpLite") + r.Name[(v6 ? 4 : 3)..],
            $"As {r.Name}, for UDP-Lite (RFC 3828) sockets: {r.Meaning}",
            (v6 ? "net/ipv6/udplite.c, listed by net/ipv6/proc.c snmp6_udplite6_list" : "net/ipv4/udplite.c udplite_statistics, listed by net/ipv4/proc.c with snmp4_udp_list")
            + $"; as {r.Name}: {r.Source}");

    private static readonly Dictionary<string, CounterMeaning> ByName =
        Known.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, int> LeadRank =
        Lead.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<CounterMeaning> All => Known;

    /// <summary>The meaning of a counter; numbered ICMP columns (IcmpMsgInType3, Icmp6OutType135) by rule.</summary>
    public static CounterMeaning? Find(string name) => ByName.TryGetValue(name, out var m) ? m : NumberedIcmpRow(name);

    /// <summary>Lead counters first (in <see cref="Lead"/> order), then the rest in the order given.</summary>
    public static IEnumerable<T> InViewOrder<T>(IEnumerable<T> items, Func<T, string> name) =>
        items.Select((item, i) => (item, i))
             .OrderBy(x => LeadRank.TryGetValue(name(x.item), out int r) ? r : Lead.Count + x.i)
             .Select(x => x.item);

    public static bool IsLead(string name) => LeadRank.ContainsKey(name);

    /// <summary>The catalogue scenarios measured (on this platform) to move this counter.</summary>
    public static IReadOnlyList<string> ScenariosMoving(string name, OsPlatform platform) =>
        ScenarioCatalog.All.Where(s => s.Counters.Any(c => c.Platform == platform &&
            string.Equals(c.Counter, name, StringComparison.OrdinalIgnoreCase))).Select(s => s.Name).ToList();

    /// <summary>"TcpExtTCPAbortOnData +1, TcpOutRsts +1" in view order: what moved, stable order.</summary>
    public static string Describe(IEnumerable<KeyValuePair<string, long>> moved) =>
        string.Join(", ", InViewOrder(moved, m => m.Key).Select(m => $"{m.Key} {(m.Value >= 0 ? "+" : "")}{m.Value}"));
}
