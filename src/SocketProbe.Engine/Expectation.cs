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
        string what = ErrnoName is null ? Result : $"{Result} {ErrnoName}";
        if (window is not null) what += $" {window}";
        return Verified ? $"{what} ({Source})" : $"{what} ({Source}; documented, not verified)";
    }

    /// <summary>Does what was observed agree with this expectation? The same call by the same actor, with the same result and errno.</summary>
    public bool Agrees(Observation observed) => Agrees(observed, null);

    /// <summary>As <see cref="Agrees(Observation)"/>, and within <paramref name="window"/> when there is one.</summary>
    public bool Agrees(Observation observed, TimeWindow? window)
    {
        if (!string.Equals(Actor, observed.Actor, StringComparison.Ordinal) ||
            !string.Equals(Operation, observed.Operation, StringComparison.Ordinal)) return false;
        if (!OneOf(Result, observed.Result)) return false;
        if (ErrnoName is not null && !OneOf(ErrnoName, observed.ErrnoName)) return false;
        return window is null || (observed.ElapsedMs is double elapsed && window.Contains(elapsed));
    }

    private static bool OneOf(string alternatives, string? value) =>
        value is not null && alternatives.Split('|').Any(a => string.Equals(a.Trim(), value, StringComparison.Ordinal));
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
