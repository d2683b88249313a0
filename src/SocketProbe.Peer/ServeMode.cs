using System.Net;
using System.Net.Sockets;
using SocketProbe.Engine;

namespace SocketProbe.Peer;

/// <summary>
/// Listen on loopback, accept one connection, then obey the parent:
///   unread N  wait until N bytes sit unread in our receive buffer   -> UNREAD n
///   read      read what is there                                     -> READ n
///   abort     SO_LINGER {on, 0} and close: the kernel sends RST      -> ABORTED
///   close     plain close: FIN                                       -> CLOSED
///   exit      leave without closing anything: the kernel closes      -> EXITING, then the process ends
/// Being killed needs no command: the parent sends the signal.
/// </summary>
internal static class ServeMode
{
    public static int Run(Options options)
    {
        var family = options.Get("family") == "ipv6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        IPAddress address = options.Get("address") is string a ? IPAddress.Parse(a) : Loopback.For(family);
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, options.Get("port") is string p ? int.Parse(p) : 0));
        listener.Listen(4);
        Console.WriteLine($"READY {Environment.ProcessId}");
        Console.WriteLine($"LISTENING {((IPEndPoint)listener.LocalEndPoint!).Port}");
        Socket connection = listener.Accept();
        Console.WriteLine($"ACCEPTED {connection.RemoteEndPoint}");

        string? command;
        while ((command = Console.ReadLine()) is not null)
        {
            string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault())
            {
                case "unread":
                    int wanted = int.Parse(words[1]);
                    var until = DateTime.UtcNow.AddSeconds(5); // bounded: the bytes are on loopback already
                    while (connection.Available < wanted && DateTime.UtcNow < until) Thread.Sleep(1);
                    Console.WriteLine($"UNREAD {connection.Available}");
                    break;
                case "read":
                    var buffer = new byte[Math.Max(1, connection.Available)];
                    int n = connection.Available > 0 ? connection.Receive(buffer) : 0;
                    Console.WriteLine($"READ {n}");
                    break;
                case "abort":
                    connection.LingerState = new LingerOption(true, 0);
                    connection.Close();
                    Console.WriteLine("ABORTED");
                    break;
                case "close":
                    connection.Close();
                    Console.WriteLine("CLOSED");
                    break;
                case "exit":
                    Console.WriteLine("EXITING");
                    Console.Out.Flush();
                    Environment.Exit(0); // sockets left open: the kernel closes them as the process ends
                    break;
                default:
                    Console.WriteLine($"ERROR unknown command '{command}'");
                    break;
            }
        }
        return 0;
    }
}
