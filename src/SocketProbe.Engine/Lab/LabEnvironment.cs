namespace SocketProbe.Engine.Lab;

/// <summary>
/// Can the Linux namespace lab run here? It needs Linux, unshare (util-linux), ip (iproute2),
/// nft (nftables), the right to create a network namespace (root, or unprivileged user
/// namespaces), and a /proc/sys that lets it set that namespace's sysctls (a container's is
/// read-only). The answer is worked out once per process and names the missing piece.
/// Tools come from the fixed system directories (/usr/sbin, /usr/bin, /sbin, /bin), never from
/// PATH: an unshare earlier on PATH that does not isolate must not get to run the lab.
/// SOCKETPROBE_LAB_PATH, when set, names the directories to use instead (tests simulate a
/// machine without nft, or a broken unshare, with it).
/// </summary>
public static class LabEnvironment
{
    /// <summary>Where the lab's tools come from unless SOCKETPROBE_LAB_PATH names other directories.</summary>
    public static readonly IReadOnlyList<string> SystemDirectories = new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

    /// <summary>How long the throw-away namespace of the check may take.</summary>
    public const int CheckTimeoutMs = 5_000;

    /// <summary>The environment variable that carries the caller's network namespace into the lab.</summary>
    public const string HostNamespaceVariable = "SOCKETPROBE_HOST_NETNS";

    private static readonly Lazy<Task<string?>> Unavailable = new(CheckAsync);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string?>>> UnavailableFor = new();

    /// <summary>
    /// Null when the lab can run; otherwise why not. Worked out once per process (and once per
    /// SOCKETPROBE_LAB_PATH value): every caller awaits the one check, none blocks a thread on it.
    /// </summary>
    public static Task<string?> WhyUnavailableAsync() =>
        LabPath is string path ? UnavailableFor.GetOrAdd(path, _ => new Lazy<Task<string?>>(CheckAsync)).Value : Unavailable.Value;

    /// <summary>
    /// <see cref="WhyUnavailableAsync"/> for a synchronous caller (Scenario.WhyCannotRun). ScenarioRunner
    /// awaits the check first, so on a run's path this finds it done and does not block.
    /// </summary>
    public static string? WhyUnavailable() => WhyUnavailableAsync().GetAwaiter().GetResult();

    /// <summary>SOCKETPROBE_LAB_PATH when the caller set it (an empty value counts as set).</summary>
    public static string? LabPath => Environment.GetEnvironmentVariable("SOCKETPROBE_LAB_PATH");

    public static string Tool(string name) =>
        FindTool(name) ?? throw new LabException(LabPath is string path
            ? $"'{name}' is not in SOCKETPROBE_LAB_PATH ({path})"
            : $"'{name}' is not installed (looked in {string.Join(", ", SystemDirectories)})");

    private static IEnumerable<string> SearchDirectories() =>
        LabPath is string path ? path.Split(':', StringSplitOptions.RemoveEmptyEntries) : SystemDirectories;

    public static string? FindTool(string name) =>
        SearchDirectories().Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>
    /// util-linux setpriv, to make a child die with us (--pdeathsig); a safety net only, so it may
    /// also come from the system directories when SOCKETPROBE_LAB_PATH has none.
    /// </summary>
    public static string? FindSetpriv() =>
        FindTool("setpriv") ?? SystemDirectories.Select(d => Path.Combine(d, "setpriv")).FirstOrDefault(File.Exists);

