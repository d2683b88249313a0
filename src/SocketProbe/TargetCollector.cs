using System.Net.Sockets;
using SocketProbe.Engine.Probe;

namespace SocketProbe;

/// <summary>
/// Gathers the targets of every pipeline record for the cmdlets that take -ComputerName
/// (Test-TcpEndpoint, Watch-TcpConnection, Find-TcpIdleTimeout; Test-TcpRefused's forward): parses each with <see cref="ProbeTarget"/>,
/// takes the port written in the name over -Port (and warns when -Port said otherwise), merges repeated
/// hosts (ports merged, duplicates dropped, order kept), and reports each bad target as a non-terminating
/// error so the good ones still run.
/// </summary>
internal sealed class TargetCollector
{
    private readonly List<ProbeTask> _tasks = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<ProbeTask> Tasks => _tasks;

    /// <param name="family">Only this family's literals are accepted; null accepts both.</param>
    /// <param name="whyFamily">Ends the error for a literal of the other family, e.g. "-AddressFamily is IPv4."</param>
    public void Add(PSCmdlet cmdlet, string text, int[] port, AddressFamily? family, string whyFamily)
    {
        if (!ProbeTarget.TryParse(text, out ProbeTarget? target, out string? problem))
        {
            Error(cmdlet, problem!, "InvalidTarget", text);
            return;
        }
        if (target!.Literal is { } literal && family is { } wanted && literal.AddressFamily != wanted)
        {
            Error(cmdlet, $"'{text}' is an {(literal.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address, but {whyFamily}",
                "AddressFamilyMismatch", text);
            return;
        }
        int[] ports;
        if (target.Port is int own)
        {
            if (port.Length > 0 && !(port.Length == 1 && port[0] == own))
                cmdlet.WriteWarning($"'{text}': the port in the name ({own}) wins; -Port {string.Join(",", port)} is not used for this target.");
            ports = new[] { own };
        }
        else if (port.Length > 0)
        {
            ports = port;
        }
        else
        {
            Error(cmdlet, $"'{text}' has no port: give -Port, or write host:port ([IPv6]:port).", "NoPort", text);
            return;
        }
        if (_index.TryGetValue(target.Host, out int i))
        {
            _tasks[i] = _tasks[i] with { Ports = _tasks[i].Ports.Concat(ports).Distinct().ToArray() };
        }
        else
        {
            _index[target.Host] = _tasks.Count;
            _tasks.Add(new ProbeTask(target, ports.Distinct().ToArray()));
        }
    }

    private static void Error(PSCmdlet cmdlet, string message, string id, string target) =>
        cmdlet.WriteError(new ErrorRecord(new ArgumentException(message), id, ErrorCategory.InvalidArgument, target));
}
