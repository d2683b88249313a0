namespace SocketProbe.Engine;

/// <summary>
/// A request the engine refuses, in words for the person who gave the parameters (they name the
/// cmdlet's parameters, e.g. -ReadMs) and with a stable id; the cmdlets check requests before they
/// run and turn this into an InvalidArgument error record, so each rule is written once, here.
/// </summary>
public sealed class InvalidRequestException : ArgumentException
{
    public InvalidRequestException(string errorId, string message, object? value) : base(message)
    {
        ErrorId = errorId;
        Value = value;
    }

    /// <summary>The error record's id (e.g. SendWithoutReadMs): what scripts and tests match on.</summary>
    public string ErrorId { get; }

    /// <summary>The offending value, the error record's target object.</summary>
    public object? Value { get; }
}
