namespace SocketProbe.Engine.Matrix;

/// <summary>
/// Raises the thread pool's minimum while a matrix runs, and puts it back after. Why: on Unix a
/// child process's pipes are read by blocking a pool thread (FileStream on a pipe has no true async
/// read, and ChildProcess drains stderr on a pool thread), so every peer or lab run holds about two
/// pool threads for its whole life. With the default minimum (one per core: 2 here) the pool adds
/// threads only slowly once starved. Measured on 2 cores (Linux 6.18, whole catalogue, fresh process,
/// machine load 6-10): without the reserve the last scenario began 5.5-9.4 s after the matrix started
/// and the matrix took 8.0-12.8 s; with it, 0.3-0.5 s (throttle 16) and 6.1-8.3 s.
/// </summary>
internal sealed class ThreadPoolReserve : IDisposable
{
    /// <summary>Pool threads one run may hold blocked at once (stdout read, stderr drain, one sync wait).</summary>
    internal const int ThreadsPerRun = 3;

    private static readonly object Gate = new();
    private static int _holders;
    private static (int Worker, int Io) _saved;
    private bool _disposed;

    private ThreadPoolReserve() { }

    public static ThreadPoolReserve For(int concurrentRuns)
    {
        lock (Gate)
        {
            ThreadPool.GetMinThreads(out int worker, out int io);
            if (_holders++ == 0) _saved = (worker, io);
            int wanted = Environment.ProcessorCount + ThreadsPerRun * concurrentRuns;
            if (wanted > worker) ThreadPool.SetMinThreads(wanted, io);
        }
        return new ThreadPoolReserve();
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed) return;
            _disposed = true;
            // The last matrix to finish puts the minimum back as it found it.
            if (--_holders == 0) ThreadPool.SetMinThreads(_saved.Worker, _saved.Io);
        }
    }
}
