using System.Management.Automation;
using SocketProbe.Engine;

namespace SocketProbe.Commands;

/// <summary>
/// Test-TcpRefused: the connect-phase failures. Without a target it reproduces ConnectRefused (or
/// another connect-phase scenario) on loopback and emits one observation per socket call.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "TcpRefused", DefaultParameterSetName = ReproduceSet)]
[OutputType(typeof(Observation), ParameterSetName = new[] { ReproduceSet })]
public sealed class TestTcpRefusedCommand : SocketProbeCmdlet
{
    private const string ReproduceSet = "Reproduce";

    [Parameter(ParameterSetName = ReproduceSet, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateScenarioName(Cmdlet = "Test-TcpRefused")]
    [ArgumentCompleter(typeof(ScenarioNameCompleter))]
    public string Scenario { get; set; } = "ConnectRefused";

    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.IPv4;

    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    protected override void EndProcessing()
    {
        Scenario scenario = ScenarioCatalog.Find(Scenario)!;
        RunEngine(async (queue, logger, token) =>
        {
            foreach (var family in AddressFamily.ToAddressFamilies())
            {
                var request = new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs };
                await ScenarioRunner.RunAsync(scenario, request, queue.Add, logger, token).ConfigureAwait(false);
            }
        });
        base.EndProcessing();
    }
}
