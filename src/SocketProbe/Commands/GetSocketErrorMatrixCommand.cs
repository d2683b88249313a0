using SocketProbe.Engine.Matrix;

namespace SocketProbe.Commands;

/// <summary>
/// Get-SocketErrorMatrix: runs every catalogue scenario (or those named) side by side and emits
/// every observation, a scenario's rows together and in step order, scenarios in the order they
/// finish. -Steps gives one MatrixStep row per step instead (observed next to expected); -Summary one
/// MatrixSummary row per scenario and family (counts and a verdict), in catalogue order once all have run.
/// Each run's timing (MatrixRun) and the totals (MatrixResult) go to the information stream; the totals'
/// count line is also shown by the host.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SocketErrorMatrix", DefaultParameterSetName = ObservationsSet)]
[OutputType(typeof(Observation), ParameterSetName = new[] { ObservationsSet })]
[OutputType(typeof(MatrixStep), ParameterSetName = new[] { StepsSet })]
[OutputType(typeof(MatrixSummary), ParameterSetName = new[] { SummarySet })]
public sealed class GetSocketErrorMatrixCommand : ScenarioCmdlet
{
    private const string ObservationsSet = "Observations", StepsSet = "Steps", SummarySet = "Summary";
    private const int ProgressId = 1;
    private const string Activity = "Socket error matrix";
    private readonly List<string> _names = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ValidateScenarioName]
    [ArgumentCompleter(typeof(ScenarioNameCompleter))]
    public string[]? Scenario { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = MatrixRunner.DefaultThrottleLimit;

    /// <summary>One MatrixStep row per scenario step: what was observed next to what this platform documents.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StepsSet)]
    public SwitchParameter Steps { get; set; }

    /// <summary>One MatrixSummary row per scenario (and family): steps, matched, differ, skipped and a verdict.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SummarySet)]
    public SwitchParameter Summary { get; set; }

    protected override void ProcessRecord()
    {
        if (Scenario is not null) _names.AddRange(Scenario);
    }

    protected override void EndProcessing()
    {
        // Names piped in pick the scenarios; an empty pipeline runs nothing rather than everything.
        bool all = _names.Count == 0 && !MyInvocation.ExpectingInput;
        var selected = ScenarioCatalog.All
            .Where(s => all || _names.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (selected.Count > 0)
        {
            using PcapOutput? pcap = PcapOutput.Open(this, PcapPath);
            var options = new MatrixOptions
            {
                ThrottleLimit = ThrottleLimit,
                AddressFamilies = AddressFamily.ToAddressFamilies().ToList(),
                NewRequest = family => WithPcap(NewRequest(family), pcap),
            };
            RunEngine(async (queue, logger, token) =>
            {
                MatrixResult result = await MatrixRunner.RunAsync(selected, options, run => HandOver(queue, run),
                    p => queue.Add(new ProgressItem(Progress(p))), logger, token).ConfigureAwait(false);
                // A summary is read whole: its rows in catalogue order, a scenario's families together, once all have run.
                if (Summary) foreach (MatrixRun run in result.Runs) queue.Add(MatrixSummary.From(run));
                queue.Add(new ProgressItem(new ProgressRecord(ProgressId, Activity, result.ToString())
                    { RecordType = ProgressRecordType.Completed, PercentComplete = 100 }));
                queue.Add(new InformationItem(result, new[] { "SocketProbe", "Matrix", "Result" }));
                // The count line, shown by the host as Write-Host's are (tag PSHOST): the Result record above is for scripts.
                queue.Add(new InformationItem(new HostInformationMessage { Message = result.ToString() }, new[] { "PSHOST", "SocketProbe", "Matrix", "CountLine" }));
            });
            WritePcap(pcap);
        }
        base.EndProcessing();
    }

    /// <summary>A finished run: its rows, its timing, and its failure as a non-terminating error.</summary>
    private void HandOver(OutputQueue queue, MatrixRun run)
    {
        if (!Summary)
            foreach (Observation o in run.Observations) queue.Add(Steps ? MatrixStep.From(o, run.AddressFamily) : o);
        queue.Add(new InformationItem(run, new[] { "SocketProbe", "Matrix", "Run" }));
        if (run.Exception is not null)
        {
            ErrorRecord error = EngineError(run.Exception, run.Scenario);
            error.ErrorDetails = new ErrorDetails($"{run.Scenario} ({run.AddressFamily}) failed; the other scenarios go on: {run.Reason}");
            queue.Add(new ErrorItem(error));
        }
    }

    private static ProgressRecord Progress(MatrixProgress p)
    {
        string running = p.Running.Count == 0 ? "none" : string.Join(", ", p.Running);
        return new ProgressRecord(ProgressId, Activity, $"{p.Finished} of {p.Total} done; running: {running}")
        {
            PercentComplete = p.PercentComplete,
            CurrentOperation = p.Event == MatrixEvent.Finished
                ? $"{p.Run.Scenario} ({p.Run.AddressFamily}) {p.Run.Status} in {p.Run.ElapsedMs:F0} ms"
                : $"{p.Run.Scenario} ({p.Run.AddressFamily}) started",
        };
    }
}
