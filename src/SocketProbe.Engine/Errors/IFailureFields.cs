namespace SocketProbe.Engine.Errors;

/// <summary>The columns a result gives a failed socket call's codes in (Test-TcpEndpoint, Watch-TcpConnection, Find-TcpIdleTimeout).</summary>
public interface IFailureFields
{
    /// <summary>System.Net.Sockets.SocketError name as .NET reported it.</summary>
    string? SocketError { get; set; }
    /// <summary>Native code of the failure: errno on Linux/macOS, WSA code on Windows.</summary>
    int? Errno { get; set; }
    string? ErrnoName { get; set; }
    /// <summary>The platform's message, or why there is none.</summary>
    string? Message { get; set; }
}
