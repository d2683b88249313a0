namespace SocketProbe.Engine.Counters;

/// <summary>Reads this platform's counters: the one entry point the cmdlet and the instrument use.</summary>
public static class CounterReader
{
    /// <summary>One snapshot; <see cref="CountersUnavailableException"/> when this platform or sandbox has none.</summary>
    public static CounterSnapshot Read()
    {
        try
        {
            return PlatformInfo.Current switch
            {
                OsPlatform.Windows => WindowsCounters.Read(),
                OsPlatform.MacOS => MacCounters.Read(),
                _ => LinuxCounters.Read(),
            };
        }
        catch (CountersUnavailableException ex)
        {
            // One clear error that names the platform.
            throw new CountersUnavailableException($"The kernel's counters cannot be read on {PlatformInfo.Description}: {ex.Message}", ex);
        }
    }

    /// <summary>Null when <see cref="Read"/> works here; otherwise why not.</summary>
    public static string? WhyUnavailable()
    {
        try { Read(); return null; }
        catch (CountersUnavailableException ex) { return ex.Message; }
    }
}
