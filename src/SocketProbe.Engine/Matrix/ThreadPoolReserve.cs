namespace SocketProbe.Engine.Matrix;

/// <summary>
/// Raises the thread pool's minimum while a matrix runs, and puts it back after. Why: on Unix a
/// child process's pipes are read by blocking a pool thread (FileStream on a pipe has no true async
/// read, and ChildProcess drains stderr on a pool thread), so every peer or lab run holds about two
/// pool threads for its whole life. With the default minimum (one per core: 2 here) the pool adds
/// threads only slowly once starved; measured on 2 cores, 19 runs side by side then started up to
/// 2 s late and connects ran into our own 10 s bound. With the minimum raised, no run waits for a thread.
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
