namespace SocketProbe.Engine;

/// <summary>The one engine path every cmdlet uses to run a catalogue scenario.</summary>
public static class ScenarioRunner
{
    public static async Task RunAsync(Scenario scenario, ScenarioRequest request, Action<Observation> sink,
        ILogger logger, CancellationToken cancellation)
    {
        request = WithClientAction(scenario, request);
        var context = new ScenarioContext(scenario, request, sink, logger, cancellation);
        // The lab check starts a throw-away namespace once per process: await it, so that WhyCannotRun
        // finds it done rather than blocking a pool thread while the matrix's other runs wait for one.
        if (scenario.NeedsLab) await Lab.LabEnvironment.WhyUnavailableAsync().ConfigureAwait(false);
        string? reason = scenario.WhyCannotRun(request);
        if (reason is not null)
        {
            context.Skip(reason);
            return;
        }
        logger.LogInformation("Running {Scenario} ({Family}) on {Platform}", scenario.Name,
            request.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4", PlatformInfo.Description);
        // A lab scenario's instruments run inside its namespace (LabMode), where its sockets are; the
        // host-wide ones (the kernel's trace, which sees every namespace) run here around it.
        if (scenario is Lab.LabScenario) await ScenarioInstruments.RunAsync(context, () => scenario.RunAsync(context), ScenarioInstruments.HostWide).ConfigureAwait(false);
        else await ScenarioInstruments.RunAsync(context, () => scenario.RunAsync(context), ScenarioInstruments.All).ConfigureAwait(false);
    }

    /// <summary>Resolve ClientAction.Default to the scenario's own default; refuse one it cannot play.</summary>
    private static ScenarioRequest WithClientAction(Scenario scenario, ScenarioRequest request)
    {
        ClientAction action = request.ClientAction == ClientAction.Default ? scenario.ClientActions[0] : request.ClientAction;
        if (!scenario.ClientActions.Contains(action))
            throw new ArgumentException(
                $"Scenario {scenario.Name} cannot play client action {action}; it plays {string.Join(", ", scenario.ClientActions)}.");
        return request.With(action);
    }
}
