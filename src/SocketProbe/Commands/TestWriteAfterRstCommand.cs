using System.Management.Automation;
using SocketProbe.Engine;

namespace SocketProbe.Commands;

/// <summary>
/// Test-WriteAfterRst: the write-after-reset family. Reproduces each -Variant on loopback (both
/// ends in process) and emits one observation per socket call: the write the kernel still accepts,
/// the RST, the writes that fail (ECONNRESET vs EPIPE) and the receive after.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "WriteAfterRst")]
[OutputType(typeof(Observation))]
public sealed class TestWriteAfterRstCommand : SocketProbeCmdlet
{
    /// <summary>Members of the Test-WriteAfterRst family in the catalogue (Scenario.MemberName); default: every one, in catalogue order.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateFamilyMember(FrontDoors.TestWriteAfterRst)]
    [ArgumentCompleter(typeof(FamilyMemberCompleter))]
    public string[] Variant { get; set; } = ScenarioCatalog.MemberNames(FrontDoors.TestWriteAfterRst).ToArray();

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

    protected override void EndProcessing()
    {
        Scenario[] scenarios = Variant.Select(v => ScenarioCatalog.FindMember(FrontDoors.TestWriteAfterRst, v)!).ToArray();
        RunScenarios(scenarios, AddressFamily, family => new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs, Capture = Capture, Trace = Trace }, PcapPath);
        base.EndProcessing();
    }
}
