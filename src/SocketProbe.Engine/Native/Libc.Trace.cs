using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Native;

/// <summary>
/// Linux only, for the tracing files (Watch-TcpReset, -Trace): mounting tracefs where nobody has,
/// and reading trace_pipe without blocking (a blocked read(2) there is not woken by close(2), so a
/// Ctrl+C could never end it).
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_CLOEXEC_LINUX = 0x80000;
    public const int EAGAIN_LINUX = 11, EBUSY = 16, ENOENT = 2;
    public const int MNT_DETACH = 2;

    [DllImport(Lib, SetLastError = true)] public static extern int open(byte* path, int flags);
    [DllImport(Lib, SetLastError = true)] public static extern nint read(int fd, byte* buf, nint count);
    [DllImport(Lib, SetLastError = true)] public static extern int mount(string source, string target, string fstype, nuint flags, nint data);
    [DllImport(Lib)] public static extern uint geteuid();
    [DllImport(Lib, SetLastError = true)] public static extern int umount2(string target, int flags);
}
