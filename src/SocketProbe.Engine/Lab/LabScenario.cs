using System.Text.Json;
using System.Text.Json.Serialization;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// A scenario that needs the network to misbehave. On the host side it starts the peer program in
/// a new network namespace with unshare and relays the observations it streams back as
/// JSON lines; inside, <see cref="RunInLabAsync"/> plays both ends with nft rules and routes that
/// exist only in that namespace. When the namespace's last process ends, the namespace and every
/// rule in it are gone.
/// </summary>
public abstract class LabScenario : Scenario
{
    public override bool NeedsLab => true;

    public override string? WhyCannotRun(ScenarioRequest request)
    {
        return LabEnvironment.WhyUnavailable() ??
            (File.Exists(DotNetHost.PeerAssembly) ? null : $"the peer program is missing ({DotNetHost.PeerAssembly}); build the module");
    }

    /// <summary>
    /// Runs inside the lab namespace (in SocketProbe.Peer's lab mode), in the request's family: the
    /// lab's hosts and sockets come from LabSteps and LabNetwork.PeerHostOf, for IPv4 and IPv6 alike.
    /// </summary>
    protected internal abstract Task RunInLabAsync(ScenarioContext context, LabNetwork lab);

    /// <summary>What the lab process may take beyond its calls: the .NET start, a peer's start, nft runs, on a loaded machine.</summary>
    public const int StartAllowanceMs = 20_000;

    /// <summary>
    /// The whole lab run's bound, from the request's own timers: the start allowance, then every
    /// documented step at its call bound, and an idle wait. A lab still running at it is killed.
    /// </summary>
    public virtual int RunBoundMs(ScenarioRequest request)
    {
        int steps = Math.Max(1, Expectations.Where(e => e.Platform == PlatformInfo.Current).Select(e => e.Step).Distinct().Count());
        long bound = StartAllowanceMs + (long)steps * request.CallTimeoutMs + request.IdleWaitMs;
        return (int)Math.Min(int.MaxValue, bound);
    }

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        // Every field, nulls included: a null timer means "the kernel's default" and must reach the lab as such.
        string request = LabJson.SerializeRequest(context.Request);
        var (dotnet, peerArgs) = await DotNetHost.PeerCommandAsync(new[]
        {
            "lab", "--parent", Environment.ProcessId.ToString(), "--scenario", Name, "--request", request,
        }).ConfigureAwait(false);
        // No --fork: unshare(2) moves unshare itself into the new namespaces, then it execs the lab,
        // so the lab is our own child: its real end (a signal, an exit code) reaches our waitpid, and
        // it dies with us (setpriv --pdeathsig; the peer program's own PR_SET_PDEATHSIG with --parent).
        // Its children die with it (PR_SET_PDEATHSIG), and the namespace goes with its last process.
        var args = new List<string> { "--map-root-user", "--net", dotnet };
        args.AddRange(peerArgs);
        string program = LabEnvironment.Tool("unshare");
        if (LabEnvironment.FindSetpriv() is string setpriv)
        {
            args.InsertRange(0, new[] { "--pdeathsig", "KILL", program });
            program = setpriv;
        }
        string ownNamespace = LabEnvironment.OwnNamespace() ?? throw new LabException("cannot read /proc/self/ns/net, so the lab cannot prove it left this namespace");
        int boundMs = RunBoundMs(context.Request);
        context.Logger.LogInformation("Starting the namespace lab for {Scenario} (bound {Bound} ms)", Name, boundMs);
        using var lab = await ChildProcess.StartAsync(program, args, new Dictionary<string, string>
        {
            ["SOCKETPROBE_IN_LAB"] = "1",
            // The lab proves it runs elsewhere by comparing its namespace with this one.
            [LabEnvironment.HostNamespaceVariable] = ownNamespace,
        }).ConfigureAwait(false);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        bound.CancelAfter(boundMs);
        await using var stop = bound.Token.Register(() => lab.Dispose());
        string? line;
        string? failure = null;
        string? skipped = null;
        bool done = false;
        var steps = new SortedSet<int>();
        try
        {
            while ((line = await ReadLineAsync(lab, bound.Token).ConfigureAwait(false)) is not null)
            {
                LabMessage? message;
                try { message = LabJson.DeserializeMessage(line); }
                catch (JsonException) { failure ??= $"the lab wrote a line that is not one of its messages: {line}"; continue; }
                if (message?.Observation is Observation observation) { steps.Add(observation.Step); context.Emit(observation); }
                else if (message?.Log is string log) context.Logger.Log(message.Level, "[lab] {Message}", log);
                else if (message?.Error is string error) failure = error;
                else if (message?.Ports is int[] ports) foreach (int port in ports) context.Own(System.Net.Sockets.ProtocolType.Tcp, port);
                else if (message?.Done == true) done = true;
                else if (message?.Skipped is string reason) skipped = reason;
            }
        }
        catch (OperationCanceledException) when (!context.Cancellation.IsCancellationRequested)
        {
            throw new LabException($"The {Name} lab did not finish within {boundMs / 1000.0:F0} s (its bound, from the request's timers) and was killed.");
        }
        ExitStatus status;
        try { status = await lab.Exited.WaitAsync(TimeSpan.FromSeconds(10), context.Cancellation).ConfigureAwait(false); }
        catch (TimeoutException) { throw new LabException($"The {Name} lab closed its output but did not end within 10 s."); }
        if (status.Signaled)
            throw new LabException($"The {Name} lab process was {status.Describe()} before it finished{(failure is null ? "" : $": {failure}")}");
        if (failure is not null || status.Code != 0)
            throw new LabException($"The {Name} lab failed ({status.Describe()}): {failure ?? (await LastWordsAsync(lab).ConfigureAwait(false))}");
        if (skipped is not null)
        {
            context.Skip(skipped);
            return;
        }
        // A lab that says nothing is no success: it must say it finished, and every step this
        // platform documents for the request must have been observed.
        if (!done)
            throw new LabException($"The {Name} lab ended ({status.Describe()}) without finishing its run: " +
                (steps.Count == 0 ? "it reported no step at all" : $"its last step was {steps.Max}") +
                (await LastWordsAsync(lab).ConfigureAwait(false) is { Length: > 0 } text ? $"; it wrote: {text}" : ""));
        var missing = MissingSteps(context.Request, steps);
        if (missing.Count > 0)
            throw new LabException($"The {Name} lab finished without step{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}, which {PlatformInfo.Current} documents for this run");
    }

    /// <summary>Steps this platform documents for <paramref name="request"/>'s client action that were not observed.</summary>
    public IReadOnlyList<int> MissingSteps(ScenarioRequest request, IReadOnlyCollection<int> observed) =>
        Expectations.Where(e => e.AppliesTo(PlatformInfo.Current, request))
            .Select(e => e.Step).Distinct().Where(s => !observed.Contains(s)).OrderBy(s => s).ToList();

    /// <summary>What the lab wrote to stderr, to its end (bounded: its exit can be reaped before its last line is read).</summary>
    private static async Task<string> LastWordsAsync(ChildProcess lab) =>
        (await lab.FinalErrorTextAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false)).Trim();

    private static async Task<string?> ReadLineAsync(ChildProcess lab, CancellationToken cancellation)
    {
        try { return await lab.Output.ReadLineAsync(cancellation).ConfigureAwait(false); }
        catch (ObjectDisposedException) when (cancellation.IsCancellationRequested) { throw new OperationCanceledException(cancellation); }
    }
}

