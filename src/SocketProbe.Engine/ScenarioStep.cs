namespace SocketProbe.Engine;

/// <summary>
/// One step of a scenario, declared once: its number, who acts and the call. The run reports it
/// (<see cref="ScenarioContext.CallAsync(ScenarioStep, Func{CancellationToken, ValueTask{int}}, System.Net.Sockets.Socket?, int?, bool)"/>)
/// and the expectation rows are made from it (<see cref="Expect"/>), so the two cannot drift apart.
/// </summary>
/// <param name="When">The client action this step belongs to (Receive, Send, ...); null for every action.</param>
public sealed record ScenarioStep(int Number, string Actor, string Operation, string? When = null)
{
    /// <summary>The expectation of one platform at this step.</summary>
    public Expectation Expect(OsPlatform platform, string result, string? errnoName, string source, bool verified) =>
        new(platform, Number, Actor, Operation, result, errnoName, source, verified) { When = When };

    /// <summary>Linux, observed here: the row is Verified.</summary>
    public Expectation Linux(string result, string? errnoName, string source) =>
        Expect(OsPlatform.Linux, result, errnoName, source, verified: true);

    /// <summary>macOS, from its source or documentation: not verified.</summary>
    public Expectation MacOS(string result, string? errnoName, string source) =>
        Expect(OsPlatform.MacOS, result, errnoName, source, verified: false);

    /// <summary>Windows, from its documentation: not verified.</summary>
    public Expectation Windows(string result, string? errnoName, string source) =>
        Expect(OsPlatform.Windows, result, errnoName, source, verified: false);

    /// <summary>The same step for one client action only.</summary>
    public ScenarioStep For(ClientAction action) => this with { When = action.ToString() };

    public override string ToString() => $"{Number} {Actor} {Operation}{(When is null ? "" : $" [{When}]")}";
}
