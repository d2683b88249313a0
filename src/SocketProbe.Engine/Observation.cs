namespace SocketProbe.Engine;

/// <summary>
/// One socket call, as it really happened. Every property is a scalar so Export-Csv and
/// Format-Table need no help. Observed fields are filled only from the real call; Expected and
/// Matches come from the scenario's own expectation table (see <see cref="Expectation"/>).
/// </summary>
public sealed class Observation
{
    public string Scenario { get; set; } = "";
    /// <summary>IPv4 or IPv6: the family the scenario ran over (rows of one run share it).</summary>
    public string AddressFamily { get; set; } = "";
    public int Step { get; set; }
    public string Actor { get; set; } = "Client";
    public string Operation { get; set; } = "";
    /// <summary>Success, Error, EndOfStream, TimedOut (our own bound), Killed (by signal), Exited, Skipped.</summary>
    public string Result { get; set; } = "";
    /// <summary>System.Net.Sockets.SocketError name as a .NET program on this platform sees it.</summary>
    public string? SocketError { get; set; }
    /// <summary>Native number: errno on Linux/macOS, WSA code on Windows.</summary>
    public int? Errno { get; set; }
    public string? ErrnoName { get; set; }
    public string? Message { get; set; }
    public long? Bytes { get; set; }
    /// <summary>
    /// The call's own time: from just before the system call to its return (for a call that waited, to
    /// the kernel's readiness), with no scheduling, queueing or JIT of ours. Null on rows that are not
    /// calls (a counter, a segment, a process's end).
    /// </summary>
    public double? ElapsedMs { get; set; }
    /// <summary>TCP state of the client socket after the call (Linux TCP_INFO), where the platform can tell.</summary>
    public string? TcpState { get; set; }
    public string Platform { get; set; } = "";
    public string? Expected { get; set; }
    public bool? Matches { get; set; }
    public string? Note { get; set; }
    /// <summary>When the call (or event) started, ms from the scenario's start: orders calls, segments and counters exactly.</summary>
    public double AtMs { get; set; }

    public override string ToString() =>
        $"{Scenario} #{Step} {Actor} {Operation}: {Result}{(ErrnoName is null ? "" : " " + ErrnoName)}";
}

/// <summary>Who a row is about (<see cref="Observation.Actor"/>).</summary>
public static class Actors
{
    /// <summary>The client socket of the scenario (or the prober's).</summary>
    public const string Client = "Client";
    /// <summary>The far endpoint: its socket calls, and what happened to its process or host.</summary>
    public const string Peer = "Peer";
    /// <summary>A segment seen on the wire (-Capture): not a socket call.</summary>
    public const string Wire = "Wire";
    /// <summary>The kernel's counters that moved during the run: not a socket call.</summary>
    public const string Kernel = "Kernel";
}

/// <summary>
/// Which operations are socket calls. Only they carry Expected and Matches (DESIGN §3): a fault the
/// lab applied, a signal, a process's end, a segment or a counter row is not something a platform
/// "returns", so nothing is matched against it.
/// </summary>
public static class Operations
{
    private static readonly HashSet<string> Calls = new(StringComparer.Ordinal)
    {
        "Connect", "Accept", "Listen", "Bind", "Send", "SendTo", "Receive", "ReceiveFrom", "Shutdown", "Close",
    };

    public static bool IsSocketCall(string actor, string operation) =>
        (actor == Actors.Client || actor == Actors.Peer) && Calls.Contains(operation);
}

/// <summary>Result words used in <see cref="Observation.Result"/>.</summary>
public static class Results
{
    public const string Success = "Success";
    public const string Error = "Error";
    public const string EndOfStream = "EndOfStream";
    public const string TimedOut = "TimedOut";
    public const string Killed = "Killed";
    public const string Exited = "Exited";
    public const string Skipped = "Skipped";
    /// <summary>A segment or ICMP error the capture saw (Actor Wire).</summary>
    public const string Seen = "Seen";
}
