namespace SocketProbe.Engine;

public enum OsPlatform { Linux, MacOS, Windows }

/// <summary>Which OS this process runs on, and the text that goes in Observation.Platform.</summary>
public static class PlatformInfo
{
    public static OsPlatform Current { get; } =
        OperatingSystem.IsWindows() ? OsPlatform.Windows :
        OperatingSystem.IsMacOS() ? OsPlatform.MacOS : OsPlatform.Linux;

    /// <summary>e.g. "Linux 6.18.44", "macOS 14.5.0", "Windows 10.0.22631".</summary>
    public static string Description => LazyDescription.Value;

    // Read on first use, not with Current: naming an errno (Current) must work with every file
    // descriptor of the process in use (EMFILE), when reading the release file would fail.
    private static readonly Lazy<string> LazyDescription = new(Describe);

    private static string Describe()
    {
        string name = Current switch { OsPlatform.MacOS => "macOS", OsPlatform.Windows => "Windows", _ => "Linux" };
        // Linux: the kernel release as uname -r prints it; elsewhere the OS version .NET reports.
        const string release = "/proc/sys/kernel/osrelease";
        string version = Current == OsPlatform.Linux && File.Exists(release)
            ? File.ReadAllText(release).Trim()
            : Environment.OSVersion.Version.ToString();
        return $"{name} {version}";
    }
}
