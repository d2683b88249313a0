namespace SocketProbe.Engine.Matrix;

public enum MatrixEvent { Started, Finished }

/// <summary>One progress event of a matrix run: a run started or finished, with the counts at that moment.</summary>
public sealed class MatrixProgress
{
    internal MatrixProgress(MatrixEvent kind, MatrixRun run, int total, int finished, IReadOnlyList<string> running, double elapsedMs)
    {
        Event = kind;
        Run = run;
        Total = total;
        Finished = finished;
        Running = running;
        ElapsedMs = elapsedMs;
    }

    public MatrixEvent Event { get; }
    public MatrixRun Run { get; }
    public int Total { get; }
    public int Finished { get; }
    /// <summary>Names of the runs under way right after this event, in start order.</summary>
    public IReadOnlyList<string> Running { get; }
    public double ElapsedMs { get; }
    public int PercentComplete => Total == 0 ? 100 : Finished * 100 / Total;
}
