namespace SocketProbe.Engine;

/// <summary>
/// The family cmdlets (Scenario.Cmdlet) and the parameter that picks a member of each family
/// (Scenario.MemberName). The front doors validate, complete and resolve that parameter from the
/// catalogue, so a new scenario is one file plus its line in ScenarioCatalog.All.
/// </summary>
public static class FrontDoors
{
    public const string TestTcpRefused = "Test-TcpRefused";
    public const string InvokePeerCrash = "Invoke-PeerCrash";
    public const string TestWriteAfterRst = "Test-WriteAfterRst";
    public const string InvokeSocketScenario = "Invoke-SocketScenario";

    /// <summary>Cmdlet -> the parameter that names a member of its family.</summary>
    public static IReadOnlyDictionary<string, string> Parameter { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [TestTcpRefused] = "Scenario",
        [InvokePeerCrash] = "Mode",
        [TestWriteAfterRst] = "Variant",
        [InvokeSocketScenario] = "Name",
    };

    /// <summary>How to run <paramref name="scenario"/> at its front door, e.g. "Invoke-PeerCrash -Mode Exit".</summary>
    public static string CommandFor(Scenario scenario)
    {
        string parameter = Parameter.TryGetValue(scenario.Cmdlet, out var p) ? p : "Name";
        string line = $"{scenario.Cmdlet} -{parameter} {scenario.MemberName}";
        // A member name shared by several scenarios (HostCrash) is told apart by the client action.
        bool shared = ScenarioCatalog.Members(scenario.Cmdlet, scenario.MemberName).Count > 1;
        return shared && !ReferenceEquals(ScenarioCatalog.Members(scenario.Cmdlet, scenario.MemberName)[0], scenario)
            ? $"{line} -ClientAction {scenario.ClientActions[0]}"
            : line;
    }
}
