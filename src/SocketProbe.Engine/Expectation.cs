namespace SocketProbe.Engine;

/// <summary>
/// What one platform is documented (or was observed) to return at one step of a scenario.
/// Lives apart from the observation: it only feeds Observation.Expected and Observation.Matches.
/// </summary>
/// <param name="Result">Observation.Result word; alternatives separated by '|'.</param>
/// <param name="ErrnoName">Symbolic errno/WSA name, alternatives separated by '|'; null when the step moves no error.</param>
/// <param name="Source">Where the expectation comes from: man page, kernel source, vendor docs, an observation.</param>
/// <param name="Verified">True once someone ran the scenario on that platform and saw it.</param>
public sealed record Expectation(
    OsPlatform Platform,
    int Step,
    string Actor,
    string Operation,
    string Result,
    string? ErrnoName,
    string Source,
    bool Verified)
{
    /// <summary>The client action this row is for (Receive, Send, ...); null for every action.</summary>
    public string? When { get; init; }

    /// <summary>Text for Observation.Expected, e.g. "Error ECONNREFUSED (tcp_input.c: tcp_reset; observed on Linux 6.18)".</summary>
    public string Describe()
    {
        string what = ErrnoName is null ? Result : $"{Result} {ErrnoName}";
        return Verified ? $"{what} ({Source})" : $"{what} ({Source}; documented, not verified)";
    }

    /// <summary>Does what was observed agree with this expectation? The same call by the same actor, with the same result and errno.</summary>
    public bool Agrees(Observation observed)
    {
        if (!string.Equals(Actor, observed.Actor, StringComparison.Ordinal) ||
            !string.Equals(Operation, observed.Operation, StringComparison.Ordinal)) return false;
        if (!OneOf(Result, observed.Result)) return false;
        return ErrnoName is null || OneOf(ErrnoName, observed.ErrnoName);
    }

    private static bool OneOf(string alternatives, string? value) =>
        value is not null && alternatives.Split('|').Any(a => string.Equals(a.Trim(), value, StringComparison.Ordinal));
}
