namespace SocketProbe.Peer;

/// <summary>
/// The far endpoint when it must be its own process. Commands arrive on stdin, one per line;
/// answers go to stdout, one per line. Started by SocketProbe.Engine's PeerProcess.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: SocketProbe.Peer <mode> [options]");
            return 2;
        }
        Console.Error.WriteLine($"unknown mode '{args[0]}'");
        return 2;
    }
}
