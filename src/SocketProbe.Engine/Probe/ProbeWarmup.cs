namespace SocketProbe.Engine.Probe;

/// <summary>
/// Once per process, before the first probe, runs the connect paths (success and refused) once
/// against a loopback listener of its own, so the first real attempt's ConnectMs measures the
/// network and not the runtime compiling its socket code (observed: 10-15 ms on the first Open of
/// a process, 0.1-0.5 ms after). psping does the same with its warm-up connect. Never reported.
/// </summary>
internal static class ProbeWarmup
{
    private static readonly Lazy<Task> Once = new(RunAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task EnsureAsync() => Once.Value;

    private static async Task RunAsync()
    {
        try
        {
            using var listener = Loopback.Listen(IPAddress.Loopback);
            int open = ((IPEndPoint)listener.LocalEndPoint!).Port;
            int closed = Loopback.ClosedPort(IPAddress.Loopback);
            foreach (int port in new[] { open, closed })
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try { await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), bound.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is SocketException or OperationCanceledException) { }
                _ = SocketName.Local(socket);
            }
            if (ConnectBatch.Available) WarmBatch(open, closed);
        }
        catch (SocketException)
        {
            // No loopback to warm up on: the probes still run, the first may just be slower.
        }
    }

    /// <summary>The batch path's calls (socket, connect, poll, getsockopt, getsockname, close) once each way.</summary>
    private static void WarmBatch(int open, int closed)
    {
        using var batch = new ConnectBatch(1);
        Span<byte> local = stackalloc byte[16];
        foreach (int port in new[] { open, closed })
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + 2 * System.Diagnostics.Stopwatch.Frequency;
            int fd = -1;
            void Take(ConnectBatch.Done done) => fd = done.Fd;
            if (batch.Start(0, new IPEndPoint(IPAddress.Loopback, port), deadline, out var now) < 0)
            {
                fd = now.Fd;
            }
            else
            {
                while (batch.Active > 0) batch.Wait(100, System.Diagnostics.Stopwatch.GetTimestamp(), Take, Take);
            }
            _ = ConnectBatch.LocalName(fd, local, out _, out _);
            _ = Errors.SocketFailure.OfErrno(111);
            ConnectBatch.Release(fd);
        }
    }
}
