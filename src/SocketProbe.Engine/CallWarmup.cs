using Microsoft.Extensions.Logging.Abstractions;

namespace SocketProbe.Engine;

/// <summary>
/// Once per process, before the first timed socket call, every call path of <see cref="SocketCalls"/>
/// runs once through <see cref="ScenarioContext"/> on loopback (TCP connect refused and accepted, accept,
/// send, a receive that waits, shutdown, close; a UDP send and the receive its ICMP error ends; IPv4,
/// and IPv6 where there is ::1): the runtime's socket engine starts, and the JIT compiles those paths
/// and the watch, so a cold first call reads its own time (observed before: 6-9 ms of JIT in the first
/// refused connect of a process, 0.1-0.3 ms after). Never reported; bounded by short timeouts.
/// It runs before a run's instruments start (<see cref="ScenarioInstruments.RunAsync"/>), so its traffic
/// is never in a run's counters or capture; <see cref="ScenarioContext"/> waits for it too, for any
/// other path to a timed call.
/// </summary>
internal static class CallWarmup
{
    private static readonly Lazy<Task> Once = new(RunAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static bool IsDone => Once.IsValueCreated && Once.Value.IsCompleted;

    public static Task EnsureAsync() => Once.Value;

    private static async Task RunAsync()
    {
        foreach (AddressFamily family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            if (LoopbackPair.WhyUnavailable(family) is not null) continue;
            var request = new ScenarioRequest { AddressFamily = family, CallTimeoutMs = 2_000 };
            var context = new ScenarioContext(Scenario.Instance, request, _ => { }, NullLogger.Instance, CancellationToken.None, warmingUp: true);
            try { await Scenario.Instance.RunAsync(context).ConfigureAwait(false); }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // No loopback to warm up on: the calls still run, the first may just be slower.
            }
        }
    }

    /// <summary>The calls, as a scenario makes them; not in the catalogue.</summary>
    private sealed class Scenario : Engine.Scenario
    {
        public static readonly Scenario Instance = new();
        public override string Name => "Warmup";
        public override string Description => "Runs every socket call path once per process; never reported.";
        public override string Textbook => "";
        public override string Cmdlet => "";
        public override IReadOnlyList<Expectation> Expectations { get; } = Array.Empty<Expectation>();

        protected internal override async Task RunAsync(ScenarioContext context)
        {
            IPAddress loopback = Loopback.For(context.Request.AddressFamily);
            using (var refused = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
            {
                await context.MeasureAsync(new ScenarioStep(1, Actors.Client, "Connect"),
                    SocketCalls.Connect(refused, new IPEndPoint(loopback, Loopback.ClosedPort(loopback))), refused).ConfigureAwait(false);
            }
            using var listener = Loopback.Listen(loopback, 4);
            using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await context.MeasureAsync(new ScenarioStep(2, Actors.Client, "Connect"), SocketCalls.Connect(client, listener.LocalEndPoint!), client).ConfigureAwait(false);
            Socket? accepted = null;
            await context.MeasureAsync(new ScenarioStep(3, Actors.Peer, "Accept"), SocketCalls.Accept(listener, s => accepted = s), client).ConfigureAwait(false);
            using Socket server = accepted ?? throw new SocketException((int)SocketError.NotConnected);
            var buffer = new byte[16];
            // A receive that has to wait (the watch), ended by a send.
            Task<Observation> receive = context.MeasureAsync(new ScenarioStep(4, Actors.Peer, "Receive"), SocketCalls.ReceiveExactly(server, buffer), client, isReceive: true);
            await context.MeasureAsync(new ScenarioStep(5, Actors.Client, "Send"), SocketCalls.Send(client, buffer), client).ConfigureAwait(false);
            await receive.ConfigureAwait(false);
            await context.MeasureAsync(new ScenarioStep(6, Actors.Client, "Shutdown"), SocketCalls.Shutdown(client, SocketShutdown.Send), client).ConfigureAwait(false);
            await context.MeasureAsync(new ScenarioStep(7, Actors.Peer, "Receive"), SocketCalls.Receive(server, buffer), client, isReceive: true).ConfigureAwait(false);
            await context.MeasureAsync(new ScenarioStep(8, Actors.Peer, "Close"), SocketCalls.Close(server), client).ConfigureAwait(false);

            using var udp = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Connect(new IPEndPoint(loopback, Loopback.ClosedPort(loopback)));
            await context.MeasureAsync(new ScenarioStep(9, Actors.Client, "Send"), SocketCalls.Send(udp, buffer)).ConfigureAwait(false);
            await context.MeasureAsync(new ScenarioStep(10, Actors.Client, "Receive"), SocketCalls.Receive(udp, buffer), boundMs: 200, isReceive: true).ConfigureAwait(false);
        }
    }
}
