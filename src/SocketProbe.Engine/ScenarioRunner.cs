using Microsoft.Extensions.Logging;

namespace SocketProbe.Engine;

/// <summary>The one engine path every cmdlet uses to run a catalogue scenario.</summary>
public static class ScenarioRunner
{
    public static async Task RunAsync(Scenario scenario, ScenarioRequest request, Action<Observation> sink,
        ILogger logger, CancellationToken cancellation)
    {
        var context = new ScenarioContext(scenario, request, sink, logger, cancellation);
        string? reason = scenario.WhyCannotRun(request);
        if (reason is not null)
        {
            context.Skip(reason);
            return;
        }
        logger.LogInformation("Running {Scenario} ({Family}) on {Platform}", scenario.Name,
            request.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4", PlatformInfo.Description);
        await scenario.RunAsync(context).ConfigureAwait(false);
    }
}
