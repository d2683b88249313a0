using SocketProbe.Engine.Native;

namespace SocketProbe.Peer;

/// <summary>
/// The far endpoint when it must be its own process. Modes:
///   serve   --family ipv4|ipv6            listen on loopback, accept one connection, obey commands
///   sigpipe --family ipv4|ipv6 --port N   connect, restore default SIGPIPE, write with plain send(2)
///   lab     --scenario NAME ...           run a lab scenario inside the namespace (see LabMode)
/// Every mode takes --parent PID and dies with that parent (Linux PR_SET_PDEATHSIG).
/// Protocol: one command a line on stdin, one answer a line on stdout; READY first.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: SocketProbe.Peer serve|sigpipe|lab --parent PID [options]");
            return 2;
        }
        var options = Options.Parse(args.Skip(1));
        DieWithParent(options);
        Console.Out.Flush();
        try
        {
            return args[0] switch
            {
                "serve" => ServeMode.Run(options),
                "sigpipe" => SigpipeMode.Run(options),
                "lab" => LabMode.Run(options),
                // DotNetHost's check that this build runs here (libc, CPU): one line, exit 0.
                "ping" => Pong(),
                _ => Usage($"unknown mode '{args[0]}'"),
            };
        }
        catch (Exception ex)
        {
            Console.WriteLine($"ERROR {ex.GetType().Name}: {ex.Message}");
            Console.Error.WriteLine(ex);
            return 1;
        }
    }

    private static int Pong()
    {
        Console.WriteLine("PONG");
        return 0;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private static void DieWithParent(Options options)
    {
        if (!OperatingSystem.IsLinux() || options.Get("parent") is not string parent) return;
        // If SocketProbe's process dies, so does its peer: nothing outlives a run.
        Libc.prctl(Libc.PR_SET_PDEATHSIG, Libc.SIGKILL, 0, 0, 0);
        // Also inside the lab: a peer whose lab process died before prctl took effect would live on,
        // reparented to init, blocked in accept(), and keep the lab's namespace alive (a Ctrl+C
        // during the peer's start left exactly that behind).
        if (Libc.getppid().ToString() != parent)
            Environment.Exit(3); // the parent already died before prctl took effect
    }
}

/// <summary>--name value pairs.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string? name = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal)) { name = a[2..]; options._values[name] = ""; }
            else if (name is not null) { options._values[name] = a; name = null; }
        }
        return options;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");
}
