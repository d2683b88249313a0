namespace SocketProbe.Engine;

/// <summary>Sockets a run opens as it goes (fillers, clients, accepted ones): closed together, in the order they came, when the run's scope ends.</summary>
internal sealed class SocketList : List<Socket>, IDisposable
{
    public void Dispose()
    {
        foreach (Socket s in this) s.Dispose();
    }
}
