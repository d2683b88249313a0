namespace SocketProbe.Engine.Wire;

/// <summary>
/// The wire fields declared once for the results whose columns end with them (Test-TcpEndpoint's attempts,
/// Find-TcpIdleTimeout's answers and connections). Reflection lists a base class's properties after the
/// derived class's own, so they stay the last columns of Export-Csv and Select-Object *.
/// </summary>
public abstract class WireFieldsResult : IWireFields
{
    /// <summary>-Capture: TTL (IPv6: hop limit) of the target's SYN-ACK on this flow.</summary>
    public int? SynAckTtl { get; set; }
    /// <summary>-Capture: TTL (IPv6: hop limit) of the RST that answered this flow.</summary>
    public int? ResetTtl { get; set; }
    /// <summary>-Capture: Peer (the RST came from as many hops away as the SYN-ACK), Path (it did not: forged on the way, e.g. by a middlebox that forgot the flow), Unknown (no SYN-ACK to compare); empty without a RST.</summary>
    public string? ResetFrom { get; set; }
    /// <summary>-Capture: the address of the router (or host) whose ICMP error answered this flow.</summary>
    public string? IcmpFrom { get; set; }
    /// <summary>-Trace: True when this host's own TCP sent the RST this flow met, False when it came from elsewhere (the peer or a middlebox); empty when unknown.</summary>
    public bool? ResetSentByThisHost { get; set; }
    /// <summary>-Trace: the kernel's reason for an RST this host sent.</summary>
    public string? ResetKernelReason { get; set; }
}
