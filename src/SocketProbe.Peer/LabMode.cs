using Microsoft.Extensions.Logging;
using SocketProbe.Engine;
using SocketProbe.Engine.Lab;

namespace SocketProbe.Peer;

/// <summary>
/// Inside the namespace lab: run one lab scenario, playing both ends, and stream every observation
/// and log line back to SocketProbe as one JSON object a line.
/// </summary>
internal static class LabMode
{
    private static readonly object WriteLock = new();

    public static int Run(Options options)
    {
        string name = options.Require("scenario");
        var request = LabJson.DeserializeRequest(options.Require("request"))!;
        if (ScenarioCatalog.Find(name) is not LabScenario scenario)
        {
            Write(new LabMessage { Error = $"'{name}' is not a lab scenario" });
            return 2;
        }
        var logger = new JsonLineLogger();
        try
        {
            var network = LabNetwork.Prepare(logger);
            var context = new ScenarioContext(scenario, request, o => Write(new LabMessage { Observation = o }), logger, CancellationToken.None);
            ScenarioInstruments.RunAsync(context, () => scenario.RunInLabAsync(context, network), ScenarioInstruments.InLab).GetAwaiter().GetResult();
            if (request.Trace) Write(new LabMessage { Ports = context.OwnedPorts(System.Net.Sockets.ProtocolType.Tcp) });
            Write(new LabMessage { Done = true });
            return 0;
        }
        catch (LabCannotRunException ex)
        {
            Write(new LabMessage { Skipped = ex.Message });
            return 0;
        }
        catch (Exception ex)
        {
            Write(new LabMessage { Error = $"{ex.GetType().Name}: {ex.Message}" });
            return 1;
        }
    }

    private static void Write(LabMessage message)
    {
        string line = LabJson.SerializeMessage(message);
        lock (WriteLock)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    private sealed class JsonLineLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Write(new LabMessage { Log = formatter(state, exception), Level = logLevel });
    }
}
