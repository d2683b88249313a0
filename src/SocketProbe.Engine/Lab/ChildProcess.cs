using System.Runtime.InteropServices;
using System.Text;
using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// A child process with piped stdin/stdout/stderr whose end we observe ourselves. On Linux and
/// macOS it is started with posix_spawn and reaped with waitpid, so a death by signal is reported
/// from the raw wait status (System.Diagnostics.Process folds it into ExitCode 128+n). Windows uses
/// System.Diagnostics.Process. Dispose kills it (SIGKILL) if it still runs and reaps it.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Process? _process; // Windows only
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrDrained;
    private int _disposed;

    /// <summary>The most a tool's stdout may hold for <see cref="RunAsync"/> (the rest is dropped).</summary>
    public const int MaxOutputChars = 1 << 20;

    public int Pid { get; }
    public StreamWriter Input { get; }
    public StreamReader Output { get; }

    /// <summary>Completes with the exit status once the OS has reaped the child.</summary>
    public Task<ExitStatus> Exited => _exited.Task;

    /// <summary>What the child wrote to stderr so far (for error messages).</summary>
    public string ErrorText { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>
    /// Everything the child wrote to stderr, for the message of a failed child: its exit is reaped
    /// before our reader has necessarily seen the pipe's last lines, so wait (bounded) for the end of
    /// the pipe; a grandchild still holding it open gives what was read by then.
    /// </summary>
    public async Task<string> FinalErrorTextAsync(TimeSpan bound)
    {
        try { await _stderrDrained.WaitAsync(bound).ConfigureAwait(false); }
        catch (TimeoutException) { }
        return ErrorText;
    }

    private ChildProcess(int pid, Stream input, Stream output, Stream error, Process? process)
    {
        Pid = pid;
        _process = process;
        Input = new StreamWriter(input, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        Output = new StreamReader(output, Encoding.UTF8);
        _stderrDrained = DrainStderrAsync(new StreamReader(error, Encoding.UTF8));
    }

    /// <summary>Start <paramref name="file"/> with this process's environment plus <paramref name="environment"/>.</summary>
    public static Task<ChildProcess> StartAsync(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            variables[(string)e.Key] = (string?)e.Value ?? "";
        // A child killed by SIGKILL cannot remove its diagnostics IPC files (clr-debug-pipe-*,
        // dotnet-diagnostic-* in /tmp): .NET children of ours open none. A caller may still override it.
        variables["DOTNET_EnableDiagnostics"] = "0";
        if (environment is not null)
            foreach (var (key, value) in environment) variables[key] = value;
        if (OperatingSystem.IsWindows()) return Task.FromResult(StartWithProcessClass(file, arguments, variables));
        return Spawner.RunAsync(() => StartWithPosixSpawn(file, arguments, variables));
    }

    /// <summary>
    /// Every child is spawned from one thread that lives as long as the process: the peer's
    /// PR_SET_PDEATHSIG fires when the thread that created it ends, and pool threads come and go.
    /// </summary>
    private static class Spawner
    {
        private static readonly System.Collections.Concurrent.BlockingCollection<Action> Work = new();
        private static readonly object StartLock = new();
        private static bool _started;

        private static void EnsureStarted()
        {
            lock (StartLock)
            {
                if (_started) return;
                // Under memory or thread pressure Start throws; the next spawn tries again (no poisoned type).
                try
                {
                    new Thread(() => { foreach (Action a in Work.GetConsumingEnumerable()) a(); })
                    { IsBackground = true, Name = "SocketProbe spawner" }.Start();
                }
                catch (OutOfMemoryException ex) { throw new InvalidOperationException($"could not start the thread that spawns child processes: {ex.Message}", ex); }
                _started = true;
            }
        }

        /// <summary>The spawn, done on the spawner thread; the caller awaits it rather than blocking a pool thread on it.</summary>
        public static Task<T> RunAsync<T>(Func<T> spawn)
        {
            EnsureStarted();
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Work.Add(() => { try { done.SetResult(spawn()); } catch (Exception ex) { done.SetException(ex); } });
            return done.Task;
        }
    }

    /// <summary>Send a real signal (Unix); on Windows only SIGKILL is possible (TerminateProcess).</summary>
    public void Signal(int signal)
    {
        if (_process is not null)
        {
            if (signal != Libc.SIGKILL) throw new PlatformNotSupportedException("Windows has no signals; only a kill is possible.");
            try { _process.Kill(); } catch (InvalidOperationException) { }
            return;
        }
        if (Exited.IsCompleted) return;
        if (Libc.kill(Pid, signal) != 0 && Marshal.GetLastPInvokeError() != 3 /* ESRCH: already gone */)
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { Input.Dispose(); } catch (IOException) { }
        if (!Exited.IsCompleted)
        {
            try { Signal(Libc.SIGKILL); } catch (InvalidOperationException) { }
            // SIGKILL cannot be caught; the reaper thread returns at once. A failed reap must not fail the cleanup.
            try { Exited.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
        Output.Dispose();
        _process?.Dispose();
    }

    /// <summary>
    /// Run <paramref name="file"/> to its end, bounded by <paramref name="timeoutMs"/>: stdin gets
    /// <paramref name="input"/> (then end of file), stdout and stderr are read while it runs (never a
    /// ReadToEnd before the wait), and a child still running at the bound is killed and reaped.
    /// </summary>
    public static async Task<ToolResult> RunAsync(string file, IReadOnlyList<string> arguments, string? input, int timeoutMs,
        CancellationToken cancellation, IReadOnlyDictionary<string, string>? environment = null)
    {
        var clock = Stopwatch.StartNew();
        using var child = await StartAsync(file, arguments, environment).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeoutMs);
        Task<string> output = child.ReadOutputAsync(limit.Token);
        try
        {
            try
            {
                if (input is not null) await child.Input.WriteAsync(input.AsMemory(), limit.Token).ConfigureAwait(false);
                child.Input.Close();
            }
            catch (IOException) { } // it ended (or closed stdin) before reading it all: its status says how
            ExitStatus status = await child.Exited.WaitAsync(limit.Token).ConfigureAwait(false);
            // A grandchild may hold the pipes open after the child's end: their text is bounded too.
            string text = await output.WaitAsync(limit.Token).ConfigureAwait(false);
            await child._stderrDrained.WaitAsync(limit.Token).ConfigureAwait(false);
            return new ToolResult(status, text, child.ErrorText, false, clock.Elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            child.Dispose();
            return new ToolResult(child.Exited.IsCompletedSuccessfully ? child.Exited.Result : null, "", child.ErrorText, true,
                clock.Elapsed.TotalMilliseconds);
        }
    }

    private async Task<string> ReadOutputAsync(CancellationToken cancellation)
    {
        var text = new StringBuilder();
        var buffer = new char[4096];
        try
        {
            int n;
            while ((n = await Output.ReadAsync(buffer.AsMemory(), cancellation).ConfigureAwait(false)) > 0)
                if (text.Length < MaxOutputChars) text.Append(buffer, 0, Math.Min(n, MaxOutputChars - text.Length));
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        catch (OperationCanceledException) { }
        return text.ToString();
    }

    private async Task DrainStderrAsync(StreamReader error)
    {
        try
        {
            string? line;
            while ((line = await error.ReadLineAsync().ConfigureAwait(false)) is not null)
                lock (_stderr) { if (_stderr.Length < 64 * 1024) _stderr.AppendLine(line); }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        finally { error.Dispose(); }
    }

    private static unsafe ChildProcess StartWithPosixSpawn(string file, IReadOnlyList<string> arguments,
        Dictionary<string, string> environment)
    {
        int* stdin = stackalloc int[2];
        int* stdout = stackalloc int[2];
        int* stderr = stackalloc int[2];
        stdin[0] = stdin[1] = stdout[0] = stdout[1] = stderr[0] = stderr[1] = -1;
        try { MakePipe(stdin); MakePipe(stdout); MakePipe(stderr); }
        catch
        {
            // Out of descriptors half-way: the pipes already made must not stay open.
            CloseAll(stdin, stdout, stderr);
            throw;
        }

        // Opaque libc structures: generous buffers, initialised by libc itself.
        byte* actions = stackalloc byte[512];
        byte* attr = stackalloc byte[1024];
        byte* sigmask = stackalloc byte[256];
        byte* sigdefault = stackalloc byte[256];
        Libc.posix_spawn_file_actions_init(actions);
        Libc.posix_spawnattr_init(attr);
        var strings = new List<nint>();
        try
        {
            Libc.posix_spawn_file_actions_adddup2(actions, stdin[0], 0);
            Libc.posix_spawn_file_actions_adddup2(actions, stdout[1], 1);
            Libc.posix_spawn_file_actions_adddup2(actions, stderr[1], 2);
            // The child starts with no blocked signals and default SIGPIPE/SIGTERM/SIGINT, whatever this process set.
            Libc.sigemptyset(sigmask);
            Libc.sigemptyset(sigdefault);
            Libc.sigaddset(sigdefault, Libc.SIGPIPE);
            Libc.sigaddset(sigdefault, Libc.SIGTERM);
            Libc.sigaddset(sigdefault, Libc.SIGINT);
            Libc.posix_spawnattr_setsigmask(attr, sigmask);
            Libc.posix_spawnattr_setsigdefault(attr, sigdefault);
            Libc.posix_spawnattr_setflags(attr, (short)(Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF));

            byte** argv = stackalloc byte*[arguments.Count + 2];
            argv[0] = Utf8(file, strings);
            for (int i = 0; i < arguments.Count; i++) argv[i + 1] = Utf8(arguments[i], strings);
            argv[arguments.Count + 1] = null;

            byte** envp = stackalloc byte*[environment.Count + 1];
            int n = 0;
            foreach (var (key, value) in environment) envp[n++] = Utf8($"{key}={value}", strings);
            envp[n] = null;

            int pid;
            int rc = Libc.posix_spawnp(&pid, argv[0], actions, attr, argv, envp);
            if (rc != 0)
            {
                CloseAll(stdin, stdout, stderr);
                throw new InvalidOperationException($"posix_spawn of {file} failed: errno {rc}");
            }
            // The child holds its ends now; ours stay open only on our side.
            Libc.close(stdin[0]); Libc.close(stdout[1]); Libc.close(stderr[1]);
            var handles = new[]
            {
                new SafePipeHandle(stdin[1], true), new SafePipeHandle(stdout[0], true), new SafePipeHandle(stderr[0], true),
            };
            ChildProcess? child = null;
            try
            {
                // Pipe streams, not FileStreams: on Unix a PipeStream waits on epoll, where a FileStream's
                // ReadAsync parks a thread-pool thread in a blocking read for as long as the child is quiet.
                child = new ChildProcess(pid,
                    new AnonymousPipeClientStream(PipeDirection.Out, handles[0]),
                    new AnonymousPipeClientStream(PipeDirection.In, handles[1]),
                    new AnonymousPipeClientStream(PipeDirection.In, handles[2]),
                    null);
                child.StartReaper();
                return child;
            }
            catch (Exception ex)
            {
                // No watcher for it (no thread could start): the child must not live on unseen, nor its pipes stay open.
                Libc.kill(pid, Libc.SIGKILL);
                int status;
                while (Libc.waitpid(pid, &status, 0) < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR) { }
                try { child?.Input.Dispose(); } catch (IOException) { }
                child?.Output.Dispose();
                foreach (var h in handles) h.Dispose();
                throw new InvalidOperationException($"could not watch the child {file} (pid {pid}), so it was killed: {ex.Message}", ex);
            }
        }
        finally
        {
            foreach (nint s in strings) Marshal.FreeCoTaskMem(s);
            Libc.posix_spawnattr_destroy(attr);
            Libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    private void StartReaper()
    {
        // One thread per child blocks in waitpid: the OS hands us the raw status the moment it dies.
        var reaper = new Thread(() =>
        {
            while (true)
            {
                int status;
                int rc;
                unsafe { rc = Libc.waitpid(Pid, &status, 0); }
                if (rc == Pid) { _exited.TrySetResult(ExitStatus.FromWaitStatus(status)); return; }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                _exited.TrySetException(new InvalidOperationException($"waitpid({Pid}) failed: errno {errno}"));
                return;
            }
        }) { IsBackground = true, Name = $"SocketProbe reaper {Pid}" };
        reaper.Start();
    }

    private static unsafe void MakePipe(int* fds)
    {
        if (Libc.pipe(fds) != 0)
        {
            fds[0] = fds[1] = -1;
            throw new IOException($"pipe failed: errno {Marshal.GetLastPInvokeError()}");
        }
        // Our copies must not leak into other children; dup2 in the child clears the flag on its ends.
        Libc.fcntl(fds[0], Libc.F_SETFD, Libc.FD_CLOEXEC);
        Libc.fcntl(fds[1], Libc.F_SETFD, Libc.FD_CLOEXEC);
    }

    private static unsafe void CloseAll(int* a, int* b, int* c)
    {
        foreach (int fd in new[] { a[0], a[1], b[0], b[1], c[0], c[1] })
            if (fd >= 0) Libc.close(fd);
        a[0] = a[1] = b[0] = b[1] = c[0] = c[1] = -1;
    }

    private static unsafe byte* Utf8(string s, List<nint> owned)
    {
        nint p = Marshal.StringToCoTaskMemUTF8(s);
        owned.Add(p);
        return (byte*)p;
    }

    private static ChildProcess StartWithProcessClass(string file, IReadOnlyList<string> arguments,
        Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, CreateNoWindow = true,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        info.Environment.Clear();
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var child = new ChildProcess(process.Id, process.StandardInput.BaseStream, process.StandardOutput.BaseStream,
            process.StandardError.BaseStream, process);
        _ = process.WaitForExitAsync().ContinueWith(_ =>
            child._exited.TrySetResult(new ExitStatus(false, process.ExitCode, false, null)), TaskScheduler.Default);
        return child;
    }
}

/// <summary>How a tool run by <see cref="ChildProcess.RunAsync"/> ended: its status (null when killed at the bound before it ended), its output, and whether the bound ran out.</summary>
public sealed record ToolResult(ExitStatus? Status, string Output, string Error, bool TimedOut, double ElapsedMs)
{
    public bool Succeeded => !TimedOut && Status is { Signaled: false, Code: 0 };
}
