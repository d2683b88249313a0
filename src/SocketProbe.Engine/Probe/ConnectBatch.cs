using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static SocketProbe.Engine.Native.Libc;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// Linux only: many non-blocking connect(2)s in flight on raw descriptors, watched with one poll(2),
/// the way nmap -sT does it. Measured here (10,000 closed loopback ports, 200 at once): about 17 us
/// per attempt, against 30-40 us through Socket.ConnectAsync, whose every refused connect throws a
/// SocketException and goes through the epoll thread and the thread pool. Each attempt's result is
/// what the kernel said: connect(2)'s errno, or SO_ERROR once poll says the connect is done.
/// Not thread-safe: one round's batch loop owns it. Dispose closes whatever is still open.
/// </summary>
internal sealed unsafe class ConnectBatch : IDisposable
{
    private const int AF_INET = 2, AF_INET6 = 10;
    private const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1, SO_ERROR = 4;
    private const int EINPROGRESS = 115, EINTR = 4;

    /// <summary>True where this path runs: Linux with libc (elsewhere, and if libc is missing, Socket.ConnectAsync serves).</summary>
    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd >= 0) close(fd);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// How a connect ended: errno 0 = connected; At, the Stopwatch timestamp when the kernel's answer
    /// was seen (right after connect(2) or poll(2) returned). Fd is still open: the caller reads its
    /// name, then calls <see cref="Release"/>.
    /// </summary>
    public readonly record struct Done(int Slot, int Fd, int Errno, long At);

    private readonly PollFd[] _fds;
    private readonly int[] _slots;
    private readonly long[] _deadlines;
    private int _active;

    public ConnectBatch(int capacity)
    {
        _fds = new PollFd[capacity];
        _slots = new int[capacity];
        _deadlines = new long[capacity];
    }

    /// <summary>Connects in flight.</summary>
    public int Active => _active;

    /// <summary>
    /// A new non-blocking socket and its connect to <paramref name="endpoint"/>. Returns the
    /// descriptor when the connect is in flight (watched from now on, until <paramref name="deadline"/>,
    /// a Stopwatch timestamp), or -1 with <paramref name="done"/> set when it ended at once: errno of
    /// socket(2) (Fd -1: nothing was sent) or of connect(2) (0: connected at once).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Start(int slot, IPEndPoint endpoint, long deadline, out Done done)
    {
        done = default;
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            done = new Done(slot, -1, Marshal.GetLastPInvokeError(), System.Diagnostics.Stopwatch.GetTimestamp());
            return -1;
        }
        byte* address = stackalloc byte[28];
        uint length = Write(endpoint, address);
        int rc = connect(fd, address, length);
        int errno = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
        long at = System.Diagnostics.Stopwatch.GetTimestamp();
        if (errno is EINPROGRESS or EINTR)
        {
            _fds[_active] = new PollFd { Fd = fd, Events = POLLOUT };
            _slots[_active] = slot;
            _deadlines[_active] = deadline;
            _active++;
            return fd;
        }
        done = new Done(slot, fd, errno, at);
        return -1;
    }

    /// <summary>
    /// Wait up to <paramref name="timeoutMs"/> (never past the earliest deadline) for connects to end;
    /// hands each ended one to <paramref name="ended"/> (errno from SO_ERROR), and each one past its
    /// deadline to <paramref name="expired"/> (its descriptor still open). Both leave the batch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Wait(int timeoutMs, long now, Action<Done> ended, Action<Done> expired)
    {
        if (_active == 0) return;
        long earliest = long.MaxValue;
        for (int i = 0; i < _active; i++) earliest = Math.Min(earliest, _deadlines[i]);
        long untilEarliest = (long)Math.Ceiling((earliest - now) * 1000.0 / System.Diagnostics.Stopwatch.Frequency);
        int wait = (int)Math.Clamp(untilEarliest, 0, timeoutMs);
        int n;
        fixed (PollFd* fds = _fds) n = poll(fds, (nuint)_active, wait);
        long after = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < _active;)
        {
            short revents = _fds[i].Revents;
            int fd = _fds[i].Fd, slot = _slots[i];
            if (n > 0 && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0)
            {
                int error = 0;
                uint size = sizeof(int);
                int errno = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 ? error : Marshal.GetLastPInvokeError();
                Remove(i);
                ended(new Done(slot, fd, errno, after));
            }
            else if (_deadlines[i] <= after)
            {
                Remove(i);
                expired(new Done(slot, fd, 0, after));
            }
            else
            {
                i++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Remove(int i)
    {
        _active--;
        _fds[i] = _fds[_active]; // not yet looked at in this pass: its revents stand
        _slots[i] = _slots[_active];
        _deadlines[i] = _deadlines[_active];
    }

    /// <summary>
    /// The kernel's local address of <paramref name="fd"/> (getsockname), raw: its bytes into
    /// <paramref name="address"/> (at least 16), their count (4 or 16) returned, with the port and the
    /// IPv6 scope; 0 when it has none (port 0). Raw, so a sweep allocates nothing per attempt for it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int LocalName(int fd, Span<byte> address, out int port, out uint scope)
    {
        (port, scope) = (0, 0);
        byte* name = stackalloc byte[28];
        uint length = 28;
        if (getsockname(fd, name, &length) != 0 || length < 8) return 0;
        int namePort = name[2] << 8 | name[3];
        if (namePort == 0) return 0;
        ushort family = *(ushort*)name;
        if (family == AF_INET)
        {
            new ReadOnlySpan<byte>(name + 4, 4).CopyTo(address);
            port = namePort;
            return 4;
        }
        if (family == AF_INET6 && length >= 24)
        {
            new ReadOnlySpan<byte>(name + 8, 16).CopyTo(address);
            (port, scope) = (namePort, length >= 28 ? *(uint*)(name + 24) : 0);
            return 16;
        }
        return 0;
    }

    /// <summary>An IPv4 (4 bytes) or IPv6 (16 bytes, with its scope) address.</summary>
    public static IPAddress AddressOf(ReadOnlySpan<byte> address, uint scope) =>
        address.Length == 4 ? new IPAddress(address) : new IPAddress(address, scope);

    /// <summary>Close a descriptor handed out by <see cref="Start"/> or <see cref="Done"/>.</summary>
    public static void Release(int fd)
    {
        if (fd >= 0) close(fd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Write(IPEndPoint endpoint, byte* address)
    {
        new Span<byte>(address, 28).Clear();
        address[2] = (byte)(endpoint.Port >> 8);
        address[3] = (byte)endpoint.Port;
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            *(ushort*)address = AF_INET6;
            endpoint.Address.TryWriteBytes(new Span<byte>(address + 8, 16), out _);
            *(uint*)(address + 24) = (uint)endpoint.Address.ScopeId;
            return 28;
        }
        *(ushort*)address = AF_INET;
        endpoint.Address.TryWriteBytes(new Span<byte>(address + 4, 4), out _);
        return 16;
    }

    /// <summary>Closes every connect still in flight.</summary>
    public void Dispose()
    {
        for (int i = 0; i < _active; i++) close(_fds[i].Fd);
        _active = 0;
    }
}
