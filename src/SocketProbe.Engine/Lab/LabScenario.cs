using System.Text.Json;
using Microsoft.Extensions.Logging;

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
        if (request.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            return "the lab scenarios run over IPv4 only so far";
        return LabEnvironment.WhyUnavailable() ??
            (File.Exists(DotNetHost.PeerAssembly) ? null : $"the peer program is missing ({DotNetHost.PeerAssembly}); build the module");
    }

    /// <summary>Runs inside the lab namespace (in SocketProbe.Peer's lab mode).</summary>
    protected internal abstract Task RunInLabAsync(ScenarioContext context, LabNetwork lab);

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        // Every field, nulls included: a null timer means "the kernel's default" and must reach the lab as such.
        string request = JsonSerializer.Serialize(context.Request);
        var (dotnet, peerArgs) = DotNetHost.PeerCommand(new[] { "lab", "--scenario", Name, "--request", request });
        // --kill-child: if unshare dies, so does the lab; the lab's own children die with it
        // (PR_SET_PDEATHSIG), and the namespace goes with its last process. No --pid: as PID 1 of its
        // own PID namespace the lab's children were now and then reaped before our waitpid (ECHILD).
        var args = new List<string> { "--map-root-user", "--net", "--fork", "--kill-child=SIGKILL", dotnet };
        args.AddRange(peerArgs);
        string program = LabEnvironment.Tool("unshare");
        if (LabEnvironment.FindTool("setpriv") is string setpriv)
        {
            // And unshare dies with us, even when this process is killed outright (util-linux setpriv).
            args.InsertRange(0, new[] { "--pdeathsig", "KILL", program });
            program = setpriv;
        }
        context.Logger.LogInformation("Starting the namespace lab for {Scenario}", Name);
        using var lab = ChildProcess.Start(program, args,
            new Dictionary<string, string> { ["SOCKETPROBE_IN_LAB"] = "1" });
        await using var stop = context.Cancellation.Register(() => lab.Dispose());
        string? line;
        string? failure = null;
        while ((line = await ReadLineAsync(lab, context.Cancellation).ConfigureAwait(false)) is not null)
        {
            var message = JsonSerializer.Deserialize<LabMessage>(line, LabJson.Options);
            if (message?.Observation is Observation observation) context.Emit(observation);
            else if (message?.Log is string log) context.Logger.Log(message.Level, "[lab] {Message}", log);
            else if (message?.Error is string error) failure = error;
        }
        ExitStatus status = await lab.Exited.WaitAsync(TimeSpan.FromSeconds(10), context.Cancellation).ConfigureAwait(false);
        if (failure is not null || status.Signaled || status.Code != 0)
            throw new LabException($"The {Name} lab failed ({status.Describe()}): {failure ?? lab.ErrorText.Trim()}");
    }

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
}

public static class LabJson
{
    public static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}

/// <summary>The lab could not do its work (a tool failed, the namespace died).</summary>
public sealed class LabException : Exception
{
    public LabException(string message) : base(message) { }
}
