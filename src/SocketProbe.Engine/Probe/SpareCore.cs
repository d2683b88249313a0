namespace SocketProbe.Engine.Probe;

/// <summary>
/// Is a core free for the prober's second lane right now? The 1-minute load average answered before,
/// but it trails the machine by a minute: right after other work ended it still said busy, and a sweep
/// on an idle machine ran on one lane (1.21x the C loop, against 0.85x with two). This reads the
/// tasks runnable at this moment (/proc/loadavg's fourth field) less this process's own runnable
/// threads, the least of a few samples a millisecond apart: other work that holds a core shows in each.
/// </summary>
internal static class SpareCore
{
    private const int Samples = 3;

    /// <summary>Tasks of other processes runnable now (the least of the samples), or null where /proc does not tell.</summary>
    public static int? OthersRunnable()
    {
        int? least = null;
        for (int i = 0; i < Samples; i++)
        {
            if (i > 0) Thread.Sleep(1);
            int? machine = Read("/proc/loadavg") is string text ? MachineRunnable(text) : null;
            int? own = OwnRunnable();
            if (machine is not int m || own is not int o) return null;
            least = Math.Min(least ?? int.MaxValue, Math.Max(0, m - o));
        }
        return least;
    }

    /// <summary>"0.52 0.58 0.59 3/467 12345": the tasks runnable now (3), this reader included.</summary>
    internal static int? MachineRunnable(string loadavg)
    {
        string[] fields = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 4) return null;
        int slash = fields[3].IndexOf('/');
        return slash > 0 && int.TryParse(fields[3].AsSpan(0, slash), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int runnable) ? runnable : null;
    }

    /// <summary>A thread's stat line: "pid (comm) S ...": true when its state is R (running or runnable).</summary>
    internal static bool IsRunnable(string stat)
    {
        int close = stat.LastIndexOf(')');
        return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'R';
    }

    private static int? OwnRunnable()
    {
        try
        {
            int count = 0;
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
                if (Read(Path.Combine(task, "stat")) is string stat && IsRunnable(stat)) count++;
            return count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Read(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // a thread that just ended
    }
}
