using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace SocketProbe.Engine.Lab;

/// <summary>
/// The network inside the lab namespace: loopback up, ICMP rate limits off (they are per
/// namespace), and nft rules that make the peer's address silent or unreachable. Only ever used
/// inside a namespace the lab created: nothing here touches the host's network.
/// </summary>
public sealed partial class LabNetwork
{
    /// <summary>The peer host's address: loopback range, inside the lab namespace only.</summary>
    public static readonly IPAddress PeerHost = IPAddress.Parse("127.13.0.2");

    /// <summary>An address the lab namespace has no route to (RFC 5737 TEST-NET-1: never routed anywhere).</summary>
    public static readonly IPAddress Unroutable = IPAddress.Parse("192.0.2.1");

    private const string Table = "socketprobe_lab";
    private readonly ILogger _logger;

    private LabNetwork(ILogger logger) => _logger = logger;

    /// <summary>Prepare the namespace; refuses to run in a namespace it did not make.</summary>
    public static LabNetwork Prepare(ILogger logger)
    {
        if (Environment.GetEnvironmentVariable("SOCKETPROBE_IN_LAB") != "1")
            throw new InvalidOperationException("LabNetwork runs only inside the namespace lab.");
        var lab = new LabNetwork(logger);
        lab.Run("ip", "link", "set", "lo", "up");
        // Several ICMP errors in a row must all be sent: the rate limit is per namespace.
        File.WriteAllText("/proc/sys/net/ipv4/icmp_ratelimit", "0");
        lab.Nft($"add table inet {Table}\n" +
                $"add chain inet {Table} output {{ type filter hook output priority 0; policy accept; }}\n" +
                $"add chain inet {Table} input {{ type filter hook input priority 0; policy accept; }}\n");
        return lab;
    }

    /// <summary>The peer host goes silent: every packet to or from it is dropped.</summary>
    public void Silence(IPAddress host) =>
        Nft($"add rule inet {Table} output ip daddr {host} drop comment \"silent-host\"\n" +
            $"add rule inet {Table} output ip saddr {host} drop comment \"silent-host\"\n");

    /// <summary>A router answers every packet to the host with ICMP host unreachable.</summary>
    public void RejectHostUnreachable(IPAddress host) =>
        Nft($"add rule inet {Table} input ip daddr {host} reject with icmp type host-unreachable comment \"router\"\n");

    /// <summary>
    /// Refuse to go on unless the kernel here really has no route to <paramref name="address"/>: on
    /// some hosts (this CI VM among them) TEST-NET-1 is the host namespace's gateway.
    /// </summary>
    public void RequireNoRoute(IPAddress address)
    {
        var info = new ProcessStartInfo(LabEnvironment.Tool("ip"))
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            ArgumentList = { "route", "get", address.ToString() },
        };
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        if (!process.WaitForExit(10_000)) { process.Kill(); throw new LabException("ip route get did not finish within 10 s"); }
        if (process.ExitCode == 0)
            throw new LabException($"this namespace has a route to {address}; the no-route scenario will not send to it");
    }

    /// <summary>Remove every fault rule: the host is back.</summary>
    public void Heal() => Nft($"flush chain inet {Table} output\nflush chain inet {Table} input\n");

    public void Nft(string script) => Run("nft", new[] { "-f", "-" }, script);

    public void Run(string tool, params string[] args) => Run(tool, args, null);

    private void Run(string tool, string[] args, string? input)
    {
        var clock = Stopwatch.StartNew();
        var info = new ProcessStartInfo(LabEnvironment.Tool(tool))
        {
            RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = input is not null, UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        string error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(10_000)) { process.Kill(); throw new LabException($"{tool} did not finish within 10 s"); }
        if (process.ExitCode != 0)
            throw new LabException($"{tool} {string.Join(' ', args)} failed ({process.ExitCode}): {error.Trim()} {input}".Trim());
        _logger.LogDebug("lab: {Tool} {Args} {Input} ({Ms:F1} ms)", tool, string.Join(' ', args), input?.Replace('\n', ';'), clock.Elapsed.TotalMilliseconds);
    }
}
