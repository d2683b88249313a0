using System.Management.Automation;
using System.Net.Sockets;
using SocketProbe.Engine.Probe;

namespace SocketProbe;

/// <summary>
/// Gathers the targets of every pipeline record for the cmdlets that hold connections
/// (Watch-TcpConnection, Find-TcpIdleTimeout): parses each with <see cref="ProbeTarget"/>, takes the
/// port written in the name over -Port, merges repeated hosts, and reports each bad target as a
/// non-terminating error so the good ones still run.
/// </summary>
internal sealed class TargetCollector
{
    private readonly List<ProbeTask> _tasks = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<ProbeTask> Tasks => _tasks;

    public void Add(PSCmdlet cmdlet, string text, int[] port, AddressFamily? family, string familyName)
    {
        if (!ProbeTarget.TryParse(text, out ProbeTarget? target, out string? problem))
        {
            Error(cmdlet, problem!, "InvalidTarget", text);
            return;
        }
        if (target!.Literal is { } literal && family is { } wanted && literal.AddressFamily != wanted)
        {
            Error(cmdlet, $"'{text}' is an {(literal.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address, but -AddressFamily is {familyName}.",
                "AddressFamilyMismatch", text);
            return;
        }
        int[] ports;
        if (target.Port is int own)
        {
            if (port.Length > 0 && !(port.Length == 1 && port[0] == own))
                cmdlet.WriteVerbose($"{text}: the port in the name ({own}) is used; -Port {string.Join(",", port)} is ignored for this target.");
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
