namespace SocketProbe.Peer;

/// <summary>Runs a lab scenario inside the Linux namespace lab (filled in with the lab).</summary>
internal static class LabMode
{
    public static int Run(Options options)
    {
        Console.WriteLine("ERROR the lab mode is not built yet");
        return 2;
    }
}
