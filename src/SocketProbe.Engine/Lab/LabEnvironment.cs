using System.Diagnostics;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// Can the Linux namespace lab run here? It needs Linux, unshare (util-linux), ip (iproute2),
/// nft (nftables), and the right to create a network namespace: root, or unprivileged user
/// namespaces. The answer is worked out once per process and names the missing piece.
/// SOCKETPROBE_LAB_PATH, when set, replaces PATH for the tool look-up (tests simulate a machine
/// without nft with it).
/// </summary>
public static class LabEnvironment
{
    private static readonly Lazy<string?> Unavailable = new(Check);

    /// <summary>Null when the lab can run; otherwise why not.</summary>
    public static string? WhyUnavailable() =>
        Environment.GetEnvironmentVariable("SOCKETPROBE_LAB_PATH") is not null ? Check() : Unavailable.Value;

    public static string Tool(string name) =>
        FindTool(name) ?? throw new FileNotFoundException($"{name} not found on PATH");

    private static string? SearchPath() =>
        Environment.GetEnvironmentVariable("SOCKETPROBE_LAB_PATH") ??
        (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin";

    public static string? FindTool(string name) =>
        (SearchPath() ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string? Check()
    {
        if (!OperatingSystem.IsLinux()) return "needs the Linux namespace lab; no technique yet on this platform";
        foreach (var (tool, package) in new[] { ("unshare", "util-linux"), ("ip", "iproute2"), ("nft", "nftables") })
            if (FindTool(tool) is null) return $"needs '{tool}' ({package}), which is not installed";
        // One throw-away namespace proves we may create them (root, or unprivileged user namespaces).
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(FindTool("unshare")!)
            {
                ArgumentList = { "--map-root-user", "--net", "true" },
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            })!;
            string error = probe.StandardError.ReadToEnd();
            if (!probe.WaitForExit(5_000)) { probe.Kill(); return "creating a network namespace did not finish within 5 s"; }
            if (probe.ExitCode != 0)
                return $"may not create a network namespace here (needs root or unprivileged user namespaces): {error.Trim()}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"could not run unshare: {ex.Message}";
        }
        return null;
    }
}
