namespace SocketProbe.Engine.Errors;

/// <summary>Socket error names and numbers per platform. (Seed: grows into the full catalogue.)</summary>
public static class ErrorCatalog
{
    private static readonly Dictionary<int, string> Linux = new()
    {
        [32] = "EPIPE", [104] = "ECONNRESET", [110] = "ETIMEDOUT", [111] = "ECONNREFUSED",
        [113] = "EHOSTUNREACH", [101] = "ENETUNREACH", [103] = "ECONNABORTED", [11] = "EAGAIN",
    };

    public static string? NameOf(OsPlatform platform, int number) =>
        platform == OsPlatform.Linux && Linux.TryGetValue(number, out var name) ? name : null;
}
