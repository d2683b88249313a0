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
    public double ElapsedMs { get; set; }
    /// <summary>TCP state of the client socket after the call (Linux TCP_INFO), where the platform can tell.</summary>
    public string? TcpState { get; set; }
    public string Platform { get; set; } = "";
    public string? Expected { get; set; }
    public bool? Matches { get; set; }
    public string? Note { get; set; }

    public override string ToString() =>
        $"{Scenario} #{Step} {Actor} {Operation}: {Result}{(ErrnoName is null ? "" : " " + ErrnoName)}";
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
}
