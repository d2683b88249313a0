using System.Runtime.InteropServices;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine;

/// <summary>
/// When a pending socket call really ended, as the kernel signals it. On Unix .NET finishes a
/// pending socket operation on a thread-pool thread (SocketAsyncContext.Unix.cs: "When we receive an
/// epoll notification for the socket, we post a work item to the threadpool to perform the I/O"), so
/// a Stopwatch stopped after the await also counts the wait for a pool thread: 1.5 s for a refused
/// loopback connect in a busy matrix. This watch is a thread of its own, started only for a call that
/// did not complete at once: it sits in poll(2) on the call's socket for the readiness that ends the
/// call (POLLOUT for a connect or a blocked send, POLLIN for a receive or an accept; errors and hang-up
/// always) and notes the instant the kernel woke it, as a blocking syscall's own thread would be woken.
/// <para>A call that waits more than once (a receive of several pieces, a send bigger than the buffer)
/// ends at the last readiness seen: after each, the watch checks every millisecond whether the call
/// took it and waits again. The socket's handle is referenced only while the watch runs, and the
/// watch always ends (a wake pipe) before the call's observation is returned, so no close of ours is
/// ever held up by it. Linux and macOS; elsewhere there is no watch and the Stopwatch stands.</para>
/// </summary>
internal sealed unsafe class CallWatch : IDisposable
{
    private const int SliceMs = 100;
    private const int TakenCheckMs = 1;

    private readonly SafeSocketHandle _handle;
    private readonly int _fd;
    private readonly short _events;
    private readonly long _deadline;
    private readonly Task _call;
    private readonly int _wakeRead, _wakeWrite;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _done = new(false);
    private long _readyAt, _deadlineAt;
    private volatile bool _stopping;

    private CallWatch(SafeSocketHandle handle, short events, long deadline, Task call, int wakeRead, int wakeWrite)
    {
        _handle = handle;
        _fd = (int)handle.DangerousGetHandle();
        _events = events;
        _deadline = deadline;
        _call = call;
        _wakeRead = wakeRead;
        _wakeWrite = wakeWrite;
        _thread = new Thread(Watch, maxStackSize: 128 * 1024) { IsBackground = true, Name = "SocketProbe call watch" };
    }

    /// <summary>The Stopwatch timestamp at which the kernel made the call's socket ready (0: not seen).</summary>
    public long ReadyAt => Interlocked.Read(ref _readyAt);

    /// <summary>The Stopwatch timestamp at which the watch saw the call's own bound run out with no readiness (0: not seen).</summary>
    public long DeadlineAt => Interlocked.Read(ref _deadlineAt);

    /// <summary>
    /// Watch <paramref name="call"/>, pending on <paramref name="socket"/>, for <paramref name="events"/>;
    /// null where no watch can be made (Windows, a socket already closed, no fd to spare).
    /// </summary>
    public static CallWatch? Start(Socket socket, short events, long deadline, Task call)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return null;
        SafeSocketHandle handle;
        bool added = false;
        try
        {
            handle = socket.SafeHandle;
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        int* wake = stackalloc int[2];
        if (!MakeWakePipe(wake))
        {
            handle.DangerousRelease();
            return null;
        }
        var watch = new CallWatch(handle, events, deadline, call, wake[0], wake[1]);
        // Ready already (between the call's try and now): the call ended within this instant.
        int ready = watch.Poll(0);
        if (ready > 0 && (ready & Libc.POLLNVAL) == 0) watch._readyAt = Stopwatch.GetTimestamp();
        watch._thread.Start();
        return watch;
    }

    private void Watch()
    {
        try
        {
            bool waiting = _readyAt == 0;
            while (!_stopping)
            {
                if (waiting)
                {
                    int timeout = SliceMs;
                    if (_deadlineAt == 0)
                        timeout = (int)Math.Clamp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline).TotalMilliseconds + 1, 0, SliceMs);
                    if (!WaitForSocketOrWake(timeout, out short revents)) break;
                    long now = Stopwatch.GetTimestamp();
                    if ((revents & Libc.POLLNVAL) != 0) break;
                    if (revents != 0)
                    {
                        // Readiness after the call is over is not its end, unless none was seen at all
                        // (this thread started late): then it is still nearer than the pool's own time.
                        bool over = _call.IsCompleted;
                        if (!over || _readyAt == 0) Interlocked.Exchange(ref _readyAt, now);
                        if (over) break;
                        waiting = false;
                    }
                    else if (_deadlineAt == 0 && now >= _deadline)
                    {
                        Interlocked.Exchange(ref _deadlineAt, now);
                    }
                }
                else
                {
                    // Ready, and the call has not taken it yet (its pool thread is to come); once it
                    // has and waits again, watch for its next readiness.
                    if (WaitForWake(TakenCheckMs) || _call.IsCompleted) break;
                    waiting = Poll(0) == 0;
                }
            }
        }
        finally
        {
            _handle.DangerousRelease();
            _done.Set();
        }
    }

    /// <summary>End the watch and wait (microseconds: the wake pipe ends its poll) until it has let go of the socket.</summary>
    public void Dispose()
    {
        _stopping = true;
        byte one = 1;
        Libc.write(_wakeWrite, &one, 1);
        _done.Wait();
        Libc.close(_wakeRead);
        Libc.close(_wakeWrite);
        _done.Dispose();
    }

    /// <summary>poll(2) on the socket alone: its revents (0: not ready, -1: error).</summary>
    private int Poll(int timeoutMs)
    {
        var fd = new Libc.PollFd { Fd = _fd, Events = _events };
        int rc = Libc.poll(&fd, 1, timeoutMs);
        return rc < 0 ? -1 : rc == 0 ? 0 : fd.Revents;
    }

    /// <summary>Wait for the socket or the wake pipe; false when woken (or poll failed), else the socket's revents (0 on timeout).</summary>
    private bool WaitForSocketOrWake(int timeoutMs, out short revents)
    {
        Libc.PollFd* fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = _fd, Events = _events };
        fds[1] = new Libc.PollFd { Fd = _wakeRead, Events = Libc.POLLIN };
        revents = 0;
        int rc = Libc.poll(fds, 2, timeoutMs);
        if (rc < 0) return Marshal.GetLastPInvokeError() == Libc.EINTR;
        if (fds[1].Revents != 0) return false;
        revents = fds[0].Revents;
        return true;
    }

    /// <summary>Sleep up to <paramref name="timeoutMs"/> unless woken; true when woken.</summary>
    private bool WaitForWake(int timeoutMs)
    {
        var fd = new Libc.PollFd { Fd = _wakeRead, Events = Libc.POLLIN };
        int rc = Libc.poll(&fd, 1, timeoutMs);
        return rc > 0 || (rc < 0 && Marshal.GetLastPInvokeError() != Libc.EINTR);
    }

    private static bool MakeWakePipe(int* fds)
    {
        if (OperatingSystem.IsLinux()) return Libc.pipe2(fds, Libc.O_CLOEXEC) == 0;
        if (Libc.pipe(fds) != 0) return false;
        Libc.fcntl(fds[0], Libc.F_SETFD, Libc.FD_CLOEXEC);
        Libc.fcntl(fds[1], Libc.F_SETFD, Libc.FD_CLOEXEC);
        return true;
    }
}
