using System.Runtime.InteropServices;
using System.Text;
using SocketProbe.Engine.Native;

namespace SocketProbe.Engine.Trace;

/// <summary>
/// A private tracing instance (tracefs instances/NAME) of this process: only its own events are
/// enabled, never a global one, and its ring buffer is its own. Named
/// socketprobe-PID-STARTTIME-N so that a later run can tell a dead run's instance (its PID gone, or
/// reused by another process started at another time) and remove it. When no tracefs is mounted it
/// mounts one at a directory of its own and unmounts it at the end, so /sys/kernel/tracing is left as
/// it was found. Dispose removes the instance on success, failure and Ctrl+C alike.
/// </summary>
public sealed class TraceInstance : IDisposable
{
    public const string NamePrefix = "socketprobe-";
    private const string MountPrefix = "socketprobe-tracefs-";
    private static int _sequence;

    private readonly string? _ownMount;
    private int _pipe = -1;
    private bool _disposed;

    /// <summary>The tracefs root used (a mount found, or one of this instance's own).</summary>
    public string Root { get; }
    /// <summary>instances/NAME under <see cref="Root"/>.</summary>
    public string Path { get; }
    public string Name { get; }
    /// <summary>The events enabled, as "system/event".</summary>
    public IReadOnlyList<string> Events { get; }
    /// <summary>tcp_send_reset has its reason field (Linux 6.10 and later).</summary>
    public bool HasResetReason { get; }
    /// <summary>Dead runs' instances removed before this one was made.</summary>
    public IReadOnlyList<string> Removed { get; }

    private TraceInstance(string root, string? ownMount, string name, IReadOnlyList<string> events, bool hasReason, IReadOnlyList<string> removed)
    {
        Root = root;
        _ownMount = ownMount;
        Name = name;
        Path = System.IO.Path.Combine(root, "instances", name);
        Events = events;
        HasResetReason = hasReason;
        Removed = removed;
    }

