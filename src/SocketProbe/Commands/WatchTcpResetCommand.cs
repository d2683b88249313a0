using System.Net;
using SocketProbe.Engine.Trace;

namespace SocketProbe.Commands;

/// <summary>
/// Watch-TcpReset: every RST this host's TCP sends or receives, as the kernel's own tracepoints tell
/// it: the kernel's reason, the endpoints, the process where the kernel ran in its call, and a verdict
/// on who reset. Linux, root (the tracing files). Its own tracing instance, removed however it ends.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "TcpReset")]
[OutputType(typeof(TcpResetEvent))]
public sealed class WatchTcpResetCommand : SocketProbeCmdlet
{
    /// <summary>Keep RSTs with either end on one of these ports.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 65535)]
    public int[] Port { get; set; } = Array.Empty<int>();

    /// <summary>Keep RSTs whose remote end is one of these addresses.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public IPAddress[] RemoteAddress { get; set; } = Array.Empty<IPAddress>();

    /// <summary>Keep RSTs sent or received in the own system call of a process of this name (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ProcessName { get; set; } = Array.Empty<string>();

    /// <summary>Also the kernel's packet drops (skb:kfree_skb) with their reasons.</summary>
    [Parameter]
    public SwitchParameter IncludeDrops { get; set; }

    [Parameter]
    [ValidateRange(0.1, 31_536_000)]
    public double DurationSeconds { get; set; }

    /// <summary>Stop after this many events.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    protected override void EndProcessing()
    {
        var patterns = ProcessName.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var request = new ResetWatchRequest
        {
            Ports = Port.ToHashSet(),
            RemoteAddresses = RemoteAddress.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToArray(),
            ProcessMatches = patterns.Length == 0 ? null : name => patterns.Any(p => p.IsMatch(name)),
            IncludeDrops = IncludeDrops,
            DurationSeconds = Given(nameof(DurationSeconds)) ? DurationSeconds : null,
            Count = Given(nameof(Count)) ? Count : null,
            TracefsRoot = Environment.GetEnvironmentVariable("SOCKETPROBE_TRACEFS_ROOT") is { Length: > 0 } root ? root : null,
        };
        ResetWatchProgress? last = null;
        RunEngine(async (queue, logger, token) =>
        {
            const string activity = "Watch-TcpReset";
            void Progress(ResetWatchProgress p) => queue.Add(new ProgressItem(new ProgressRecord(1, activity, "Watching the kernel's resets")
            {
                StatusDescription = $"{p.Emitted} reported, {p.Seen} trace events read, {p.Lost} lost" + (p.SecondsLeft is double s ? $"; {s:F0} s left" : ""),
                PercentComplete = request.DurationSeconds is double d && p.SecondsLeft is double left ? Math.Clamp((int)(100 * (1 - left / d)), 0, 100) : -1,
            }));
            try
            {
                last = await ResetWatcher.RunAsync(request, e => queue.Add(e), logger, token, Progress).ConfigureAwait(false);
            }
            finally
            {
                queue.Add(new ProgressItem(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed }));
            }
        });
        if (last is { Lost: > 0 } lost)
            WriteWarning($"The kernel's ring overwrote {lost.Lost} trace events before they were read: some resets are missing.");
        base.EndProcessing();
    }
}
