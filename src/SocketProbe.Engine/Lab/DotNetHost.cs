using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// How to start SocketProbe.Peer from the module's own files: with the dotnet muxer that runs us
/// (or one found beside the runtime or on PATH), else through the running PowerShell.
/// A NativeAOT-compiled peer beside it (SocketProbe.Peer, from ./build.ps1 -Task NativePeer) starts
/// in ~10 ms instead of ~55 ms, with no JIT on its first calls; it is used for every mode (the lab's
/// JSON is source-generated, LabJson) when present and not older than the managed peer and engine
/// it was compiled from.
/// SOCKETPROBE_PEER_HOST=pwsh forces the PowerShell route (tests use it to prove it works);
/// SOCKETPROBE_PEER_HOST=dotnet forces the managed peer under the muxer (benchmarks compare the two).
/// </summary>
[System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000",
    Justification = "Assembly.Location is empty in the NativeAOT peer; every use here handles that (empty = no file).")]
public static class DotNetHost
{
    // A NativeAOT program has no assembly file: its directory is the executable's.
    private static string ModuleDirectory => typeof(DotNetHost).Assembly.Location is { Length: > 0 } location
        ? Path.GetDirectoryName(location)! : AppContext.BaseDirectory;

    public static string PeerAssembly => Path.Combine(ModuleDirectory, "SocketProbe.Peer.dll");

    /// <summary>The NativeAOT peer beside the managed one.</summary>
    public static string NativePeer => Path.Combine(ModuleDirectory, Exe("SocketProbe.Peer"));

    /// <summary>The native peer to use, or null: absent, stale, or a host forced. For a caller that may block (a script, the bench).</summary>
    public static string? UsableNativePeer() => UsableNativePeerAsync().GetAwaiter().GetResult();

    /// <summary>The native peer to use, or null: absent, stale, or a host forced.</summary>
    public static async Task<string?> UsableNativePeerAsync()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOCKETPROBE_PEER_HOST"))) return null;
        string native = NativePeer;
        if (!File.Exists(native)) return null;
        // An install that lost the executable bit (a package unzipped) falls back to the managed peer.
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(native) & UnixFileMode.UserExecute) == 0) return null;
        // A native peer compiled before the last build of the managed code would speak an old protocol.
        DateTime built = File.GetLastWriteTimeUtc(native);
        foreach (string source in new[] { PeerAssembly, typeof(DotNetHost).Assembly.Location })
            if (File.Exists(source) && File.GetLastWriteTimeUtc(source) > built) return null;
        return await RunsHereAsync(native).ConfigureAwait(false) ? native : null;
    }

    private static readonly object NativeCheckLock = new();
    private static (string Path, Task<bool> Runs)? _nativeCheck;

    /// <summary>
    /// Once per process, "SocketProbe.Peer ping" (bounded): a native peer built for another libc or CPU
    /// (a package copied to another machine) fails to start or to answer, and the managed peer runs
    /// instead. The native peer itself (the lab) knows it runs. The matrix starts many runs at once:
    /// they all await the one ping; the lock guards only which ping that is, never the ping itself.
    /// </summary>
    private static Task<bool> RunsHereAsync(string native)
    {
        lock (NativeCheckLock)
        {
            if (_nativeCheck is { } known && known.Path == native) return known.Runs;
            Task<bool> runs = PingAsync(native);
            _nativeCheck = (native, runs);
            return runs;
        }
    }

    private static async Task<bool> PingAsync(string native)
    {
        if (string.Equals(Environment.ProcessPath, native, StringComparison.Ordinal)) return true;
        try
        {
            ToolResult ping = await ChildProcess.RunAsync(native, new[] { "ping" }, null, 5_000, CancellationToken.None).ConfigureAwait(false);
            return ping.Succeeded && ping.Output.StartsWith("PONG", StringComparison.Ordinal);
        }
        catch (Exception) { return false; }   // it could not even be started here
    }

    /// <summary>The program and its arguments that run the peer with <paramref name="peerArguments"/>.</summary>
    public static async Task<(string File, IReadOnlyList<string> Arguments)> PeerCommandAsync(IReadOnlyList<string> peerArguments)
    {
        string? native = await UsableNativePeerAsync().ConfigureAwait(false);
        if (native is not null) return (native, peerArguments.ToList());

        string peer = PeerAssembly;
        if (!File.Exists(peer)) throw new FileNotFoundException($"The peer program is missing: {peer}. Build the module first (./build.ps1).", peer);

        bool forcePwsh = string.Equals(Environment.GetEnvironmentVariable("SOCKETPROBE_PEER_HOST"), "pwsh", StringComparison.OrdinalIgnoreCase);
        string? muxer = forcePwsh ? null : FindMuxer();
        if (muxer is not null) return (muxer, new[] { peer }.Concat(peerArguments).ToList());

        string? pwsh = FindPwsh();
        if (pwsh is null) throw new FileNotFoundException("No .NET host found to run the peer program: neither the dotnet muxer nor PowerShell (pwsh).");
        // A fixed script shipped beside the peer loads it and hands it $args: the paths and the peer's
        // arguments travel as arguments, never as code (a quote in a directory name stays a quote).
        string script = PeerScript;
        if (!File.Exists(script)) throw new FileNotFoundException($"The peer's PowerShell host script is missing: {script}. Build the module first (./build.ps1).", script);
        var args = new List<string>();
        if (pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) { args.Add(pwsh); pwsh = FindMuxer() ?? pwsh; }
        args.AddRange(new[] { "-NoProfile", "-NonInteractive", "-File", script });
        args.AddRange(peerArguments);
        return (pwsh, args);
    }

    /// <summary>SocketProbe.Peer.ps1: runs the peer inside PowerShell with the arguments it is given.</summary>
    public static string PeerScript => Path.Combine(Path.GetDirectoryName(PeerAssembly)!, "SocketProbe.Peer.ps1");

    private static string Exe(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    private static string? FindMuxer()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self).Equals(Exe("dotnet"), StringComparison.OrdinalIgnoreCase)) return self;
        string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath)) return hostPath;
        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        string? root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtimeDir)));
        if (root is not null && File.Exists(Path.Combine(root, Exe("dotnet")))) return Path.Combine(root, Exe("dotnet"));
        return OnPath(Exe("dotnet"));
    }

    private static string? FindPwsh()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("pwsh", StringComparison.OrdinalIgnoreCase)) return self;
        // PowerShell run as a .NET tool is pwsh.dll under the muxer: PSHOME is the directory of System.Management.Automation.
        string? sma = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => a.GetName().Name == "System.Management.Automation")?.Location;
        if (!string.IsNullOrEmpty(sma))
        {
            string dir = Path.GetDirectoryName(sma)!;
            if (File.Exists(Path.Combine(dir, Exe("pwsh")))) return Path.Combine(dir, Exe("pwsh"));
            if (File.Exists(Path.Combine(dir, "pwsh.dll"))) return Path.Combine(dir, "pwsh.dll");
        }
        return OnPath(Exe("pwsh"));
    }

    private static string? OnPath(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
}