    /// <summary>
    /// Make an instance with <paramref name="events"/> ("tcp/tcp_send_reset" ...) enabled. An event
    /// the kernel lacks is left out (see <see cref="Events"/>); tcp_send_reset is required.
    /// <paramref name="root"/> overrides where tracefs is looked for (tests give a fake one).
    /// Throws <see cref="TraceUnavailableException"/> naming what is missing.
    /// </summary>
    public static TraceInstance Create(IReadOnlyList<string> events, int bufferKbPerCpu = 4096, string? root = null)
    {
        if (!OperatingSystem.IsLinux())
            throw new TraceUnavailableException("The kernel's reset reasons are read from Linux's tracefs; this is not Linux. " + TraceUnavailableException.StillWorks);
        string? ownMount = null;
        root ??= FindMounted() ?? (ownMount = MountOwn());
        try
        {
            string instances = System.IO.Path.Combine(root, "instances");
            string sendFormat = System.IO.Path.Combine(root, "events", "tcp", "tcp_send_reset", "format");
            if (!Directory.Exists(instances))
                throw new TraceUnavailableException($"{root} has no instances directory: not a tracefs (or one this kernel cannot give private instances). {TraceUnavailableException.StillWorks}");
            string format;
            try { format = File.ReadAllText(sendFormat); }
            catch (UnauthorizedAccessException) { throw NotPermitted(root); }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new TraceUnavailableException($"This kernel has no tcp:tcp_send_reset event ({sendFormat} is missing; it came in Linux 4.15), so it cannot say which resets it sent. {TraceUnavailableException.StillWorks}");
            }
            bool hasReason = TraceFormat.HasField(format, "reason");
            List<string> removed = RemoveDead(root);
            string name = $"{NamePrefix}{Environment.ProcessId}-{StartTimeOf(Environment.ProcessId)}-{Interlocked.Increment(ref _sequence)}";
            string path = System.IO.Path.Combine(instances, name);
            try { Directory.CreateDirectory(path); }
            catch (UnauthorizedAccessException) { throw NotPermitted(root); }
            var enabled = new List<string>();
            var instance = new TraceInstance(root, ownMount, name, enabled, hasReason, removed);
            ownMount = null; // the instance owns the mount from here on
            try
            {
                // Our own clock and wake-up rules, in this instance only: CLOCK_MONOTONIC stamps (the
                // Stopwatch's clock), readers woken at the first event, a ring large enough for bursts.
                instance.Write("trace_clock", "mono");
                instance.Write("buffer_percent", "0");
                instance.Write("buffer_size_kb", bufferKbPerCpu.ToString());
                foreach (string ev in events)
                {
                    string enable = System.IO.Path.Combine(path, "events", ev, "enable");
                    if (!File.Exists(enable)) continue;
                    File.WriteAllText(enable, "1");
                    enabled.Add(ev);
                }
                return instance;
            }
            catch
            {
                instance.Dispose();
                throw;
            }
        }
        catch
        {
            if (ownMount is not null) Unmount(ownMount);
            throw;
        }
    }

    private static TraceUnavailableException NotPermitted(string root) =>
        new($"The tracing files at {root} need root (CAP_SYS_ADMIN over tracefs); this process runs as uid {Geteuid()}. {TraceUnavailableException.StillWorks}");

    private void Write(string file, string value)
    {
        string full = System.IO.Path.Combine(Path, file);
        if (File.Exists(full)) File.WriteAllText(full, value);
    }

    /// <summary>Set a filter on one of this instance's events (the kernel's own filter syntax).</summary>
    public void Filter(string ev, string filter)
    {
        string full = System.IO.Path.Combine(Path, "events", ev, "filter");
        if (File.Exists(full)) File.WriteAllText(full, filter);
    }

    // trace_pipe hands out at most a page per read(2); the text is decoded into one reused char
    // buffer and cut into lines there, so a line costs its parse and nothing else.
    private readonly byte[] _bytes = new byte[65536];
    private char[] _chars = new char[65536 + 256];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder(); // a name's UTF-8 split across reads stays whole
    private int _carried;

    /// <summary>
    /// Wait <paramref name="waitMs"/>, then parse all the ring holds into <paramref name="lines"/>, without
    /// blocking: whole lines only; a partial last line waits for the next read. <paramref name="keep"/>
    /// turns events down before they are made. Returns the events read (turned down included) and
    /// those trace_pipe's own notes say the ring overwrote ("CPU:N [LOST n EVENTS]") in this read.
    /// </summary>
    public unsafe TraceRead ReadAvailable(List<TraceLine> lines, int waitMs, LineFilter? keep = null)
    {
        if (_disposed) return default;
        if (_pipe < 0)
        {
            byte[] file = Encoding.UTF8.GetBytes(System.IO.Path.Combine(Path, "trace_pipe") + "\0");
            fixed (byte* p = file) _pipe = Libc.open(p, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC_LINUX);
            if (_pipe < 0) throw new IOException($"cannot open {Path}/trace_pipe: errno {Marshal.GetLastPInvokeError()}");
        }
        // No poll: it would wake at every event (2,000 wake-ups a second at 1,000 resets a second).
        // Sleeping the wait out and then taking all the ring holds reads them in batches; the ring
        // (buffer_size_kb a CPU) holds far more than one wait's worth.
        if (waitMs > 0) Thread.Sleep(waitMs);
        long lost = 0;
        int events = 0;
        while (true)
        {
            nint n;
            fixed (byte* b = _bytes) n = Libc.read(_pipe, b, _bytes.Length);
            if (n <= 0) break;
            int needed = _carried + Encoding.UTF8.GetMaxCharCount((int)n);
            if (_chars.Length < needed) Array.Resize(ref _chars, needed);
            int count = _carried + _decoder.GetChars(_bytes, 0, (int)n, _chars, _carried, flush: false);
            ReadOnlySpan<char> text = _chars.AsSpan(0, count);
            int start = 0;
            for (int nl = text.IndexOf('\n'); nl >= 0; nl = text[start..].IndexOf('\n') is int next and >= 0 ? start + next : -1)
            {
                ReadOnlySpan<char> line = text[start..nl];
                start = nl + 1;
                switch (TraceLine.TryParse(line, keep, out TraceLine? parsed))
                {
                    case LineKind.Event: events++; lines.Add(parsed!); break;
                    case LineKind.TurnedDown: events++; break;
                    default: lost += TraceLine.LostEvents(line); break;
                }
            }
            // The partial last line moves to the front for the next read.
            text[start..].CopyTo(_chars);
            _carried = count - start;
        }
        return new TraceRead(events, lost);
    }

    /// <summary>Events the ring overwrote before they were read (per_cpu/cpuN/stats: overrun), the loss the kernel itself counts.</summary>
    public long Overruns()
    {
        long total = 0;
        string perCpu = System.IO.Path.Combine(Path, "per_cpu");
        if (!Directory.Exists(perCpu)) return 0;
        foreach (string cpu in Directory.EnumerateDirectories(perCpu, "cpu*"))
        {
            try
            {
                foreach (string line in File.ReadLines(System.IO.Path.Combine(cpu, "stats")))
                {
                    if ((line.StartsWith("overrun:", StringComparison.Ordinal) || line.StartsWith("dropped events:", StringComparison.Ordinal))
                        && long.TryParse(line.AsSpan(line.IndexOf(':') + 1).Trim(), out long n)) total += n;
                }
            }
            catch (IOException) { }
        }
        return total;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_pipe >= 0) Libc.close(_pipe);
        _pipe = -1;
        RemoveInstance(Path);
        if (_ownMount is not null) Unmount(_ownMount);
    }

    /// <summary>rmdir an instance; busy while a reader closes (EBUSY), so a few bounded tries.</summary>
    private static bool RemoveInstance(string path)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                Directory.Delete(path);
                return true;
            }
            catch (DirectoryNotFoundException) { return true; }
            catch (IOException) { Thread.Sleep(5); }
            catch (UnauthorizedAccessException) { return false; }
        }
        return false;
    }

    /// <summary>
    /// Remove the instances (and own tracefs mounts) of runs whose process is gone: a run killed
    /// with -9 could not remove its own.
    /// </summary>
    public static List<string> RemoveDead(string root)
    {
        var removed = new List<string>();
        string instances = System.IO.Path.Combine(root, "instances");
        IEnumerable<string> names;
        try { names = Directory.EnumerateDirectories(instances, NamePrefix + "*").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return removed; }
        foreach (string dir in names)
        {
            if (IsAlive(System.IO.Path.GetFileName(dir), NamePrefix)) continue;
            if (RemoveInstance(dir)) removed.Add(System.IO.Path.GetFileName(dir));
        }
        foreach (string mount in TracefsMounts())
        {
            if (IsOwnMount(mount) && mount != root && !IsAlive(System.IO.Path.GetFileName(mount), MountPrefix)) Unmount(mount);
        }
        return removed;
    }

    /// <summary>Is the run named PREFIX-PID-STARTTIME[-N] still alive (same PID, same start time)?</summary>
    internal static bool IsAlive(string name, string prefix)
    {
        string[] parts = name.Substring(prefix.Length).Split('-');
        if (parts.Length < 2 || !int.TryParse(parts[0], out int pid)) return true; // not ours to judge
        string? start = StartTimeOf(pid);
        return start is not null && start == parts[1];
    }

    /// <summary>A process's start time (clock ticks since boot, /proc/PID/stat field 22), null when it is gone.</summary>
    internal static string? StartTimeOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 2 (comm) may hold spaces and parentheses: count from the last ')'.
            string[] rest = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            return rest[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException) { return null; }
    }

    private static IEnumerable<string> TracefsMounts()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/mounts"); }
        catch (IOException) { yield break; }
        foreach (string line in lines)
        {
            string[] f = line.Split(' ');
            if (f.Length > 2 && f[2] == "tracefs") yield return f[1].Replace("\\040", " ");
        }
    }

    /// <summary>
    /// A tracefs mounted already: /sys/kernel/tracing first, else another (debugfs's tracing, another
    /// tool's). Never another SocketProbe run's own mount: that run unmounts it when it ends.
    /// </summary>
    private static string? FindMounted()
    {
        var mounts = TracefsMounts().Where(m => !IsOwnMount(m)).ToList();
        return mounts.Contains("/sys/kernel/tracing") ? "/sys/kernel/tracing" : mounts.FirstOrDefault();
    }

    private static bool IsOwnMount(string mount) => System.IO.Path.GetFileName(mount).StartsWith(MountPrefix, StringComparison.Ordinal);

    /// <summary>No tracefs is mounted: mount one at a directory of this run's own (never at /sys/kernel/tracing, whose state others may rely on).</summary>
    private static string MountOwn()
    {
        string parent = Directory.Exists("/run") ? "/run" : System.IO.Path.GetTempPath();
        string dir = System.IO.Path.Combine(parent, $"{MountPrefix}{Environment.ProcessId}-{StartTimeOf(Environment.ProcessId)}-{Interlocked.Increment(ref _sequence)}");
        try { Directory.CreateDirectory(dir); }
        catch (UnauthorizedAccessException) { throw NoMount($"cannot create {dir}"); }
        if (Libc.mount("nodev", dir, "tracefs", 0, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            try { Directory.Delete(dir); } catch (IOException) { }
            throw NoMount(errno == 1 ? "mounting it needs root (CAP_SYS_ADMIN)" : errno == 19 ? "this kernel has no tracefs (CONFIG_TRACING)" : $"mount(2) failed with errno {errno}");
        }
        return dir;
    }

    private static TraceUnavailableException NoMount(string why) =>
        new($"tracefs is not mounted and {why} (uid {Geteuid()}). {TraceUnavailableException.StillWorks}");

    private static void Unmount(string dir)
    {
        Libc.umount2(dir, Libc.MNT_DETACH);
        try { Directory.Delete(dir); } catch (IOException) { }
    }

    private static uint Geteuid() => Libc.geteuid();
}

/// <summary>One read of trace_pipe: the events in it (filtered out ones included) and the ring's LOST notes' count.</summary>
public readonly record struct TraceRead(int Events, long Lost);
