namespace SocketProbe.Engine;

/// <summary>
/// One outcome a step may have: a result word and, for an Error, the errno it carries. Only an
/// Error carries an errno (Success, EndOfStream, TimedOut, Killed ... carry none), so a step that
/// may either succeed or fail with an errno is two outcomes, never one "Success|Error" with an errno.
/// </summary>
/// <param name="Result">Observation.Result word; alternatives that carry no errno may be separated by '|' ("Exited|Killed").</param>
/// <param name="ErrnoName">For an Error: the errno/WSA name, alternatives separated by '|'; null: any errno (or none).</param>
public sealed record Outcome(string Result, string? ErrnoName = null)
{
    /// <summary>Does an observed result and errno agree with this outcome?</summary>
    public bool Agrees(string? result, string? errnoName) =>
        OneOf(Result, result) && (ErrnoName is null || OneOf(ErrnoName, errnoName));

    /// <summary>The alternatives of a '|' list, trimmed.</summary>
    public static IEnumerable<string> Alternatives(string list) => list.Split('|').Select(a => a.Trim());

    private static bool OneOf(string alternatives, string? value) =>
        value is not null && Alternatives(alternatives).Any(a => string.Equals(a, value, StringComparison.Ordinal));

    public override string ToString() => ErrnoName is null ? Result : $"{Result} {ErrnoName}";
}

/// <summary>
/// What one platform is documented (or was observed) to return at one step of a scenario.
/// Lives apart from the observation: it only feeds Observation.Expected and Observation.Matches.
/// </summary>
/// <param name="Result">The first outcome's Observation.Result word (see <see cref="Outcome"/>); further outcomes in <see cref="Otherwise"/>.</param>
/// <param name="ErrnoName">The first outcome's errno/WSA name, alternatives separated by '|'; null when the step moves no error.</param>
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

    /// <summary>The address family this row is for (a platform that answers IPv4 and IPv6 differently); null for both.</summary>
    public AddressFamily? Family { get; init; }

    /// <summary>Outcomes the step may equally have besides the first, each with its own result and errno.</summary>
    public IReadOnlyList<Outcome> Otherwise { get; init; } = Array.Empty<Outcome>();

    /// <summary>Every outcome this row accepts: (Result, ErrnoName) first, then <see cref="Otherwise"/>.</summary>
    public IReadOnlyList<Outcome> Outcomes => Otherwise.Prepend(new Outcome(Result, ErrnoName)).ToList();

    /// <summary>This row, also accepting <paramref name="result"/> (with <paramref name="errnoName"/> for an Error).</summary>
    public Expectation Or(string result, string? errnoName = null) =>
        this with { Otherwise = Otherwise.Append(new Outcome(result, errnoName)).ToList() };

    /// <summary>The row for this family only (IPv4: InterNetwork, IPv6: InterNetworkV6).</summary>
    public Expectation Over(AddressFamily family) => this with { Family = family };

    /// <summary>Is this row the one for a run of <paramref name="request"/> on <paramref name="platform"/> (its client action and family)?</summary>
    public bool AppliesTo(OsPlatform platform, ScenarioRequest request) =>
        Platform == platform &&
        (When is null || When == request.ClientAction.ToString()) &&
        (Family is null || Family == request.AddressFamily);

    /// <summary>Every errno name any outcome of this row names.</summary>
    public IEnumerable<string> ErrnoNames =>
        Outcomes.Where(o => o.ErrnoName is not null).SelectMany(o => Outcome.Alternatives(o.ErrnoName!));

    /// <summary>"Error ECONNRESET", "Success or Error WSAECONNRESET", with "[IPv4]" for a row of one family.</summary>
    public string OutcomeText =>
        string.Join(" or ", Outcomes) + (Family is AddressFamily f ? $" [{(f == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")}]" : "");

    /// <summary>
    /// When the step's outcome comes from a kernel timer: the time window, worked out from the
    /// request's own timers, that the call's ElapsedMs must fall in (null: any time). An ETIMEDOUT
    /// a minute late (the process was stopped, the machine starved) is not the one documented.
    /// </summary>
    public Func<ScenarioRequest, TimeWindow?>? Window { get; init; }

    /// <summary>The window for <paramref name="request"/>, or null when this step has none (or its timer is the kernel's default).</summary>
    public TimeWindow? WindowFor(ScenarioRequest request) => Window?.Invoke(request);

    /// <summary>Text for Observation.Expected, e.g. "Error ECONNREFUSED (tcp_input.c: tcp_reset; observed on Linux 6.18)".</summary>
    public string Describe() => Describe(null);

    /// <summary>As <see cref="Describe()"/>, with the time window next to the errno: "Error ETIMEDOUT within 2700-7000 ms (...)".</summary>
    public string Describe(TimeWindow? window)
    {
        string what = OutcomeText;
        if (window is not null) what += $" {window}";
        return Verified ? $"{what} ({Source})" : $"{what} ({Source}; documented, not verified)";
    }

    /// <summary>Does what was observed agree with this expectation? The same call by the same actor, with the result and errno of one of its outcomes.</summary>
    public bool Agrees(Observation observed) => Agrees(observed, null);

    /// <summary>As <see cref="Agrees(Observation)"/>, and within <paramref name="window"/> when there is one.</summary>
    public bool Agrees(Observation observed, TimeWindow? window)
    {
        if (!string.Equals(Actor, observed.Actor, StringComparison.Ordinal) ||
            !string.Equals(Operation, observed.Operation, StringComparison.Ordinal)) return false;
        if (!Outcomes.Any(o => o.Agrees(observed.Result, observed.ErrnoName))) return false;
        return window is null || (observed.ElapsedMs is double elapsed && window.Contains(elapsed));
    }
}

/// <summary>The time a timer-driven step may take: [MinMs, MaxMs] of the call's ElapsedMs.</summary>
public sealed record TimeWindow(double MinMs, double MaxMs)
{
    /// <summary>What a loaded machine may add to a timer before the call returns.</summary>
    public const double SlackMs = 1_000;

    public bool Contains(double elapsedMs) => elapsedMs >= MinMs && elapsedMs <= MaxMs;

    /// <summary>
    /// A step that ends when a kernel timer of <paramref name="timerMs"/> fires: not much sooner
    /// (90 %: the timer starts a moment before the call), not later than twice the timer and a
    /// second. Null when the timer is the kernel's default (unknown here).
    /// </summary>
    public static TimeWindow? AfterTimer(double? timerMs) =>
        timerMs is double t && t > 0 ? new TimeWindow(Math.Floor(t * 0.9), Math.Ceiling(t * 2 + SlackMs)) : null;

    /// <summary>TCP_SYNCNT n: the SYN is sent at 0, then retried after 1, 2, 4 ... s; connect fails 2^(n+1)-1 s after it began (TCP_TIMEOUT_INIT 1 s).</summary>
    public static TimeWindow? AfterSynRetries(int? retries) =>
        retries is int n && n >= 0 && n < 16 ? AfterTimer(((1 << (n + 1)) - 1) * 1000.0) : null;

    /// <summary>SO_KEEPALIVE: idle, then count probes an interval apart; the connection fails after idle + count x interval.</summary>
    public static TimeWindow? AfterKeepalive(int? idleSeconds, int? intervalSeconds, int? count) =>
        idleSeconds is int i && intervalSeconds is int v && count is int c ? AfterTimer((i + (double)v * c) * 1000) : null;

    public override string ToString() => $"within {MinMs:F0}-{MaxMs:F0} ms";
}
