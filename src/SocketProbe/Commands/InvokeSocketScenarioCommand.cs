namespace SocketProbe.Commands;

/// <summary>
/// Invoke-SocketScenario: runs any catalogue scenario by name through the same engine path as the
/// family cmdlets (Test-TcpRefused, Test-WriteAfterRst, ...) and emits one observation per socket call.
/// Names bind from the pipeline by property name, so catalogue entries can be piped in.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SocketScenario")]
[OutputType(typeof(Observation))]
public sealed class InvokeSocketScenarioCommand : ScenarioCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateScenarioName]
    [ArgumentCompleter(typeof(ScenarioNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    protected override void ProcessRecord()
    {
        // One run per pipeline input; RunEngine returns once the scenario has released its sockets.
        Scenario scenario = ScenarioCatalog.Find(Name)!;
        RunScenarios(new[] { scenario }, request => request.CallTimeoutMs = TimeoutMs);
    }
}
