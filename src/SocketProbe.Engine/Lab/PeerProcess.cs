namespace SocketProbe.Engine.Lab;

/// <summary>
/// The far endpoint in its own process (SocketProbe.Peer). One command a line on its stdin, one
/// answer a line on its stdout. Killing it uses real signals. Dispose kills and reaps it.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private readonly ChildProcess _child;
    private readonly ILogger _logger;

    private PeerProcess(ChildProcess child, ILogger logger, double startMs)
    {
        _child = child;
        _logger = logger;
        StartMs = startMs;
    }

    public int Pid => _child.Pid;
    public Task<ExitStatus> Exited => _child.Exited;

    /// <summary>Milliseconds from spawn to the peer's first answer (its start cost).</summary>
    public double StartMs { get; }

    /// <summary>Start the peer in <paramref name="mode"/> and wait for its READY line.</summary>
    public static async Task<PeerProcess> StartAsync(string mode, IEnumerable<string> arguments, ILogger logger, CancellationToken cancellation)
    {
        var (file, args) = await DotNetHost.PeerCommandAsync(
            new[] { mode, "--parent", Environment.ProcessId.ToString() }.Concat(arguments).ToList()).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var child = await ChildProcess.StartAsync(file, args).ConfigureAwait(false);
        var peer = new PeerProcess(child, logger, 0);
        try
        {
            await peer.ExpectAsync("READY", 20_000, cancellation).ConfigureAwait(false);
            var started = new PeerProcess(child, logger, clock.Elapsed.TotalMilliseconds);
            logger.LogInformation("Peer process {Pid} ({Mode}) ready in {Ms:F1} ms", child.Pid, mode, started.StartMs);
            return started;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>Send one command line.</summary>
    public Task SendAsync(string command)
    {
        _logger.LogDebug("Peer {Pid} <- {Command}", Pid, command);
        return _child.Input.WriteLineAsync(command);
    }

    /// <summary>Read the next answer; it must start with <paramref name="word"/>. Returns the rest of the line.</summary>
    public async Task<string> ExpectAsync(string word, int timeoutMs, CancellationToken cancellation)
    {
        string? line = await ReadAnswerAsync(word, timeoutMs, cancellation).ConfigureAwait(false);
        if (line is null)
        {
            // How it ended (exit code or signal) and its last words: a silent end says nothing else.
            string how = "";
            try { how = $" ({(await _child.Exited.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false)).Describe()})"; }
            catch (TimeoutException) { } // its output closed, its exit not reaped yet: said without it
            throw new PeerException($"The peer process {Pid} ended{how} before answering '{word}'. {await _child.FinalErrorTextAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false)}".Trim());
        }
        if (line.StartsWith("ERROR", StringComparison.Ordinal))
            throw new PeerException($"The peer process {Pid} failed: {line}. {_child.ErrorText}".Trim());
        if (!line.StartsWith(word, StringComparison.Ordinal))
            throw new PeerException($"The peer process {Pid} answered '{line}' where '{word}' was expected.");
        return line.Length > word.Length ? line[(word.Length + 1)..] : "";
    }

    /// <summary>The next whole answer line, or null when the peer's output ended (it died or exited).</summary>
    public async Task<string?> ReadAnswerAsync(string awaited, int timeoutMs, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeoutMs);
        try
        {
            string? line = await _child.Output.ReadLineAsync(limit.Token).ConfigureAwait(false);
            _logger.LogDebug("Peer {Pid} -> {Line}", Pid, line ?? "(end of output)");
            return line;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new PeerException($"The peer process {Pid} did not answer '{awaited}' within {timeoutMs} ms. {_child.ErrorText}".Trim());
        }
    }

    /// <summary>Send a real signal to the peer (SIGKILL, SIGTERM).</summary>
    public void Signal(int signal)
    {
        _logger.LogInformation("Sending {Signal} to peer process {Pid}", Native.Libc.SignalName(signal), Pid);
        _child.Signal(signal);
    }

    /// <summary>Wait (bounded) for the OS to report the peer's end.</summary>
    public async Task<ExitStatus> WaitForExitAsync(int timeoutMs, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeoutMs);
        try
        {
            return await _child.Exited.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new PeerException($"The peer process {Pid} did not end within {timeoutMs} ms.");
        }
    }

    public void Dispose() => _child.Dispose();
}

/// <summary>The peer process did not do what the protocol says; the scenario cannot go on.</summary>
public sealed class PeerException : Exception
{
    public PeerException(string message) : base(message) { }
}
