using System.Collections;
using System.Management.Automation.Language;

namespace SocketProbe;

/// <summary>
/// Validates a scenario name against the engine's catalogue (optionally one cmdlet's family), so
/// the list lives in one place: the catalogue.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateScenarioNameAttribute : ValidateArgumentsAttribute
{
    public string? Cmdlet { get; set; }

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        foreach (string name in ScenarioNames.Values(arguments))
        {
            Scenario? found = ScenarioCatalog.Find(name);
            if (found is null || (Cmdlet is not null && !string.Equals(found.Cmdlet, Cmdlet, StringComparison.OrdinalIgnoreCase)))
            {
                string known = string.Join(", ", ScenarioNames.For(Cmdlet));
                throw new ValidationMetadataException($"Unknown scenario '{name}'. Known scenarios: {known}.");
            }
        }
    }
}

/// <summary>
/// Validates a front door's family parameter (Invoke-PeerCrash -Mode, Test-WriteAfterRst -Variant,
/// Test-TcpRefused -Scenario) against the members of its family in the catalogue (Scenario.MemberName).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateFamilyMemberAttribute : ValidateArgumentsAttribute
{
    public ValidateFamilyMemberAttribute(string cmdlet) => Cmdlet = cmdlet;

    public string Cmdlet { get; }

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        foreach (string name in ScenarioNames.Values(arguments))
        {
            if (ScenarioCatalog.Members(Cmdlet, name).Count > 0) continue;
            string what = FrontDoors.Parameter.TryGetValue(Cmdlet, out var p) ? p.ToLowerInvariant() : "value";
            throw new ValidationMetadataException(
                $"Unknown {what} '{name}'. {Cmdlet} -{p ?? what} takes: {string.Join(", ", ScenarioCatalog.MemberNames(Cmdlet))}.");
        }
    }
}

/// <summary>Tab completion of scenario names (every scenario), drawn from the catalogue.</summary>
public sealed class ScenarioNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ScenarioNames.Complete(ScenarioCatalog.All.Select(s => (s.Name, s.Description)), wordToComplete);
}

/// <summary>
/// Tab completion of a front door's family parameter, drawn from the catalogue: the members of the
/// family whose cmdlet is completing (found by its name, or by the parameter's name when an alias is used).
/// </summary>
public sealed class FamilyMemberCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? cmdlet = ScenarioNames.FrontDoorOf(commandName, parameterName);
        if (cmdlet is null) return Array.Empty<CompletionResult>();
        var members = ScenarioCatalog.Family(cmdlet)
            .GroupBy(s => s.MemberName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (g.First().MemberName, string.Join(" / ", g.Select(s => $"{s.Name}: {s.Description}"))));
        return ScenarioNames.Complete(members, wordToComplete);
    }
}

internal static class ScenarioNames
{
    public static IEnumerable<string> For(string? cmdlet) =>
        ScenarioCatalog.All.Where(s => cmdlet is null || string.Equals(s.Cmdlet, cmdlet, StringComparison.OrdinalIgnoreCase)).Select(s => s.Name);

    /// <summary>One value or many (string[] parameters), as strings.</summary>
    public static IEnumerable<string> Values(object arguments)
    {
        IEnumerable values = arguments as IEnumerable is { } many && arguments is not string ? many : new[] { arguments };
        foreach (object? value in values) yield return LanguagePrimitives.ConvertTo<string>(value);
    }

    /// <summary>The family cmdlet behind a completion: "SocketProbe\Invoke-PeerCrash" or an alias's parameter name.</summary>
    public static string? FrontDoorOf(string commandName, string parameterName)
    {
        string name = commandName.Contains('\\') ? commandName[(commandName.LastIndexOf('\\') + 1)..] : commandName;
        if (FrontDoors.Parameter.ContainsKey(name) && ScenarioCatalog.Family(name).Any()) return FrontDoors.Parameter.Keys.First(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
        var byParameter = FrontDoors.Parameter.Where(kv => kv.Value.Equals(parameterName, StringComparison.OrdinalIgnoreCase)).Select(kv => kv.Key).ToList();
        return byParameter.Count == 1 ? byParameter[0] : null;
    }

    public static IEnumerable<CompletionResult> Complete(IEnumerable<(string Value, string Tooltip)> values, string wordToComplete)
    {
        string prefix = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var (value, tooltip) in values)
        {
            if (!value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            yield return new CompletionResult(value, value, CompletionResultType.ParameterValue, string.IsNullOrEmpty(tooltip) ? value : tooltip);
        }
    }
}
