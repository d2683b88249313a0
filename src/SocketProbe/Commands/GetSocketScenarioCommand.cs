using SocketProbe.Engine.Matrix;

namespace SocketProbe.Commands;

/// <summary>
/// Get-SocketScenario: the scenario catalogue as objects (what happens, the cmdlet that reproduces
/// it, lab or not, can it run here, the expectation per platform with its source). Names take
/// wildcards; the output pipes into Invoke-SocketScenario and Get-SocketErrorMatrix by Name.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SocketScenario")]
[OutputType(typeof(ScenarioInfo))]
public sealed class GetSocketScenarioCommand : SocketProbeCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ScenarioNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only lab scenarios; -NeedsLab:$false only the others.</summary>
    [Parameter]
    public SwitchParameter NeedsLab { get; set; }

    protected override void ProcessRecord()
    {
        bool filterLab = MyInvocation.BoundParameters.ContainsKey(nameof(NeedsLab));
        var found = new List<Scenario>();
        foreach (string pattern in Name ?? new[] { "*" })
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matches = ScenarioCatalog.All.Where(s => wildcard.IsMatch(s.Name)).ToList();
            // Like Get-Process: a plain name that is not in the catalogue is an error; a pattern may match nothing.
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No scenario named '{pattern}'. Known scenarios: {string.Join(", ", ScenarioCatalog.Names)}."),
                    "ScenarioNotFound", ErrorCategory.ObjectNotFound, pattern));
            found.AddRange(matches.Where(s => !filterLab || s.NeedsLab == NeedsLab.IsPresent));
        }
        // Catalogue order, each once, however many patterns matched it.
        foreach (Scenario s in ScenarioCatalog.All.Where(found.Contains))
            WriteObject(ScenarioInfo.From(s));
    }
}
