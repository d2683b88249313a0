using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SocketProbe.Engine;
using SocketProbe.Engine.Native;

namespace SocketProbe.Peer;

/// <summary>
/// A writer as most C programs are: SIGPIPE at its default disposition (terminate) and a plain
/// send(2) without MSG_NOSIGNAL. .NET ignores SIGPIPE and sends with MSG_NOSIGNAL, so both are
/// undone here. Commands:
///   waitclose  wait (bounded) until our socket is CLOSE, i.e. the RST has arrived -> STATE s
///   send       one plain send(2) of 64 bytes -> SENT n ms | ERRNO e ms; a death by signal answers nothing
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
            if (command == "waitclose")
            {
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (TcpInfo.StateOf(socket) is string state && state != "CLOSE" && waited.ElapsedMilliseconds < 1_000) Thread.Sleep(1);
                Console.WriteLine($"STATE {TcpInfo.StateOf(socket)}");
                continue;
            }
            if (command != "send")
            {
                Console.WriteLine($"ERROR unknown command '{command}'");
                continue;
            }
            Console.Out.Flush();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            nint sent;
            fixed (byte* p = payload) sent = Libc.send(fd, p, payload.Length, 0);
            int errno = Marshal.GetLastPInvokeError();
            double ms = clock.Elapsed.TotalMilliseconds;
            Console.WriteLine(sent >= 0
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SENT {sent} {ms}")
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ERRNO {errno} {ms}"));
        }
        return 0;
    }
}
