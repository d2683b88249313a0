using System.Net.Sockets;

namespace SocketProbe.Engine;

/// <summary>
/// The socket calls loopback scenarios make, shaped for <see cref="ScenarioContext.CallAsync"/>:
/// each takes the step's cancellation token and returns the bytes it moved (-1: none).
/// </summary>
public static class SocketCalls
{
    public static Func<CancellationToken, ValueTask<int>> Send(Socket socket, ReadOnlyMemory<byte> data) =>
        token => socket.SendAsync(data, SocketFlags.None, token);

    public static Func<CancellationToken, ValueTask<int>> Receive(Socket socket, Memory<byte> buffer) =>
        token => socket.ReceiveAsync(buffer, SocketFlags.None, token);

    /// <summary>Receive until <paramref name="buffer"/> is full or the stream ends; returns the bytes read (0 = end of stream at once).</summary>
    public static Func<CancellationToken, ValueTask<int>> ReceiveExactly(Socket socket, Memory<byte> buffer) =>
        async token =>
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer[total..], SocketFlags.None, token).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return total;
        };

    /// <summary>close(2). With SO_LINGER {on, 0} set first this is the abortive close (RST).</summary>
    public static Func<CancellationToken, ValueTask<int>> Close(Socket socket) =>
        _ =>
        {
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
