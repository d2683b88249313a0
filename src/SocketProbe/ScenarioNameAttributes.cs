using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SocketProbe.Engine;

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
        IEnumerable values = arguments as IEnumerable is { } many && arguments is not string ? many : new[] { arguments };
        foreach (object? value in values)
        {
            string name = LanguagePrimitives.ConvertTo<string>(value);
            Scenario? found = ScenarioCatalog.Find(name);
            if (found is null || (Cmdlet is not null && found.Cmdlet != Cmdlet))
            {
                string known = string.Join(", ", ScenarioNames.For(Cmdlet));
                throw new ValidationMetadataException($"Unknown scenario '{name}'. Known scenarios: {known}.");
            }
        }
    }
}

/// <summary>Tab completion of scenario names, drawn from the catalogue.</summary>
public sealed class ScenarioNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? family = commandName.Equals("Test-TcpRefused", StringComparison.OrdinalIgnoreCase) ? "Test-TcpRefused" : null;
        foreach (Scenario s in ScenarioCatalog.All)
        {
            if (family is not null && s.Cmdlet != family) continue;
            if (!s.Name.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase)) continue;
            yield return new CompletionResult(s.Name, s.Name, CompletionResultType.ParameterValue, s.Description);
        }
    }
}

internal static class ScenarioNames
{
    public static IEnumerable<string> For(string? cmdlet) =>
        ScenarioCatalog.All.Where(s => cmdlet is null || s.Cmdlet == cmdlet).Select(s => s.Name);
}
