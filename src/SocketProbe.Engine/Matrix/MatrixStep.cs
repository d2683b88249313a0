namespace SocketProbe.Engine.Matrix;

/// <summary>
/// The matrix's summary view: one flat row per scenario step, what was observed next to what this
/// platform is documented to return. Built from an Observation only: Observed comes from its
/// observed fields, Expected and Source from its Expected text, Matches as the scenario decided it.
/// </summary>
public sealed class MatrixStep
{
    public string Scenario { get; init; } = "";
    public string AddressFamily { get; init; } = "";
    public int Step { get; init; }
    public string Actor { get; init; } = "";
    public string Operation { get; init; } = "";
    /// <summary>Result and errno name, e.g. "Error ECONNRESET", "EndOfStream", "Skipped".</summary>
    public string Observed { get; init; } = "";
    /// <summary>What this platform is documented to return, e.g. "Error ECONNRESET|EPIPE"; null when nothing is documented.</summary>
    public string? Expected { get; init; }
    public bool? Matches { get; init; }
    public double? ElapsedMs { get; init; }
    /// <summary>Where the expectation comes from (kernel source, man page, observation), and whether it was verified.</summary>
    public string? Source { get; init; }
    /// <summary>The observation's note: why Skipped, the signal, the technique used.</summary>
    public string? Note { get; init; }
    public string Platform { get; init; } = "";

    public static MatrixStep From(Observation o, string addressFamily)
    {
        var (expected, source) = Split(o.Expected);
        return new MatrixStep
        {
            Scenario = o.Scenario,
            AddressFamily = addressFamily,
            Step = o.Step,
            Actor = o.Actor,
            Operation = o.Operation,
            Observed = o.ErrnoName is null ? o.Result : $"{o.Result} {o.ErrnoName}",
            Expected = expected,
            Matches = o.Matches,
            ElapsedMs = o.ElapsedMs,
            Source = source,
            Note = o.Note,
            Platform = o.Platform,
        };
    }

    /// <summary>Expectation.Describe() writes "what (source)"; "what" never holds " (".</summary>
    private static (string? What, string? Source) Split(string? described)
    {
        if (described is null) return (null, null);
        int open = described.IndexOf(" (", StringComparison.Ordinal);
        if (open < 0 || !described.EndsWith(')')) return (described, null);
        return (described[..open], described[(open + 2)..^1]);
    }

    public override string ToString() => $"{Scenario} #{Step} {Actor} {Operation}: {Observed} (expected {Expected ?? "nothing documented"})";
}
