using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SocketProbe.Engine;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>Tests that change the process's thread pool run alone (xunit runs this collection after the others, one at a time).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StarvedPoolCollection
{
    public const string Name = "Starved thread pool";
}

/// <summary>
/// DESIGN §3: ElapsedMs is the call's own time, with no queueing of ours. On Unix .NET ends a pending
/// socket call on a thread-pool thread, so with the pool kept busy on purpose (every worker asleep in
/// a work item, the pool capped so it cannot grow) a call's end waits for a worker. The loopback
/// connects still take well under a millisecond in the kernel: their rows must say so.
/// </summary>
[Collection(StarvedPoolCollection.Name)]
public sealed class CallTimeTests
{
    private const int HoldMs = 250;

    [Theory]
    [InlineData("ConnectRefused", "Error")]
    [InlineData("ResetBeforeAccept", "Success")]
    [InlineData("AcceptThenReset", "Success")]
    public async Task A_loopback_connect_reads_its_own_time_while_the_thread_pool_is_starved(string name, string result)
    {
        Scenario scenario = ScenarioCatalog.Find(name)!;
        await RunAsync(scenario); // warm: this test is about queueing, not JIT

        List<Observation> rows;
        double hopMs;
        using (var starved = PoolStarvation.Start(HoldMs))
        {
            hopMs = await starved.HopMsAsync();
            rows = await RunAsync(scenario);
        }

        // The starvation is real: a work item queued now waits for a worker (so the test can fail).
        Assert.True(hopMs >= HoldMs / 2.0, $"a work item waited only {hopMs:F1} ms: the pool was not starved");
        Observation connect = Assert.Single(rows, o => o.Step == 1);
        Assert.Equal("Connect", connect.Operation);
        Assert.Equal(result, connect.Result);
        Assert.True(connect.ElapsedMs < 50,
            $"{name} step 1 Connect read {connect.ElapsedMs:F1} ms with the pool starved (a work item waited {hopMs:F0} ms): queueing, not the call");
        Assert.All(rows.Where(o => o.Actor == Actors.Kernel), o => Assert.False(o.ElapsedMs.HasValue, "a counter row is not a call: no ElapsedMs"));
    }

    private static async Task<List<Observation>> RunAsync(Scenario scenario)
    {
        var rows = new ConcurrentQueue<Observation>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await ScenarioRunner.RunAsync(scenario, new ScenarioRequest(), rows.Enqueue, NullLogger.Instance, bound.Token);
        return rows.ToList();
    }

    /// <summary>
    /// Keeps every thread-pool worker busy: three times as many work items as the pool has threads,
    /// each asleep <c>holdMs</c> and then queued again at the back, so any other work item waits behind
    /// them (the pool adds threads only slowly when starved). The pool is not capped: xunit's own waits
    /// always find a thread in the end. Bounded: stops on Dispose or after 60 s.
    /// </summary>
    private sealed class PoolStarvation : IDisposable
    {
        private readonly int _holdMs;
        private readonly long _until = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        private volatile bool _stopped;

        private PoolStarvation(int holdMs)
        {
            _holdMs = holdMs;
            int holds = 3 * ThreadPool.ThreadCount + 2 * Environment.ProcessorCount;
            for (int i = 0; i < holds; i++) ThreadPool.UnsafeQueueUserWorkItem<object?>(Hold, null, preferLocal: false);
        }

        public static PoolStarvation Start(int holdMs) => new(holdMs);

        /// <summary>How long a work item queued now waits for a worker.</summary>
        public Task<double> HopMsAsync()
        {
            var queued = Stopwatch.GetTimestamp();
            var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            ThreadPool.UnsafeQueueUserWorkItem<object?>(_ => done.TrySetResult(Stopwatch.GetElapsedTime(queued).TotalMilliseconds), null, preferLocal: false);
            return done.Task;
        }

        private void Hold(object? _)
        {
            Thread.Sleep(_holdMs);
            if (!_stopped && Stopwatch.GetTimestamp() < _until) ThreadPool.UnsafeQueueUserWorkItem<object?>(Hold, null, preferLocal: false);
        }

        public void Dispose() => _stopped = true;
    }
}
