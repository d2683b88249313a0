namespace SocketProbe.Commands;

/// <summary>
/// Invoke-PeerCrash: a real peer process meets a real fate (exit, SIGKILL, abortive close, SIGTERM,
/// host crash, reboot, ICMP unreachable) and the client's calls before and after are observed.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PeerCrash")]
[OutputType(typeof(Observation))]
public sealed class InvokePeerCrashCommand : ScenarioCmdlet
{
    /// <summary>A member of the Invoke-PeerCrash family in the catalogue (Scenario.MemberName): Exit, Kill, ..., HostCrash, ...</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateFamilyMember(FrontDoors.InvokePeerCrash)]
    [ArgumentCompleter(typeof(FamilyMemberCompleter))]
    public string Mode { get; set; } = "KillWithUnreadData";

    [Parameter]
    public ClientAction ClientAction { get; set; } = ClientAction.Default;

    /// <summary>Our own bound on any one call: up to a day, so the kernel's own keepalive (about 2 h 11 min) can be waited out.</summary>
    [Parameter]
    [ValidateRange(1, 86_400_000)]
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>TCP_USER_TIMEOUT for HostCrash, Reboot and IcmpUnreachable (lab).</summary>
    [Parameter]
    [ValidateRange(1, 86_400_000)]
    public int UserTimeoutMs { get; set; } = 3_000;

    /// <summary>TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT for -ClientAction Keepalive.</summary>
    [Parameter]
    [ValidateRange(1, 32_767)]
    public int KeepAliveIdleSeconds { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 32_767)]
    public int KeepAliveIntervalSeconds { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 127)]
    public int KeepAliveCount { get; set; } = 2;

    /// <summary>How long an idle client (-ClientAction Idle) waits to show that nothing happens.</summary>
    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int IdleWaitMs { get; set; } = 2_000;

    /// <summary>
    /// The lab middlebox's idle timeout for MiddleboxReset and MiddleboxDrop (conntrack's
    /// nf_conntrack_tcp_timeout_established, seconds): 350 plays an AWS NLB, 240 Azure Load Balancer's default.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 86_400)]
    public int MiddleboxTimeoutSeconds { get; set; } = 1;

    /// <summary>Leave the kernel's own timers (a host crash then takes about 15 minutes to surface).</summary>
    [Parameter]
    public SwitchParameter KernelDefaults { get; set; }

    protected override void EndProcessing()
    {
        // The catalogue resolves the mode; a mode shared by several scenarios (HostCrash) is told apart by the client action.
        Scenario? scenario = ScenarioCatalog.FindMember(FrontDoors.InvokePeerCrash, Mode, ClientAction);
        if (scenario is null)
        {
            var plays = ScenarioCatalog.Members(FrontDoors.InvokePeerCrash, Mode).SelectMany(s => s.ClientActions).Distinct();
            ThrowInvalidArgument($"-Mode {Mode} plays the client actions {string.Join(", ", plays)}, not {ClientAction}.",
                "ClientActionNotSupported", ClientAction);
        }
        RunScenarios(new[] { scenario! }, request =>
        {
            request.CallTimeoutMs = TimeoutMs;
            request.ClientAction = ClientAction;
            request.UserTimeoutMs = UserTimeoutMs;
            request.KeepAliveIdleSeconds = KeepAliveIdleSeconds;
            request.KeepAliveIntervalSeconds = KeepAliveIntervalSeconds;
            request.KeepAliveCount = KeepAliveCount;
            request.IdleWaitMs = IdleWaitMs;
            request.MiddleboxTimeoutSeconds = MiddleboxTimeoutSeconds;
            if (KernelDefaults) request.UseKernelDefaults();
        });
        base.EndProcessing();
    }
}
