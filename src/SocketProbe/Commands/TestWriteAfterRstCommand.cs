namespace SocketProbe.Commands;

/// <summary>
/// Test-WriteAfterRst: the write-after-reset family. Reproduces each -Variant on loopback (both
/// ends in process) and emits one observation per socket call: the write the kernel still accepts,
/// the RST, the writes that fail (ECONNRESET vs EPIPE) and the receive after.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "WriteAfterRst")]
[OutputType(typeof(Observation))]
public sealed class TestWriteAfterRstCommand : ScenarioCmdlet
{
    /// <summary>Members of the Test-WriteAfterRst family in the catalogue (Scenario.MemberName); default: every one, in catalogue order.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateFamilyMember(FrontDoors.TestWriteAfterRst)]
    [ArgumentCompleter(typeof(FamilyMemberCompleter))]
    public string[] Variant { get; set; } = ScenarioCatalog.MemberNames(FrontDoors.TestWriteAfterRst).ToArray();

    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    protected override void EndProcessing()
    {
        Scenario[] scenarios = Variant.Select(v => ScenarioCatalog.FindMember(FrontDoors.TestWriteAfterRst, v)!).ToArray();
        RunScenarios(scenarios, request => request.CallTimeoutMs = TimeoutMs);
        base.EndProcessing();
    }
}
