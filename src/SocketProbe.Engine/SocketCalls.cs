using SocketProbe.Engine.Native;

namespace SocketProbe.Engine;

/// <summary>
/// One socket call for <see cref="ScenarioContext.CallAsync(int, string, string, SocketCall, Socket?, int?, bool)"/>:
/// the call itself (it takes the step's cancellation token and returns the bytes it moved, -1: none),
/// the socket it may wait on, and the poll(2) readiness that ends that wait. With these the context
/// times a call that had to wait by the kernel's readiness, not by when a pool thread ran its end.
/// </summary>
public sealed record SocketCall(Func<CancellationToken, ValueTask<int>> Run, Socket WaitsOn, short Until)
{
    /// <summary>A call ended by its socket becoming readable: a receive, an accept (POLLIN; errors always end it).</summary>
    public static SocketCall Readable(Socket socket, Func<CancellationToken, ValueTask<int>> run) => new(run, socket, Libc.POLLIN);

    /// <summary>A call ended by its socket becoming writable: a connect, a send that found the buffer full (POLLOUT; errors always end it).</summary>
    public static SocketCall Writable(Socket socket, Func<CancellationToken, ValueTask<int>> run) => new(run, socket, Libc.POLLOUT);
}

/// <summary>
/// The socket calls scenarios make, shaped for <see cref="ScenarioContext.CallAsync(int, string, string, SocketCall, Socket?, int?, bool)"/>.
/// Shared, so that one warm-up per process (<see cref="CallWarmup"/>) compiles every call path before
/// the first timed call.
/// </summary>
public static class SocketCalls
{
    public static SocketCall Connect(Socket socket, EndPoint remote) =>
        SocketCall.Writable(socket, async token =>
        {
            await socket.ConnectAsync(remote, token).ConfigureAwait(false);
            return -1;
        });

    /// <summary>accept(2) on <paramref name="listener"/>; the accepted socket goes to <paramref name="accepted"/>.</summary>
    public static SocketCall Accept(Socket listener, Action<Socket> accepted) =>
        SocketCall.Readable(listener, async token =>
        {
            accepted(await listener.AcceptAsync(token).ConfigureAwait(false));
            return -1;
        });

    public static SocketCall Send(Socket socket, ReadOnlyMemory<byte> data) =>
        SocketCall.Writable(socket, token => socket.SendAsync(data, SocketFlags.None, token));

    public static SocketCall Receive(Socket socket, Memory<byte> buffer) =>
        SocketCall.Readable(socket, token => socket.ReceiveAsync(buffer, SocketFlags.None, token));

    /// <summary>Receive until <paramref name="buffer"/> is full or the stream ends; returns the bytes read (0 = end of stream at once).</summary>
    public static SocketCall ReceiveExactly(Socket socket, Memory<byte> buffer) =>
        SocketCall.Readable(socket, async token =>
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer[total..], SocketFlags.None, token).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return total;
        });

    /// <summary>close(2). With SO_LINGER {on, 0} set first this is the abortive close (RST).</summary>
    public static Func<CancellationToken, ValueTask<int>> Close(Socket socket) =>
        _ =>
        {
            socket.Close();
            return ValueTask.FromResult(-1);
        };

    /// <summary>SO_LINGER {on, 0}, then close(2): the abortive close, an RST instead of a FIN.</summary>
    public static Func<CancellationToken, ValueTask<int>> Abort(Socket socket) =>
        _ =>
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            return ValueTask.FromResult(-1);
        };

    public static Func<CancellationToken, ValueTask<int>> Shutdown(Socket socket, SocketShutdown how) =>
        _ =>
        {
            socket.Shutdown(how);
            return ValueTask.FromResult(-1);
        };
}
