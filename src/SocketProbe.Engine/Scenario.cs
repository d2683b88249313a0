namespace SocketProbe.Engine;

/// <summary>
/// One catalogue scenario (DESIGN.md §4): its steps, in <see cref="RunAsync"/>, and what each
/// platform is documented to return at each step, in <see cref="Expectations"/>.
/// </summary>
public abstract class Scenario
{
    /// <summary>Stable name: the value of -Scenario / -Name.</summary>
    public abstract string Name { get; }

    /// <summary>One sentence: what happens on the wire.</summary>
    public abstract string Description { get; }

    /// <summary>What the textbooks (Stevens, UNP ch. 5) say the client sees.</summary>
    public abstract string Textbook { get; }

    /// <summary>The cmdlet that is the front door to this scenario's family.</summary>
    public abstract string Cmdlet { get; }

    /// <summary>
    /// Its name within its family: the value its front door takes (Invoke-PeerCrash -Mode,
    /// Test-WriteAfterRst -Variant, Test-TcpRefused -Scenario). Defaults to <see cref="Name"/>.
    /// Two members of one family may share it only if they play different client actions.
    /// </summary>
    public virtual string MemberName => Name;

    /// <summary>Needs the Linux namespace lab (DESIGN.md §5).</summary>
    public virtual bool NeedsLab => false;

    public abstract IReadOnlyList<Expectation> Expectations { get; }

    /// <summary>
    /// The kernel counters this scenario moves, per platform, with the kernel source and the figure
    /// measured in a namespace of its own (Get-SocketScenario's Counters, Get-TcpCounter's Scenarios).
    /// Each scenario overrides it in its own file; none by default.
    /// </summary>
    public virtual IReadOnlyList<CounterExpectation> Counters =>
        Array.Empty<CounterExpectation>();

    /// <summary>Client actions this scenario can play; the first is its default.</summary>
    public virtual IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Default };

    /// <summary>
    /// The kernel timer (or our own bound) the scenario sits out with <paramref name="request"/>'s
    /// values, in ms; 0 when it waits for none; null when not declared (a lab scenario may well wait).
    /// Only a planning hint: the matrix starts the longest waits first so they overlap everything
    /// else. Never an observed value.
    /// </summary>
    public virtual double? ExpectedWaitMs(ScenarioRequest request) => NeedsLab ? null : 0;

    /// <summary>A wait of the kernel's defaults (no value in the request): minutes, so it goes first.</summary>
    protected const double KernelDefaultWaitMs = 120_000;

    /// <summary>Null when the scenario can run here; otherwise the reason it is Skipped. By default: the loopback of the run's family is there (both ends in this process).</summary>
    public virtual string? WhyCannotRun(ScenarioRequest request) => LoopbackPair.WhyUnavailable(request.AddressFamily);

    protected internal abstract Task RunAsync(ScenarioContext context);

    public override string ToString() => Name;
}
