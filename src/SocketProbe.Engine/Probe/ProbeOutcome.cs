namespace SocketProbe.Engine.Probe;

/// <summary>Why one connect attempt ended the way it did.</summary>
public enum ProbeOutcome
{
    /// <summary>The handshake completed: something listens (nmap: syn-ack).</summary>
    Open,
    /// <summary>The far stack answered the SYN with RST (nmap: conn-refused).</summary>
    Refused,
    /// <summary>Nothing came back within the bound: ours, or the kernel's SYN retries (nmap: no-response).</summary>
    TimedOut,
    /// <summary>A router or the local stack said the host cannot be reached (nmap: host-unreach).</summary>
    HostUnreachable,
    /// <summary>No route to the network (nmap: net-unreach).</summary>
    NetworkUnreachable,
    /// <summary>The name gave no address (of the requested family); nothing was sent to the port.</summary>
    NameNotResolved,
    /// <summary>Any other socket error; SocketError, Errno and Message say which.</summary>
    Error,
    /// <summary>
    /// Our own side failed, not the target: a local limit (EMFILE, ENFILE, ENOBUFS, ENOMEM,
    /// EADDRNOTAVAIL) that lasted the whole bound, a TCP self-connect on every try, or a call the
    /// kernel refused before anything was sent (EACCES binding -SourcePort, EINVAL for a link-local
    /// address without its scope). Says nothing about the target; -Summary counts it apart, and it
    /// never counts as loss.
    /// </summary>
    LocalError,
    /// <summary>
    /// The handshake completed, then the far side reset: ECONNRESET on the read (with -ReadMs), or on
    /// the connect itself when the RST beat the connect's completion (a server that accepts and aborts).
    /// </summary>
    Reset,
    /// <summary>The handshake completed, then the far side closed (FIN) before sending any byte (-ReadMs).</summary>
    Closed,
}

/// <summary>What the server did after the handshake, within -ReadMs.</summary>
public enum AfterConnectKind
{
    /// <summary>It sent bytes (a banner, or the answer to -Send).</summary>
    Data,
    /// <summary>It kept the connection open and sent nothing within the window.</summary>
    Silent,
    /// <summary>It closed the connection (FIN, the read gave end of stream) before any byte.</summary>
    Closed,
    /// <summary>It reset the connection (RST: ECONNRESET, or EPIPE on -Send) before any byte.</summary>
    Reset,
}
