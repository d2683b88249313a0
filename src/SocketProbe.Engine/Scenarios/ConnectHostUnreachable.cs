using System.Net.Sockets;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>A router answers the SYN with ICMP host unreachable (nft reject, in the lab namespace).</summary>
public sealed class ConnectHostUnreachable : LabScenario
{
    public override string Name => "ConnectHostUnreachable";
    public override string Description => "A router answers every SYN with ICMP host unreachable.";
    public override string Textbook => "EHOSTUNREACH";
    public override string Cmdlet => "Test-TcpRefused";

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 2, "Client", "Connect", "Error", "EHOSTUNREACH",
            "tcp_v4_err(): ICMP host unreachable in SYN_SENT fails the connect with EHOSTUNREACH; observed on Linux 6.18", Verified: true),
        new(OsPlatform.MacOS, 2, "Client", "Connect", "Error", "EHOSTUNREACH",
            "xnu bsd/netinet/tcp_subr.c tcp_notify(): before ESTABLISHED a host-unreachable only sets t_softerror and the SYN is retransmitted; the connect fails with EHOSTUNREACH only after 4 retransmits (t_rxtshift > 3) or when the retries run out (tcp_timer.c: tcp_drop(tp, t_softerror ? t_softerror : ETIMEDOUT)), not at once. FreeBSD tcp-testsuite rcv-icmp/rcv-icmp-hard-error-ignored-ipv4.pkt: SO_ERROR stays 0. (An ICMP admin-prohibited is different: tcp_ctlinput() -> tcp_drop_syn_sent() ECONNREFUSED at once, rcv-icmp-hard-error-host-prohibited-ipv4.pkt)", Verified: false),
        new(OsPlatform.Windows, 2, "Client", "Connect", "Error", "WSAEHOSTUNREACH", "Windows Sockets Error Codes, WSAEHOSTUNREACH 10065", Verified: false),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        LabSteps.Fault(context, 1, "IcmpUnreachable", $"nft answers every packet to {LabNetwork.PeerHost} with ICMP host-unreachable",
            () => lab.RejectHostUnreachable(LabNetwork.PeerHost));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketOptions.SynRetries(client, context.Request.SynRetries, context.Logger);
        await LabSteps.ConnectAsync(context, 2, client, LabNetwork.PeerHost, 7).ConfigureAwait(false);
    }
}
