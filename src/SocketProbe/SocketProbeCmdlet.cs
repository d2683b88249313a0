using Microsoft.Extensions.Logging;

namespace SocketProbe;

/// <summary>
/// Base of every SocketProbe cmdlet: StopProcessing (Ctrl+C) cancels one token that all engine
/// waits honour, and <see cref="RunEngine"/> runs engine work off the pipeline thread while
/// writing what it produces on the pipeline thread, as it arrives. The token's source is released
/// in Dispose, which PowerShell calls at the end of every pipeline, also after a terminating error
/// (EndProcessing is skipped then).
/// </summary>
public abstract class SocketProbeCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Run <paramref name="work"/> on a worker thread; stream its output to the pipeline. Returns
    /// when the work has finished, including its cleanup, also when the pipeline is stopped.
    /// </summary>
    internal void RunEngine(Func<OutputQueue, ILogger, CancellationToken, Task> work)
    {
        using var queue = new OutputQueue(StopToken);
        // Debug lines are queued only when the caller will see them: the prober logs one per attempt,
        // and 65,535 formatted lines that WriteDebug then drops cost more than the probing itself.
        var logger = new PipelineLogger(queue, DebugWanted() ? LogLevel.Debug : LogLevel.Information);
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
        catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
        {
            // An engine failure (the peer or the lab did not do its part) is an error record, not a stack trace.
            ThrowTerminatingError(EngineError(ex, null));
        }
        finally
        {
            if (!running.IsCompleted)
            {
                // The pipeline stopped under us: cancel the engine (and wake any producer waiting on
                // the bounded queue) and let it release what it holds.
                _stop.Cancel();
                queue.Complete();
                try { running.Wait(TimeSpan.FromSeconds(15)); } catch (AggregateException) { }
            }
        }
    }

    /// <summary>
    /// Run each scenario once per address family, one after another, through the one engine path
    /// (ScenarioRunner), streaming the observations. <paramref name="request"/> builds each run's request.
    /// </summary>
    private protected void RunScenarios(IEnumerable<Engine.Scenario> scenarios, IPFamily family,
        Func<System.Net.Sockets.AddressFamily, Engine.ScenarioRequest> request, string? pcapPath = null)
    {
        using PcapOutput? pcap = PcapOutput.Open(this, pcapPath);
        RunEngine(async (queue, logger, token) =>
        {
            foreach (Engine.Scenario scenario in scenarios)
                foreach (var addressFamily in family.ToAddressFamilies())
                    await Engine.ScenarioRunner.RunAsync(scenario, WithPcap(request(addressFamily), pcap), queue.Add, logger, token).ConfigureAwait(false);
        });
        WritePcap(pcap);
    }

    /// <summary>-PcapPath implies -Capture: the run captures and writes its packets to a part file of its own.</summary>
    private protected static Engine.ScenarioRequest WithPcap(Engine.ScenarioRequest request, PcapOutput? pcap)
    {
        if (pcap is null) return request;
        request.Capture = true;
        request.PcapPath = pcap.NextPart();
        return request;
    }

    /// <summary>Merge the runs' packets into the -PcapPath file.</summary>
    private protected void WritePcap(PcapOutput? pcap)
    {
        if (pcap is null || StopToken.IsCancellationRequested) return;
        try
        {
            long packets = pcap.Merge();
            WriteVerbose($"-PcapPath: {packets} packets written to {pcap.FinalPath}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Engine.Capture.CaptureFormatException)
        {
            WriteError(new ErrorRecord(ex, "PcapWriteFailed", ErrorCategory.WriteError, pcap.FinalPath));
        }
    }

    /// <summary>True when WriteDebug would show (or record) a line: -Debug, or $DebugPreference other than SilentlyContinue/Ignore.</summary>
    private bool DebugWanted()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Debug", out object? debug))
            return debug is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(debug);
        object? preference = SessionState?.PSVariable.GetValue("DebugPreference");
        if (preference is PSObject wrapped) preference = wrapped.BaseObject;
        return preference is not ActionPreference p || (p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore);
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
            case WarningItem warning:
                WriteWarning(warning.Message);
                break;
            case InformationItem info:
                WriteInformation(info.Data, info.Tags);
                break;
            default:
                WriteObject(item);
                break;
        }
    }

    /// <summary>
    /// The probes' -Capture (Test-TcpEndpoint, Watch-TcpConnection, Find-TcpIdleTimeout): one capture for
    /// the whole run, or null without the switch (-PcapPath implies it); without the right to capture, a
    /// warning says why and the probe runs as without it. With <paramref name="pcap"/> the run's own flows
    /// go to a part file, claimed within <paramref name="claimWithin"/> of their SYN (the longest an attempt
    /// takes to learn its local port). End it with <see cref="FinishProbeCapture"/>.
    /// </summary>
    internal Engine.Wire.ProbeWire? StartProbeCapture(bool capture, PcapOutput? pcap = null, TimeSpan? claimWithin = null)
    {
        if (!capture && pcap is null) return null;
        var wire = Engine.Wire.ProbeWire.Start(pcap?.NextPart(), claimWithin);
        if (wire.Unavailable is string why) WriteWarning($"-Capture: nothing captured: {why}");
        return wire;
    }

    /// <summary>
    /// The probes' -Trace: a lease on the kernel's reset account for the whole run, or null without the
    /// switch; where it cannot be read (not root, no tracefs), a warning says what is missing and the
    /// probe runs as without it. The caller disposes it.
    /// </summary>
    internal Engine.Trace.ProbeTrace? StartProbeTrace(bool trace)
    {
        if (!trace) return null;
        var kernel = Engine.Trace.ProbeTrace.Start();
        if (kernel.Unavailable is string why) WriteWarning($"-Trace: ResetSentByThisHost stays empty: {why}");
        return kernel;
    }

    /// <summary>
    /// Close the probes' capture and write the -PcapPath file, also after Ctrl+C: a -Continuous probe
    /// ends that way, and what it captured until then is what the file is for.
    /// </summary>
    internal void FinishProbeCapture(Engine.Wire.ProbeWire? wire, PcapOutput? pcap)
    {
        wire?.Dispose();
        if (wire is { Dropped: > 0 } && !StopToken.IsCancellationRequested)
            WriteWarning($"-Capture: the capture dropped {wire.Dropped} packets (too many on the host's interfaces at once): some of the run's own segments may be missing");
        if (pcap is null || wire?.Unavailable is not null) return;
        try
        {
            long packets = pcap.Merge();
            if (!StopToken.IsCancellationRequested) WriteVerbose($"-PcapPath: {packets} packets of the run's own connections written to {pcap.FinalPath}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Engine.Capture.CaptureFormatException)
        {
            if (!StopToken.IsCancellationRequested) WriteError(new ErrorRecord(ex, "PcapWriteFailed", ErrorCategory.WriteError, pcap.FinalPath));
        }
    }

    /// <summary>An error record for an engine failure, with a category that says what kind.</summary>
    private protected static ErrorRecord EngineError(Exception ex, object? target)
    {
        Exception inner = ex is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerException! : ex;
        var (id, category) = inner switch
        {
            ArgumentException => ("InvalidRequest", ErrorCategory.InvalidArgument),
            Engine.Lab.LabException => ("LabFailed", ErrorCategory.OperationStopped),
            Engine.Lab.PeerException => ("PeerFailed", ErrorCategory.OperationStopped),
            FileNotFoundException => ("ComponentMissing", ErrorCategory.ObjectNotFound),
            TimeoutException => ("EngineTimeout", ErrorCategory.OperationTimeout),
            Engine.Trace.TraceUnavailableException => ("TracingUnavailable", ErrorCategory.ResourceUnavailable),
            _ => ("EngineFailed", ErrorCategory.NotSpecified),
        };
        return new ErrorRecord(inner, id, category, target);
    }

    /// <summary>True when the caller gave the parameter (its default alone does not count).</summary>
    protected internal bool Given(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    /// <summary>A terminating error for bad input, with the category PowerShell users filter on.</summary>
    protected internal void ThrowInvalidArgument(string message, string errorId, object? target) =>
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target));

    /// <summary>
    /// Runs an engine request's Validate before any work: the rules live in the engine, once; what it
    /// refuses becomes a terminating InvalidArgument error with the rule's own id.
    /// </summary>
    internal void CheckRequest(Action validate)
    {
        try
        {
            validate();
        }
        catch (Engine.InvalidRequestException refused)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(refused.Message), refused.ErrorId, ErrorCategory.InvalidArgument, refused.Value));
        }
    }
}
