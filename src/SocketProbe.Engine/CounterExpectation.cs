namespace SocketProbe.Engine;

/// <summary>
/// A counter a scenario moves on one platform, what in the scenario moves it, where the kernel
/// counts it, and (once measured) by how much in one run. Like <see cref="Expectation"/>: data in
/// the scenario's own file, never an observed value.
/// </summary>
/// <param name="Counter">nstat's name on Linux (TcpOutRsts), the module's name elsewhere.</param>
/// <param name="Delta">How much one run moved it where it was measured in a namespace of its own; null when not measured.</param>
/// <param name="Cause">What in the scenario moves it.</param>
/// <param name="Source">Kernel function / API, and "measured ..." when someone ran it.</param>
/// <param name="Verified">True once measured on that platform.</param>
public sealed record CounterExpectation(OsPlatform Platform, string Counter, long? Delta, string Cause, string Source, bool Verified)
{
    /// <summary>A Linux counter measured here: one run in a network namespace of its own moved it by <paramref name="delta"/>.</summary>
    public static CounterExpectation Linux(string counter, long delta, string cause, string kernelSource) =>
        new(OsPlatform.Linux, counter, delta, cause, $"{kernelSource}; measured in a namespace of its own on Linux 6.18", Verified: true);

    /// <summary>A counter documented for another platform, nobody ran it there.</summary>
    public static CounterExpectation Documented(OsPlatform platform, string counter, string cause, string source) =>
        new(platform, counter, null, cause, source, Verified: false);

    /// <summary>"TcpOutRsts +1 (the RST that refused the SYN; tcp_v4_send_reset())".</summary>
    public string Describe()
    {
        string by = Delta is long d ? $" {(d >= 0 ? "+" : "")}{d}" : "";
        return Verified ? $"{Counter}{by} ({Cause}; {Source})" : $"{Counter}{by} ({Cause}; {Source}; documented, not verified)";
    }
}