/// <summary>One JSON line from the lab: an observation, a log line or a failure.</summary>
public sealed class LabMessage
{
    public Observation? Observation { get; set; }
    public string? Log { get; set; }
    public LogLevel Level { get; set; }
    public string? Error { get; set; }
    /// <summary>The lab's own TCP ports (with -Trace): the host's trace keeps their flows, traced from the host's view.</summary>
    public int[]? Ports { get; set; }
    /// <summary>The lab's last line: the scenario ran to its end.</summary>
    public bool? Done { get; set; }
    /// <summary>The lab's last line: it cannot run here, and why (reported as Skipped).</summary>
    public string? Skipped { get; set; }
}

/// <summary>
/// The lab's JSON, generated at compile time (no reflection), so the lab host may be a NativeAOT
/// program: the request travels with every field, nulls included (a null timer means "the kernel's
/// default"); messages leave their nulls out.
/// </summary>
public static class LabJson
{
    public static string SerializeRequest(ScenarioRequest request) => JsonSerializer.Serialize(request, LabRequestJson.Default.ScenarioRequest);
    public static ScenarioRequest? DeserializeRequest(string json) => JsonSerializer.Deserialize(json, LabRequestJson.Default.ScenarioRequest);
    public static string SerializeMessage(LabMessage message) => JsonSerializer.Serialize(message, LabMessageJson.Default.LabMessage);
    public static LabMessage? DeserializeMessage(string line) => JsonSerializer.Deserialize(line, LabMessageJson.Default.LabMessage);
}

[JsonSerializable(typeof(ScenarioRequest))]
internal sealed partial class LabRequestJson : JsonSerializerContext { }

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LabMessage))]
internal sealed partial class LabMessageJson : JsonSerializerContext { }

/// <summary>
/// The lab cannot run here, found out inside it (a sysctl that cannot be written): the run is
/// Skipped with this reason, not failed.
/// </summary>
public sealed class LabCannotRunException : Exception
{
    public LabCannotRunException(string message) : base(message) { }
}

/// <summary>The lab could not do its work (a tool failed, the namespace died).</summary>
public sealed class LabException : Exception
{
    public LabException(string message) : base(message) { }
}
