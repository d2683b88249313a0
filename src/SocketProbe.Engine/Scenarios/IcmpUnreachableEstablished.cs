using System.Net.Sockets;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// While established, a router starts answering the client's segments with ICMP host unreachable.
/// TCP treats it as a soft error: it keeps retransmitting and reports it only when it gives up.
/// </summary>
public sealed class IcmpUnreachableEstablished : LabScenario
{
    public override string Name => "IcmpUnreachableEstablished";
    public override double ExpectedWaitMs(ScenarioRequest request) => request.UserTimeoutMs ?? KernelDefaultWaitMs;
    public override string MemberName => "IcmpUnreachable";
    public override string Description => "A router answers an established connection's segments with ICMP host unreachable: a soft error until the retransmissions give up.";
    public override string Textbook => "soft error; send ends EHOSTUNREACH or ETIMEDOUT";
    public override string Cmdlet => "Invoke-PeerCrash";
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send };

    public override IReadOnlyList<Expectation> Expectations { get; } = new Expectation[]
    {
        new(OsPlatform.Linux, 1, "Client", "Connect", "Success", null, "the handshake completes; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 3, "Client", "Send", "Success", null, "the local kernel queues the bytes; observed on Linux 6.18", Verified: true),
        new(OsPlatform.Linux, 4, "Client", "Receive", "Error", "EHOSTUNREACH",
            "tcp_v4_err(): ICMP unreachable on an established socket only sets sk_err_soft; tcp_write_err() reports it (not ETIMEDOUT) when TCP_USER_TIMEOUT ends the retransmits; observed on Linux 6.18", Verified: true)
            { Window = r => TimeWindow.AfterTimer(r.UserTimeoutMs) },
        new(OsPlatform.MacOS, 4, "Client", "Receive", "Error", "ETIMEDOUT",
            "xnu bsd/netinet/tcp_subr.c tcp_notify(): in ESTABLISHED, EHOSTUNREACH/ENETUNREACH/EHOSTDOWN are ignored (only the cached route is freed; no soft error is kept), so the retransmit timer ends with ETIMEDOUT (tcp_timer.c)", Verified: false),
        new(OsPlatform.Windows, 4, "Client", "Receive", "Error", "WSAECONNABORTED|WSAEHOSTUNREACH", "Windows Sockets Error Codes", Verified: false),
    };

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketOptions.UserTimeout(client, context.Request.UserTimeoutMs, context.Logger);
        using PeerProcess? peer = await LabSteps.ConnectToPeerAsync(context, client).ConfigureAwait(false);
        if (peer is null) return;

        LabSteps.Fault(context, 2, "IcmpUnreachable", $"nft answers every packet to {LabNetwork.PeerHost} with ICMP host-unreachable",
            () => lab.RejectHostUnreachable(LabNetwork.PeerHost));
        await LabSteps.SendAsync(context, 3, client).ConfigureAwait(false);
        await LabSteps.ReceiveAsync(context, 4, client).ConfigureAwait(false);
    }
}
