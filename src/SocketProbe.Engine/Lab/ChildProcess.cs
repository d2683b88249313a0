using System.Diagnostics;
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
    private int _disposed;

    public int Pid { get; }
    public StreamWriter Input { get; }
    public StreamReader Output { get; }

    /// <summary>Completes with the exit status once the OS has reaped the child.</summary>
    public Task<ExitStatus> Exited => _exited.Task;

    /// <summary>What the child wrote to stderr so far (for error messages).</summary>
    public string ErrorText { get { lock (_stderr) return _stderr.ToString(); } }

    private ChildProcess(int pid, Stream input, Stream output, Stream error, Process? process)
    {
        Pid = pid;
        _process = process;
        Input = new StreamWriter(input, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        Output = new StreamReader(output, Encoding.UTF8);
        _ = DrainStderrAsync(new StreamReader(error, Encoding.UTF8));
    }

    /// <summary>Start <paramref name="file"/> with this process's environment plus <paramref name="environment"/>.</summary>
    public static ChildProcess Start(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            variables[(string)e.Key] = (string?)e.Value ?? "";
        if (environment is not null)
            foreach (var (key, value) in environment) variables[key] = value;
        if (OperatingSystem.IsWindows()) return StartWithProcessClass(file, arguments, variables);
        return Spawner.Run(() => StartWithPosixSpawn(file, arguments, variables));
    }

    /// <summary>
    /// Every child is spawned from one thread that lives as long as the process: the peer's
    /// PR_SET_PDEATHSIG fires when the thread that created it ends, and pool threads come and go.
    /// </summary>
    private static class Spawner
    {
        private static readonly System.Collections.Concurrent.BlockingCollection<Action> Work = new();

        static Spawner()
        {
            new Thread(() => { foreach (Action a in Work.GetConsumingEnumerable()) a(); })
            { IsBackground = true, Name = "SocketProbe spawner" }.Start();
        }

        public static T Run<T>(Func<T> spawn)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Work.Add(() => { try { done.SetResult(spawn()); } catch (Exception ex) { done.SetException(ex); } });
            return done.Task.GetAwaiter().GetResult();
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
        MakePipe(stdin); MakePipe(stdout); MakePipe(stderr);

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
            // Pipe streams, not FileStreams: on Unix a PipeStream waits on epoll, where a FileStream's
            // ReadAsync parks a thread-pool thread in a blocking read for as long as the child is quiet.
            var child = new ChildProcess(pid,
                new AnonymousPipeClientStream(PipeDirection.Out, new SafePipeHandle(stdin[1], true)),
                new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(stdout[0], true)),
                new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(stderr[0], true)),
                null);
            child.StartReaper();
            return child;
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
        if (Libc.pipe(fds) != 0) throw new IOException($"pipe failed: errno {Marshal.GetLastPInvokeError()}");
        // Our copies must not leak into other children; dup2 in the child clears the flag on its ends.
        Libc.fcntl(fds[0], Libc.F_SETFD, Libc.FD_CLOEXEC);
        Libc.fcntl(fds[1], Libc.F_SETFD, Libc.FD_CLOEXEC);
    }

    private static unsafe void CloseAll(int* a, int* b, int* c)
    {
        Libc.close(a[0]); Libc.close(a[1]); Libc.close(b[0]); Libc.close(b[1]); Libc.close(c[0]); Libc.close(c[1]);
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
