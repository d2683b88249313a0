namespace SocketProbe.Engine.Matrix;

/// <summary>
/// One catalogue entry as data (Get-SocketScenario): what happens, which cmdlet reproduces it,
/// whether it needs the lab and can run here, and what each platform is documented to return at
/// each step. Linux, MacOS and Windows are flat text; Expectations keeps the rows themselves.
/// </summary>
public sealed class ScenarioInfo
{
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string Textbook { get; init; } = "";
    public string Cmdlet { get; init; } = "";
    /// <summary>Its name within its family: the value of Cmdlet's -Mode, -Variant or -Scenario.</summary>
    public string MemberName { get; init; } = "";
    /// <summary>The command line that runs it at its front door, e.g. "Invoke-PeerCrash -Mode Exit".</summary>
    public string FrontDoor { get; init; } = "";
    public bool NeedsLab { get; init; }
    /// <summary>Client actions it plays, the default (the one the matrix runs) first, e.g. "Receive, Send".</summary>
    public string ClientActions { get; init; } = "";
    public string Linux { get; init; } = "";
    public string MacOS { get; init; } = "";
    public string Windows { get; init; } = "";
    public bool CanRunHere { get; init; }
    /// <summary>Why it is Skipped here (default request); null when it can run.</summary>
    public string? WhyNot { get; init; }
    public IReadOnlyList<Expectation> Expectations { get; init; } = Array.Empty<Expectation>();
    /// <summary>
    /// The kernel counters the scenario moves, per platform, with the kernel source and the figure measured
    /// in a namespace of its own: "Linux: TcpAttemptFails +1 (...); TcpOutRsts +1 (...) | Windows: ...".
    /// </summary>
    public string Counters { get; init; } = "";
    /// <summary>The RST the kernel reports for it with -Trace (Watch-TcpReset): direction, the kernel's reason, the kernel source; empty when it ends in none.</summary>
    public string KernelReset { get; init; } = "";
    /// <summary>The counter rows themselves.</summary>
    public IReadOnlyList<CounterExpectation> CounterExpectations { get; init; } = Array.Empty<CounterExpectation>();

    public static ScenarioInfo From(Scenario scenario)
    {
        string? whyNot = scenario.WhyCannotRun(new ScenarioRequest());
        return new ScenarioInfo
        {
            Name = scenario.Name,
            Description = scenario.Description,
            Textbook = scenario.Textbook,
            Cmdlet = scenario.Cmdlet,
            MemberName = scenario.MemberName,
            FrontDoor = FrontDoors.CommandFor(scenario),
            NeedsLab = scenario.NeedsLab,
            ClientActions = string.Join(", ", scenario.ClientActions),
            Linux = Describe(scenario, OsPlatform.Linux),
            MacOS = Describe(scenario, OsPlatform.MacOS),
            Windows = Describe(scenario, OsPlatform.Windows),
            CanRunHere = whyNot is null,
            WhyNot = whyNot,
            Expectations = scenario.Expectations,
            Counters = DescribeCounters(scenario),
            CounterExpectations = scenario.Counters,
            KernelReset = Trace.ScenarioResets.Describe(scenario.Name),
        };
    }

    /// <summary>
    /// "1 Client Connect: Error ECONNREFUSED; 2 ..." in step order. A row for one client action says
    /// so ("[Send]"). Rows nobody ran on that platform are marked "documented, not verified": once in
    /// front when none was verified, else on each such row.
    /// </summary>
    public static string Describe(Scenario scenario, OsPlatform platform)
    {
        var rows = scenario.Expectations.Where(e => e.Platform == platform).OrderBy(e => e.Step).ToList();
        if (rows.Count == 0) return "none documented";
        bool noneVerified = rows.All(e => !e.Verified);
        string text = string.Join("; ", rows.Select(e =>
        {
            string when = e.When is null ? "" : $" [{e.When}]";
            string what = e.OutcomeText;
            string mark = !e.Verified && !noneVerified ? " (documented, not verified)" : "";
            return $"{e.Step} {e.Actor} {e.Operation}{when}: {what}{mark}";
        }));
        return noneVerified ? $"documented, not verified: {text}" : text;
    }

    /// <summary>"Linux: TcpOutRsts +1 (cause; source); ... | Windows: ..." per platform; "none documented" when it has none.</summary>
    public static string DescribeCounters(Scenario scenario)
    {
        if (scenario.Counters.Count == 0) return "none documented";
        return string.Join(" | ", scenario.Counters.GroupBy(c => c.Platform).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}: {string.Join("; ", g.Select(c => c.Describe()))}"));
    }

    public override string ToString() => Name;
}
