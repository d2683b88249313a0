using SocketProbe.Engine.Probe;

namespace SocketProbe.Engine.Watch;

/// <summary>One address of one target on one port: what a watcher connects to.</summary>
public sealed record WatchEndpoint(string Target, IPAddress Address, int Port)
{
    public string AddressFamilyName => Address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}

/// <summary>A target that gave no address to connect to, with the resolver's reason.</summary>
public sealed record UnresolvedTarget(string Target, int Port, Resolution Resolution);

/// <summary>
/// Turns the targets as written into endpoints, with the probe's own resolver (IP literals, the
/// RFC 6761 localhost rule, then the system resolver), in the order given: targets, ports, addresses.
/// </summary>
public static class WatchEndpoints
{
    public static async Task<(IReadOnlyList<WatchEndpoint> Endpoints, IReadOnlyList<UnresolvedTarget> Unresolved)> ResolveAsync(
        IReadOnlyList<ProbeTask> tasks, AddressFamily? family, int timeoutMs, CancellationToken token,
        ProbeResolver.Lookup? lookup = null)
    {
        lookup ??= ProbeResolver.System;
        var endpoints = new List<WatchEndpoint>();
        var unresolved = new List<UnresolvedTarget>();
        var resolutions = await Task.WhenAll(tasks.Select(t => ProbeResolver.ResolveAsync(t.Target, family, timeoutMs, lookup, token))).ConfigureAwait(false);
        for (int i = 0; i < tasks.Count; i++)
        {
            foreach (int port in tasks[i].Ports)
            {
                if (resolutions[i].Addresses.Count == 0)
                {
                    unresolved.Add(new UnresolvedTarget(tasks[i].Target.Host, port, resolutions[i]));
                    continue;
                }
                foreach (IPAddress address in resolutions[i].Addresses)
                {
                    endpoints.Add(new WatchEndpoint(tasks[i].Target.Host, address, port));
                }
            }
        }
        return (endpoints, unresolved);
    }
}
