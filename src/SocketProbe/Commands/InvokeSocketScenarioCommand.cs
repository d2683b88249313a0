using System.Management.Automation;
using SocketProbe.Engine;

namespace SocketProbe.Commands;

/// <summary>
/// Invoke-SocketScenario: runs any catalogue scenario by name through the same engine path as the
/// family cmdlets (Test-TcpRefused, Test-WriteAfterRst, ...) and emits one observation per socket call.
/// Names bind from the pipeline by property name, so catalogue entries can be piped in.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SocketScenario")]
[OutputType(typeof(Observation))]
public sealed class InvokeSocketScenarioCommand : SocketProbeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateScenarioName]
    [ArgumentCompleter(typeof(ScenarioNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.IPv4;

    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>Add the run's own segments and ICMP errors as Wire rows, in time order among the calls.</summary>
    [Parameter]
    public SwitchParameter Capture { get; set; }

    /// <summary>Add the kernel's own account of the run's resets and drops (reason, who sent it) as Kernel rows, in time order among the calls (Linux, root).</summary>
    [Parameter]
    public SwitchParameter Trace { get; set; }
    /// <summary>Also write the captured packets to this pcapng file (tcpdump -r, Wireshark, Read-TcpCapture); implies -Capture.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PcapPath { get; set; }

    protected override void ProcessRecord()
    {
        // One run per pipeline input; RunEngine returns once the scenario has released its sockets.
        Scenario scenario = ScenarioCatalog.Find(Name)!;
        RunScenarios(new[] { scenario }, AddressFamily, family => new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs, Capture = Capture, Trace = Trace }, PcapPath);
    }
}
