using System.Runtime.CompilerServices;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// How a probe ends its connection: politely with FIN unless asked to abort. A close with unread bytes in the
/// receive buffer makes Linux send RST instead of FIN (tcp_close: data_was_unread), and the server then logs
/// "connection reset by peer" for every health check; so whatever already arrived (a banner, the rest of an
/// answer) is read and dropped first, without waiting. Bytes the server sends after our close still draw an
/// RST from the kernel: only a probe that waited for them could avoid that. Abort: SO_LINGER {on, 0}, RST.
/// </summary>
internal readonly struct ProbeClose : IDisposable
{
    private readonly Socket _socket;
    private readonly bool _abort;

    public ProbeClose(Socket socket, bool abort) => (_socket, _abort) = (socket, abort);

    public void Dispose()
    {
        try
        {
            if (_abort) _socket.LingerState = new LingerOption(true, 0);
            else if (_socket.Connected) Drain(_socket);
        }
        catch (SocketException) { /* the connection is already gone: nothing to be polite to */ }
        catch (ObjectDisposedException) { }
        _socket.Dispose();
    }

    private static void Drain(Socket socket)
    {
        Span<byte> sink = stackalloc byte[4096];
        for (int total = 0; total < 1 << 20 && socket.Available > 0;)
        {
            int n = socket.Receive(sink, SocketFlags.None);
            if (n <= 0) break;
            total += n;
        }
    }

    /// <summary>
    /// The batch path's descriptor (non-blocking, Linux): the same, with recv(2) and setsockopt(2), where the
    /// socket may be connected; a connect the kernel failed left nothing to read or reset: close(2) alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Fd(int fd, bool abort, bool mayBeConnected)
    {
        if (fd < 0) return;
        if (mayBeConnected && abort)
        {
            int* linger = stackalloc int[2] { 1, 0 }; // struct linger { l_onoff = 1, l_linger = 0 }
            Libc.setsockopt(fd, 1 /* SOL_SOCKET */, 13 /* SO_LINGER */, linger, 8);
        }
        else if (mayBeConnected)
        {
            byte* sink = stackalloc byte[4096];
            // Non-blocking: returns at once with -1 (EAGAIN), 0 (FIN) or what had arrived.
            for (int i = 0; i < 256 && Libc.recv(fd, sink, 4096, 0) > 0; i++) { }
        }
        ConnectBatch.Release(fd);
    }
}
