namespace SocketProbe.Engine.Matrix;

public enum MatrixEvent { Started, Finished }

/// <summary>One progress event of a matrix run: a run started or finished, with the counts at that moment.</summary>
/// <param name="Running">Names of the runs under way right after this event, in start order.</param>
public sealed record MatrixProgress(MatrixEvent Event, MatrixRun Run, int Total, int Finished, IReadOnlyList<string> Running, double ElapsedMs)
{
    public int PercentComplete => Total == 0 ? 100 : Finished * 100 / Total;
}
