namespace SocketProbe.Engine.Scenarios;

/// <summary>Every SYN is silently dropped (nft, in the lab namespace); TCP_SYNCNT bounds the retries.</summary>
public sealed class ConnectTimeout : LabScenario
{
    private static readonly ScenarioStep HostCrashFault = new(1, Actors.Peer, "HostCrash");
    private static readonly ScenarioStep ClientConnect = new(2, Actors.Client, "Connect");

    public override string Name => "ConnectTimeout";
    public override double? ExpectedWaitMs(ScenarioRequest request) =>
        request.SynRetries is int n ? ((2 << n) - 1) * 1000.0 : KernelDefaultWaitMs;   // (2^(n+1) - 1) s of SYN retries
    public override string Description => "SYNs to the peer host are silently dropped; connect retries the SYN, then gives up.";
    public override string Textbook => "ETIMEDOUT after the retries";
    public override string Cmdlet => FrontDoors.TestTcpRefused;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        ClientConnect.Linux("Error", "ETIMEDOUT", "tcp_write_timeout(): SYN_SENT past TCP_SYNCNT retries -> tcp_write_err() ETIMEDOUT; observed on Linux 6.18 (3 s with TCP_SYNCNT 1)") with { Window = r => TimeWindow.AfterSynRetries(r.SynRetries) },
        ClientConnect.MacOS("Error", "ETIMEDOUT", "connect(2) man page, macOS: [ETIMEDOUT] 60"),
        ClientConnect.Windows("Error", "WSAETIMEDOUT", "Windows Sockets Error Codes, WSAETIMEDOUT 10060"),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        var family = context.Request.AddressFamily;
        var host = LabNetwork.PeerHostOf(family);
        LabSteps.Fault(context, HostCrashFault, $"nft drops every packet to and from {host}", () => { lab.AddPeerHost(family); lab.Silence(host); });
        await LabSteps.ConnectWithSynRetriesAsync(context, ClientConnect, host).ConfigureAwait(false);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpAttemptFails", 1, "the SYN_SENT socket gives up", "net/ipv4/tcp.c tcp_done() from SYN_SENT"),
        CounterExpectation.Linux("TcpExtTCPAbortOnTimeout", 1, "TCP_SYNCNT SYN retries ran out: ETIMEDOUT", "net/ipv4/tcp_timer.c tcp_write_err() from tcp_write_timeout()"),
        CounterExpectation.Linux("TcpRetransSegs", 2, "the SYN sent again (TCP_SYNCNT 2 in the default run)", "net/ipv4/tcp_output.c __tcp_retransmit_skb()"),
        CounterExpectation.Linux("TcpExtTCPSynRetrans", 2, "the same retransmissions, counted as SYN retransmits", "net/ipv4/tcp_output.c __tcp_retransmit_skb() (TCPHDR_SYN)"),
        CounterExpectation.Linux("TcpExtTCPTimeouts", 3, "each expiry of the SYN retransmission timer, the last one included", "net/ipv4/tcp_timer.c tcp_retransmit_timer()"),
    };
}
