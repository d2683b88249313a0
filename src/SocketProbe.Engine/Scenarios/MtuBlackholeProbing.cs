namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The same black hole with net.ipv4.tcp_mtu_probing = 1 in the namespace: after tcp_retries1
/// retransmission timeouts the kernel suspects a black hole, lowers its MSS to tcp_base_mss and the
/// large write gets through. No TCP_USER_TIMEOUT here: the detection's boundary (retries1 = 3, about
/// 3 s of RTOs at the 200 ms floor) is where a 3 s user timeout ends the connection too (observed:
/// ETIMEDOUT, no recovery), so this variant leaves the kernel's own retries2 and bounds the wait itself.
/// </summary>
public sealed class MtuBlackholeProbing : MtuBlackholeScenario
{
    private static readonly ScenarioStep LargeReceive = new(7, Actors.Peer, "Receive");

    private const string Observed = "observed on Linux 6.18";

    /// <summary>tcp_model_timeout(tcp_retries1 = 3, TCP_RTO_MIN 200 ms): (2^4 - 1) x 200 ms, where the black hole is suspected.</summary>
    private const double RetriesOneMs = 15 * 200;

    public override double? ExpectedWaitMs(ScenarioRequest request) => RetriesOneMs;
    public override string Name => "MtuBlackholeProbing";
    public override string Description => "The MTU black hole with tcp_mtu_probing=1: after about 3 s of retransmissions the kernel lowers its segment size and the large write arrives.";
    public override string Textbook => "RFC 4821 (packetization-layer PMTUD): a black hole is found by probing, the sender lowers its MSS";
    protected override int MtuProbing => 1;
    protected override bool UsesUserTimeout => false;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        Connect.Linux("Success", null, "the handshake's segments are small; " + Observed),
        Accept.Linux("Success", null, "inet_csk_accept() hands over the established child; " + Observed),
        SmallSend.Linux("Success", null, "a segment shorter than the path's MTU; " + Observed),
        SmallReceive.Linux("Success", null, "the small write arrives; " + Observed),
        LargeSend.Linux("Success", null, "tcp_sendmsg_locked() queues the bytes: the write is accepted locally; " + Observed),
        LargeReceive.Linux("Success", null,
            "net/ipv4/tcp_timer.c tcp_write_timeout(): retransmits_timed_out(tcp_retries1) -> tcp_mtu_probing() enables icsk_mtup, " +
            "tcp_sync_mss() drops to search_low (tcp_base_mss 1024); tcp_retransmit_skb() re-fragments to the new MSS and the segments pass; " + Observed)
            with { Window = _ => TimeWindow.AfterTimer(RetriesOneMs) },

        LargeReceive.MacOS("Success", null,
            "xnu bsd/netinet/tcp_timer.c tcp_timers(): pmtud_blackhole_detection (on by default) lowers the MSS to 1200 at the second retransmission"),
        LargeReceive.Windows("Success", null,
            "Windows TCP/IP parameters: EnablePMTUBHDetect = 1 (the counterpart of tcp_mtu_probing = 1; its default is 0) lets TCP lower its segment size after retransmissions go unanswered"),
    };

    protected override async Task EndAsync(ScenarioContext context, Socket client, Socket server, int mssBefore)
    {
        var large = new byte[LargeWrite];
        var read = await context.MeasureAsync(LargeReceive, SocketCalls.ReceiveExactly(server, large), server, isReceive: true).ConfigureAwait(false);
        int after = SegmentSize(client);
        context.Emit(read.WithNote(read.Result == Results.Success && read.Bytes == LargeWrite
            ? $"the whole large write arrived: the client's MSS went from {mssBefore} to {after} (TCP_MAXSEG), under the path's {PathMtu}"
            : $"{read.Bytes ?? 0} of {LargeWrite} bytes arrived; the client's MSS is {after} (TCP_MAXSEG)"));
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured alone in a
    // namespace of its own (two runs); segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpRetransSegs", 14, "segments retransmitted into the fault", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 4, "retransmission timer expiries", "net/ipv4/tcp_timer.c tcp_retransmit_timer(), tcp_syn_ack_timeout()"),
    };
}
