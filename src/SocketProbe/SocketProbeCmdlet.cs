using System.Management.Automation;
using Microsoft.Extensions.Logging;

namespace SocketProbe;

/// <summary>
/// Base of every SocketProbe cmdlet: StopProcessing (Ctrl+C) cancels one token that all engine
/// waits honour, and <see cref="RunEngine"/> runs engine work off the pipeline thread while
/// writing what it produces on the pipeline thread, as it arrives.
/// </summary>
public abstract class SocketProbeCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    protected override void EndProcessing() => _stop.Dispose();

    /// <summary>
    /// Run <paramref name="work"/> on a worker thread; stream its output to the pipeline. Returns
    /// when the work has finished, including its cleanup, also when the pipeline is stopped.
    /// </summary>
    private protected void RunEngine(Func<OutputQueue, ILogger, CancellationToken, Task> work)
    {
        using var queue = new OutputQueue();
        var logger = new PipelineLogger(queue, MinimumLogLevel());
        Task running = Task.Run(async () =>
        {
            try { await work(queue, logger, StopToken).ConfigureAwait(false); }
            finally { queue.Complete(); }
        });
        try
        {
            foreach (object item in queue.Drain())
            {
                Write(item);
            }
            running.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell reports the stop itself.
        }
        finally
        {
            if (!running.IsCompleted)
            {
                // The pipeline stopped under us: cancel the engine and let it release what it holds.
                _stop.Cancel();
                try { running.Wait(TimeSpan.FromSeconds(15)); } catch (AggregateException) { }
            }
        }
    }

    private void Write(object item)
    {
        switch (item)
        {
            case LogItem log when log.Level >= LogLevel.Information:
                WriteVerbose(log.Message);
                break;
            case LogItem log:
                WriteDebug(log.Message);
                break;
            case ProgressItem progress:
                WriteProgress(progress.Record);
                break;
            case ErrorItem error:
                WriteError(error.Record);
                break;
            default:
                WriteObject(item);
                break;
        }
    }

    private LogLevel MinimumLogLevel()
    {
        // Only format Debug lines when someone will see them.
        bool debug = MyInvocation.BoundParameters.ContainsKey("Debug") ||
            (GetVariableValue("DebugPreference") is ActionPreference pref && pref != ActionPreference.SilentlyContinue);
        return debug ? LogLevel.Debug : LogLevel.Information;
    }

    /// <summary>A terminating error for bad input, with the category PowerShell users filter on.</summary>
    protected void ThrowInvalidArgument(string message, string errorId, object? target) =>
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target));
}
