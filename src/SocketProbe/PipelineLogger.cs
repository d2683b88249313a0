using Microsoft.Extensions.Logging;

namespace SocketProbe;

/// <summary>
/// An ILogger for the engine that never touches PowerShell: it queues each message, and the
/// cmdlet writes it to Verbose (Information and above) or Debug (Debug, Trace) on the pipeline thread.
/// </summary>
internal sealed class PipelineLogger : ILogger
{
    private readonly OutputQueue _queue;
    private readonly LogLevel _minimum;

    public PipelineLogger(OutputQueue queue, LogLevel minimum)
    {
        _queue = queue;
        _minimum = minimum;
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        string message = formatter(state, exception);
        if (exception is not null) message += $" ({exception.GetType().Name}: {exception.Message})";
        _queue.Add(new LogItem(logLevel, message));
    }
}

internal sealed record LogItem(LogLevel Level, string Message);
