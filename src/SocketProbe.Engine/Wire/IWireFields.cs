namespace SocketProbe.Engine.Wire;

/// <summary>
/// A probe's result that carries what -Capture (and -Trace, the kernel's account) saw on its own flow (Test-TcpEndpoint,
/// Watch-TcpConnection, Find-TcpIdleTimeout): filled by <see cref="ProbeWire.Annotate"/>, one code for all.
/// </summary>
public interface IWireFields
{
    /// <summary>TTL (IPv6: hop limit) of the target's SYN-ACK on this flow.</summary>
    int? SynAckTtl { get; set; }
    /// <summary>TTL (IPv6: hop limit) of the RST on this flow.</summary>
    int? ResetTtl { get; set; }
    /// <summary>Peer (as many hops away as the SYN-ACK), Path (not: forged on the way), Unknown (no SYN-ACK to compare); empty without a RST.</summary>
    string? ResetFrom { get; set; }
    /// <summary>The router (or host) whose ICMP error answered this flow.</summary>
    string? IcmpFrom { get; set; }

    /// <summary>-Trace: True when this host's own TCP sent the RST the flow met (the kernel's tcp_send_reset), False when it only received it (the peer or a middlebox sent it); empty when the kernel showed no RST on the flow, or without -Trace.</summary>
    bool? ResetSentByThisHost { get; set; }
    /// <summary>-Trace: the kernel's reason for the RST this host sent (TCP_ABORT_ON_CLOSE, NO_SOCKET, ...).</summary>
    string? ResetKernelReason { get; set; }

    /// <summary>Copy one result's wire fields onto another (an answer that speaks for one of its connections).</summary>
    static void Copy(IWireFields from, IWireFields to)
    {
        (to.SynAckTtl, to.ResetTtl, to.ResetFrom, to.IcmpFrom) = (from.SynAckTtl, from.ResetTtl, from.ResetFrom, from.IcmpFrom);
        (to.ResetSentByThisHost, to.ResetKernelReason) = (from.ResetSentByThisHost, from.ResetKernelReason);
    }
}
