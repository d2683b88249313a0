namespace SocketProbe.Engine.Probe;

/// <summary>What a name gave for one round: addresses (already filtered by family), the time it took, or why none.</summary>
public sealed record Resolution(IReadOnlyList<IPAddress> Addresses, double DnsMs, DateTime Timestamp,
    SocketError? Error = null, int? NativeError = null, string? Message = null, string? Source = null);

/// <summary>
/// Resolves a target for one round. IP literals skip DNS (DnsMs 0). "localhost" and "*.localhost"
/// are answered here with the loopback addresses, as RFC 6761 section 6.3 asks of resolver libraries
/// ("SHOULD NOT send queries for localhost names"), so a system whose hosts file lacks "::1 localhost"
/// still probes both loopbacks and no query ever leaves the machine for them. Any other name goes to
/// the system resolver with no family hint (one lookup, then filtered), timed with Stopwatch.
/// </summary>
public static class ProbeResolver
{
    /// <summary>The lookup itself: the system resolver unless a test supplies another.</summary>
    public delegate Task<IPAddress[]> Lookup(string host, CancellationToken token);

    public static readonly Lookup System = (host, token) => Dns.GetHostAddressesAsync(host, token);

    public static bool IsLocalhostName(string host)
    {
        string h = host.TrimEnd('.');
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
            h.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    public static async Task<Resolution> ResolveAsync(ProbeTarget target, AddressFamily? family, int timeoutMs,
        Lookup lookup, CancellationToken token)
    {
        DateTime started = DateTime.UtcNow;
        if (target.Literal is { } literal)
        {
            return Filter(new[] { literal }, 0, started, family, target.Host, "literal");
        }
        if (IsLocalhostName(target.Host))
        {
            var loopbacks = HasIPv6Loopback()
                ? new[] { IPAddress.Loopback, IPAddress.IPv6Loopback }
                : new[] { IPAddress.Loopback };
            return Filter(loopbacks, 0, started, family, target.Host,
                loopbacks.Length == 2 ? "RFC 6761 localhost rule; resolver not asked"
                    : "RFC 6761 localhost rule; resolver not asked; ::1 is not configured here");
        }

        long t0 = Stopwatch.GetTimestamp();
        try
        {
            // Our bound on the lookup: a resolver that hangs must not hang the probe.
            IPAddress[] found = await lookup(target.Host, token)
                .WaitAsync(TimeSpan.FromMilliseconds(timeoutMs), token).ConfigureAwait(false);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            return Filter(found, ms, started, family, target.Host, "resolver");
        }
        catch (SocketException ex)
        {
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            return new Resolution(Array.Empty<IPAddress>(), ms, started, ex.SocketErrorCode, ex.NativeErrorCode, ex.Message, "resolver");
        }
        catch (TimeoutException)
        {
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            return new Resolution(Array.Empty<IPAddress>(), ms, started, null, null,
                $"the resolver gave no answer within our bound of {timeoutMs} ms", "resolver");
        }
    }

    /// <summary>
    /// True when this machine really has ::1 now: a socket binds to [::1]:0. Not only "does the OS
    /// support IPv6" (Socket.OSSupportsIPv6 stays true when net.ipv6.conf.all.disable_ipv6=1 removed
    /// ::1, and then localhost would get an address that is not there). Only the errors that mean
    /// "no such address" (EADDRNOTAVAIL) or "no IPv6 at all" (EAFNOSUPPORT) count as absent; any other
    /// failure (EMFILE under fd pressure) cannot tell, so ::1 stays and its attempt says what happened.
    /// </summary>
    public static bool HasIPv6Loopback()
    {
        if (!Socket.OSSupportsIPv6) return false;
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode is not (SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported);
        }
    }

    private static Resolution Filter(IPAddress[] found, double ms, DateTime started, AddressFamily? family, string host, string source)
    {
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 destination: an IPv6-only socket
        // cannot reach it (ENETUNREACH), so it is probed as the IPv4 address it maps.
        var kept = found.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .Where(a => family is null || a.AddressFamily == family).Distinct().ToArray();
        if (kept.Length == 0)
        {
            string wanted = family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
            string had = found.Length == 0 ? "none" : string.Join(", ", found.Select(a => a.ToString()));
            return new Resolution(kept, ms, started, null, null, $"{host} has no {wanted} address (it gave: {had})", source);
        }
        return new Resolution(kept, ms, started, Source: source);
    }
}
