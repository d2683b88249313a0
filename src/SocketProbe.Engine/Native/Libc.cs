using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Native;

/// <summary>
/// Every libc call of the engine, each declared once (Windows calls are in <see cref="Windows"/>):
/// the calls .NET does not expose faithfully: spawning a child whose raw wait status we read
/// ourselves (.NET folds a signal death into ExitCode 128+n), sending real signals, a plain send(2)
/// without MSG_NOSIGNAL, poll(2) from a thread of our own (a pending socket call's end as the kernel
/// signals it, not when the thread pool gets to it), sockets as raw descriptors (the probe's connect
/// batch, the packet ring, the lab's interface flags), sysctl on macOS. Linux and macOS only.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int SIGINT = 2, SIGKILL = 9, SIGPIPE = 13, SIGTERM = 15;
    public const int EINTR = 4, ECHILD = 10;
    public const int WNOHANG = 1;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08; // same on glibc and Darwin

    /// <summary>O_CLOEXEC differs: 0x80000 on Linux, 0x1000000 on Darwin.</summary>
    public static int O_CLOEXEC => OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

    [DllImport(Lib, SetLastError = true)] public static extern int pipe(int* fds);
    /// <summary>Linux only: a pipe whose ends are close-on-exec from birth (no window for a spawn on another thread to inherit them).</summary>
    [DllImport(Lib, SetLastError = true)] public static extern int pipe2(int* fds, int flags);
    [DllImport(Lib, SetLastError = true)] public static extern int fcntl(int fd, int cmd, int arg);
    [DllImport(Lib, SetLastError = true)] public static extern int close(int fd);
    [DllImport(Lib, SetLastError = true)] public static extern int kill(int pid, int sig);
    [DllImport(Lib, SetLastError = true)] public static extern int waitpid(int pid, int* status, int options);
    [DllImport(Lib, SetLastError = true)] public static extern int getppid();
    [DllImport(Lib, SetLastError = true)] public static extern int getpid();
    [DllImport(Lib, SetLastError = true)] public static extern int prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);
    [DllImport(Lib, SetLastError = true)] public static extern nint signal(int sig, nint handler);
    [DllImport(Lib, SetLastError = true)] public static extern nint send(int fd, byte* buf, nint len, int flags);
    [DllImport(Lib, SetLastError = true)] public static extern nint write(int fd, byte* buf, nint count);
    [DllImport(Lib, SetLastError = true)] public static extern nint recv(int fd, byte* buf, nint len, int flags);
    [DllImport(Lib, SetLastError = true)] public static extern int setsockopt(int fd, int level, int name, void* value, uint length);
    /// <summary>nfds is nfds_t: unsigned long on Linux, unsigned int on Darwin (passed in a register either way).</summary>
    [DllImport(Lib, SetLastError = true)] public static extern int poll(PollFd* fds, nuint nfds, int timeoutMs);

    // Sockets as raw descriptors: the probe's connect batch, the lab's interface flags, the packet ring.
    [DllImport(Lib, SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
    [DllImport(Lib, SetLastError = true)] public static extern int connect(int fd, byte* address, uint length);
    [DllImport(Lib, SetLastError = true)] public static extern int bind(int fd, void* address, int length);
    [DllImport(Lib, SetLastError = true)] public static extern int getsockopt(int fd, int level, int name, void* value, uint* length);
    [DllImport(Lib, SetLastError = true)] public static extern int setsockopt(int fd, int level, int name, void* value, int length);
    /// <summary>fd is an int on Linux and Darwin; a Socket's handle is passed as its descriptor.</summary>
    [DllImport(Lib, SetLastError = true)] public static extern int getsockname(int fd, byte* address, uint* length);
    [DllImport(Lib, SetLastError = true)] public static extern nint recvfrom(int fd, void* buffer, nint length, int flags, void* address, int* addressLength);
    [DllImport(Lib, SetLastError = true)] public static extern int ioctl(int fd, nuint request, void* argument);
    [DllImport(Lib, SetLastError = true)] public static extern void* mmap(void* address, nint length, int protection, int flags, int fd, nint offset);
    [DllImport(Lib, SetLastError = true)] public static extern int munmap(void* address, nint length);
    [DllImport(Lib, SetLastError = true)] public static extern uint if_nametoindex(string name);
    /// <summary>macOS: the kernel's counters (Get-TcpCounter).</summary>
    [DllImport(Lib, SetLastError = true)] public static extern int sysctlbyname(string name, void* oldp, nuint* oldlenp, void* newp, nuint newlen);

    /// <summary>struct pollfd (same layout on Linux and Darwin).</summary>
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>poll(2) event bits, the same on Linux and Darwin. POLLERR, POLLHUP and POLLNVAL are reported even when not asked for.</summary>
    public const short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

    [DllImport(Lib)] public static extern int posix_spawn_file_actions_init(void* actions);
    [DllImport(Lib)] public static extern int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);
    [DllImport(Lib)] public static extern int posix_spawn_file_actions_destroy(void* actions);
    [DllImport(Lib)] public static extern int posix_spawnattr_init(void* attr);
    [DllImport(Lib)] public static extern int posix_spawnattr_setflags(void* attr, short flags);
    [DllImport(Lib)] public static extern int posix_spawnattr_setsigmask(void* attr, void* sigset);
    [DllImport(Lib)] public static extern int posix_spawnattr_setsigdefault(void* attr, void* sigset);
    [DllImport(Lib)] public static extern int posix_spawnattr_destroy(void* attr);
    [DllImport(Lib)] public static extern int sigemptyset(void* set);
    [DllImport(Lib)] public static extern int sigaddset(void* set, int signo);
    [DllImport(Lib)] public static extern int posix_spawnp(int* pid, byte* file, void* actions, void* attr, byte** argv, byte** envp);

    public const int F_SETFD = 2, FD_CLOEXEC = 1;
    public const int PR_SET_PDEATHSIG = 1;
    public static readonly nint SIG_DFL = 0;

    /// <summary>Signal names for notes ("signal 13 (SIGPIPE)").</summary>
    public static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 6 => "SIGABRT", 9 => "SIGKILL",
        11 => "SIGSEGV", 13 => "SIGPIPE", 14 => "SIGALRM", 15 => "SIGTERM",
        _ => $"signal {signal}",
    };
}
