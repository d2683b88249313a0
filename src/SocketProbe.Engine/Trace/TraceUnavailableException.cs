namespace SocketProbe.Engine.Trace;

/// <summary>
/// The kernel's account cannot be read here: the message names the missing piece (no tracefs, not
/// root, an event or field this kernel lacks) and what still works without it.
/// </summary>
public sealed class TraceUnavailableException : Exception
{
    public TraceUnavailableException(string message) : base(message) { }

    /// <summary>What still works when tracing does not: the counters and the capture.</summary>
    public const string StillWorks = "What still works: Get-TcpCounter (TcpExtTCPAbortOnClose, TcpOutRsts ... count resets without saying which), and -Capture on the scenario and probe cmdlets (shows each RST on the wire, not why it was sent).";
}
