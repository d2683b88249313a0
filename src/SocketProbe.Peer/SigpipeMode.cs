using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SocketProbe.Engine;
using SocketProbe.Engine.Native;

namespace SocketProbe.Peer;

/// <summary>
/// A writer as most C programs are: SIGPIPE at its default disposition (terminate) and a plain
/// send(2) without MSG_NOSIGNAL. .NET ignores SIGPIPE and sends with MSG_NOSIGNAL, so both are
/// undone here. Commands: send N -> SENT n | ERRNO e; the death by signal needs no answer.
/// </summary>
internal static class SigpipeMode
{
    public static unsafe int Run(Options options)
    {
        var family = options.Get("family") == "ipv6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        int port = int.Parse(options.Require("port"));
        using var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(new IPEndPoint(Loopback.For(family), port));
        Libc.signal(Libc.SIGPIPE, Libc.SIG_DFL);
        Console.WriteLine($"READY {Environment.ProcessId}");
        Console.WriteLine($"CONNECTED {((IPEndPoint)socket.LocalEndPoint!).Port}");
        int fd = (int)socket.Handle;
        var payload = new byte[64];

        string? command;
        while ((command = Console.ReadLine()) is not null)
        {
            if (!command.StartsWith("send", StringComparison.Ordinal))
            {
                Console.WriteLine($"ERROR unknown command '{command}'");
                continue;
            }
            nint sent;
            fixed (byte* p = payload) sent = Libc.send(fd, p, payload.Length, 0);
            Console.WriteLine(sent >= 0 ? $"SENT {sent}" : $"ERRNO {Marshal.GetLastPInvokeError()}");
        }
        return 0;
    }
}
