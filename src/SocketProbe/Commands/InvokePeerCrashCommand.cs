using System.Management.Automation;
using SocketProbe.Engine;
using SocketProbe.Engine.Scenarios;

namespace SocketProbe.Commands;

/// <summary>
/// Invoke-PeerCrash: a real peer process meets a real fate (exit, SIGKILL, abortive close, SIGTERM,
/// host crash, reboot, ICMP unreachable) and the client's calls before and after are observed.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PeerCrash")]
[OutputType(typeof(Observation))]
public sealed class InvokePeerCrashCommand : SocketProbeCmdlet
{
    [Parameter(Position = 0)]
    public PeerCrashMode Mode { get; set; } = PeerCrashMode.KillWithUnreadData;

    [Parameter]
    public ClientAction ClientAction { get; set; } = ClientAction.Default;

    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.IPv4;

    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    protected override void EndProcessing()
    {
        Scenario scenario = ScenarioCatalog.All.OfType<PeerCrashScenario>()
            .First(s => s.Mode == Mode.ToString());
        if (ClientAction != ClientAction.Default && !scenario.ClientActions.Contains(ClientAction))
            ThrowInvalidArgument($"-Mode {Mode} plays the client actions {string.Join(", ", scenario.ClientActions)}, not {ClientAction}.",
                "ClientActionNotSupported", ClientAction);
        RunEngine(async (queue, logger, token) =>
        {
            foreach (var family in AddressFamily.ToAddressFamilies())
            {
                var request = new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs, ClientAction = ClientAction };
                await ScenarioRunner.RunAsync(scenario, request, queue.Add, logger, token).ConfigureAwait(false);
            }
        });
        base.EndProcessing();
    }
}

/// <summary>How the peer fails (Invoke-PeerCrash -Mode).</summary>
public enum PeerCrashMode
{
    Exit,
    Kill,
    KillWithUnreadData,
    Abort,
    Shutdown,
}
