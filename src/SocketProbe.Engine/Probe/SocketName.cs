using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// The local address and port the kernel gave a socket (getsockname). .NET's Socket.LocalEndPoint
/// returns null after a failed connect, yet the kernel still holds the source address and port it
/// used for the SYN (observed on Linux 6.18: getsockname after ECONNREFUSED gives them), so ask it.
/// </summary>
internal static unsafe class SocketName
{
    /// <summary>The kernel's local endpoint of <paramref name="socket"/>, or null when it has none (port 0) or cannot tell.</summary>
    public static IPEndPoint? Local(Socket socket)
    {
        try
        {
            if (socket.Connected) return socket.LocalEndPoint as IPEndPoint;
            var address = new SocketAddress(socket.AddressFamily, SocketAddress.GetMaximumAddressSize(socket.AddressFamily));
            int result;
            int size;
            bool added = false;
            try
            {
                socket.SafeHandle.DangerousAddRef(ref added);
                nint handle = socket.SafeHandle.DangerousGetHandle();
                fixed (byte* buffer = address.Buffer.Span)
                {
                    if (OperatingSystem.IsWindows())
                    {
                        size = address.Buffer.Length;
                        result = Native.Windows.getsockname(handle, buffer, &size);
                    }
                    else
                    {
                        uint length = (uint)address.Buffer.Length;
                        result = Native.Libc.getsockname((int)handle, buffer, &length);
                        size = (int)length;
                    }
                }
            }
            finally
            {
                if (added) socket.SafeHandle.DangerousRelease();
            }
            if (result != 0 || size <= 0) return null;
            address.Size = size;
            var endpoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(address);
            return endpoint.Port == 0 ? null : endpoint;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or DllNotFoundException or EntryPointNotFoundException or ArgumentException)
        {
            return null;
        }
    }
}