    /// <summary>This process's network namespace, as /proc/self/ns/net names it ("net:[4026531833]"); null off Linux.</summary>
    public static string? OwnNamespace()
    {
        try { return new FileInfo("/proc/self/ns/net").LinkTarget; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Run one of the lab's tools to its end, bounded by <paramref name="timeoutMs"/>, and dying with
    /// this process (setpriv --pdeathsig KILL, where util-linux has it): no tool outlives the lab.
    /// </summary>
    public static Task<ToolResult> RunToolAsync(string name, IReadOnlyList<string> arguments, string? input, int timeoutMs,
        CancellationToken cancellation)
    {
        string tool = Tool(name);
        if (FindSetpriv() is string setpriv)
            return ChildProcess.RunAsync(setpriv, new[] { "--pdeathsig", "KILL", tool }.Concat(arguments).ToList(), input, timeoutMs, cancellation);
        return ChildProcess.RunAsync(tool, arguments, input, timeoutMs, cancellation);
    }

    private static async Task<string?> CheckAsync()
    {
        if (!OperatingSystem.IsLinux()) return "needs the Linux namespace lab; no technique yet on this platform";
        if (LabPath is string path)
        {
            var missing = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(d => !Directory.Exists(d)).ToList();
            if (missing.Count > 0 || path.Trim().Length == 0)
                return $"SOCKETPROBE_LAB_PATH ({path}) names {(missing.Count > 0 ? string.Join(", ", missing) : "no directory")}, which {(missing.Count > 1 ? "are not directories" : "is not a directory")}; unset it to use the system's tools";
        }
        foreach (var (tool, package) in new[] { ("unshare", "util-linux"), ("ip", "iproute2"), ("nft", "nftables") })
            if (FindTool(tool) is null)
                return LabPath is string dirs
                    ? $"needs '{tool}' ({package}), which is not in SOCKETPROBE_LAB_PATH ({dirs})"
                    : $"needs '{tool}' ({package}), which is not installed (looked in {string.Join(", ", SystemDirectories)})";
        // One throw-away namespace proves we may create them (root, or unprivileged user namespaces),
        // and that its sysctls can be set (every lab run sets some, from LabNetwork.Prepare on).
        try
        {
            string? shell = SystemDirectories.Select(d => Path.Combine(d, "sh")).FirstOrDefault(File.Exists);
            string[] inside = shell is null ? new[] { "true" } : new[] { shell, "-c", SysctlProbe, CheckName, OwnNamespace() ?? "" };
            ToolResult probe = await RunToolAsync("unshare", new[] { "--map-root-user", "--net" }.Concat(inside).ToList(), null, CheckTimeoutMs,
                CancellationToken.None).ConfigureAwait(false);
            if (probe.TimedOut) return $"creating a network namespace did not finish within {CheckTimeoutMs / 1000} s";
            if (!probe.Succeeded)
                return $"may not create a network namespace here (needs root or unprivileged user namespaces): {probe.Error.Trim()}";
            if (probe.Output.Split('\n').FirstOrDefault(l => l.StartsWith(SysctlRefused, StringComparison.Ordinal)) is string refused)
                return SysctlsNotWritable(refused[SysctlRefused.Length..].Trim());
        }
        catch (InvalidOperationException ex)
        {
            return $"could not run unshare: {ex.Message}";
        }
        return null;
    }

    /// <summary>The check's name for itself ($0 of its shell): a test's fake unshare knows the check by it.</summary>
    public const string CheckName = "socketprobe-lab-check";

    private const string SysctlRefused = "sysctl-refused:";

    /// <summary>
    /// The check's shell, in the throw-away namespace: write net.ipv4.icmp_ratelimit back with the
    /// value it holds (as LabNetwork.Prepare writes it, so the same mount, LSM and ownership rules
    /// apply). A read-only /proc/sys (a container's default) or an LSM refuses it. $1 is the
    /// caller's namespace: an unshare that did not isolate gets no write here (the lab refuses later).
    /// </summary>
    private const string SysctlProbe =
        "[ \"$(readlink /proc/self/ns/net)\" = \"$1\" ] && exit 0\n" +
        "f=/proc/sys/net/ipv4/icmp_ratelimit\n" +
        "v=$(cat $f) || exit 0\n" +
        "err=$( { echo \"$v\" > $f; } 2>&1 ) || echo \"" + SysctlRefused + " $err\"\n" +
        "exit 0\n";

    /// <summary>Why the lab cannot run when the namespace's sysctls cannot be set (the check's, and a lab run's that meets it anyway).</summary>
    public static string SysctlsNotWritable(string detail) =>
        $"the lab sets sysctls of its own namespace under /proc/sys/net, and they cannot be written here ({detail}); " +
        "a container mounts /proc/sys read-only unless it is privileged";

    /// <summary>
    /// The proof that we run inside a network namespace the lab made, asked before any rule, route
    /// or sysctl: this process's namespace differs from the caller's (handed in by the host side in
    /// <see cref="HostNamespaceVariable"/>) and holds nothing but a loopback device. An environment
    /// variable that only says "in the lab" is no proof: an unshare that does not isolate keeps it.
    /// </summary>
    public static void RequireOwnNamespace()
    {
        string? host = Environment.GetEnvironmentVariable(HostNamespaceVariable);
        string? own = OwnNamespace();
        if (string.IsNullOrEmpty(host))
            throw new LabException($"refusing to change the network: the caller's namespace is unknown ({HostNamespaceVariable} unset), so this may be the caller's own network");
        if (own is null)
            throw new LabException("refusing to change the network: /proc/self/ns/net cannot be read, so this may be the caller's own network");
        if (own == host)
            throw new LabException($"refusing to change the network: this process runs in the caller's own network namespace ({own}); the unshare that started it did not isolate it");
        // A namespace of our own making has only 'lo' (/proc/net/dev is per namespace).
        var devices = File.ReadLines("/proc/self/net/dev").Skip(2)
            .Select(l => l.Split(':')[0].Trim()).Where(d => d.Length > 0).ToList();
        if (devices.Any(d => d != "lo"))
            throw new LabException($"refusing to change the network: this namespace ({own}) has devices other than lo ({string.Join(", ", devices)}), so the lab did not make it");
    }
}
