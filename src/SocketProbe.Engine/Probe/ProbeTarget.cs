namespace SocketProbe.Engine.Probe;

/// <summary>
/// One target as the user wrote it, taken apart: a host (name or IP literal) and the port written
/// inside it, if any. Forms: <c>host</c>, <c>host:port</c>, <c>[v6addr]</c>, <c>[v6addr]:port</c>, and a
/// bare IPv6 literal, which is always a host (its colons are the address's own).
/// </summary>
public sealed record ProbeTarget(string Host, int? Port, IPAddress? Literal)
{
    private static readonly char[] Forbidden = { '/', '\\', '?', '#', '@', '[', ']', '"', '\'', '<', '>', '|', ',', ';' };

    /// <summary>True when the host is an IP address: no DNS lookup, DnsMs 0.</summary>
    public bool IsLiteral => Literal is not null;

    /// <summary>
    /// Parse one target. Returns false with a message a user can act on; never throws for bad input.
    /// </summary>
    public static bool TryParse(string? text, out ProbeTarget? target, out string? error)
    {
        target = null;
        error = null;
        string s = (text ?? "").Trim();
        if (s.Length == 0)
        {
            error = "The target is empty. Write host, host:port or [IPv6]:port.";
            return false;
        }

        string host;
        string? portText = null;
        if (s[0] == '[')
        {
            int close = s.IndexOf(']');
            if (close < 0)
            {
                error = $"'{s}' opens '[' but never closes it. Write [IPv6]:port, e.g. [::1]:443.";
                return false;
            }
            host = s[1..close];
            string rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':' || rest.Length == 1)
                {
                    error = $"'{s}': after ']' only ':port' may follow.";
                    return false;
                }
                portText = rest[1..];
            }
            if (!AddressSyntax.TryParseIPv6(host, scopeMustExist: true, out var v6, out error))
            {
                error = error is null ? $"'{host}' inside [ ] is not an IPv6 address." : error + ".";
                return false;
            }
            return Finish(s, host, portText, v6, out target, out error);
        }

        int colons = s.Count(c => c == ':');
        if (colons > 1)
        {
            // A bare IPv6 literal: every colon belongs to the address, so there is no port in it.
            if (!AddressSyntax.TryParseIPv6(s, scopeMustExist: true, out var v6, out error))
            {
                error = error is null ? $"'{s}' has several ':' but is not an IPv6 address. Write [IPv6]:port for an address with a port." : error + ".";
                return false;
            }
            return Finish(s, s, null, v6, out target, out error);
        }
        if (colons == 1)
        {
            int colon = s.IndexOf(':');
            host = s[..colon];
            portText = s[(colon + 1)..];
        }
        else
        {
            host = s;
        }

        if (host.Length == 0)
        {
            error = $"'{s}' has a port but no host.";
            return false;
        }
        // Strictly: inet_aton's other spellings (127.1, 0x7f.0.0.1, 127.000.000.010 read as octal) and a scope id on
        // an IPv4 address are refused with the reason, never probed as some other address or sent to DNS.
        switch (AddressSyntax.Classify(host, scopeMustExist: true, out IPAddress? literal, out string? why))
        {
            case HostKind.Invalid:
                error = why + ".";
                return false;
            case HostKind.Address:
                return Finish(s, host, portText, literal, out target, out error);
            default:
                return Finish(s, host, portText, null, out target, out error);
        }
    }

    private static bool Finish(string whole, string host, string? portText, IPAddress? literal,
        out ProbeTarget? target, out string? error)
    {
        target = null;
        error = null;
        if (literal is null)
        {
            // Refuse what no resolver could answer, before anything is sent anywhere.
            if (host.Length > 253 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || Forbidden.Contains(c)))
            {
                error = $"'{host}' is not a host name or IP address.";
                return false;
            }
        }
        int? port = null;
        if (portText is not null)
        {
            if (portText.Length == 0 || !portText.All(char.IsAsciiDigit))
            {
                error = $"'{whole}': the port '{portText}' is not a number.";
                return false;
            }
            string digits = portText.TrimStart('0');
            if (digits.Length == 0 || digits.Length > 5 || int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) > 65535)
            {
                error = $"'{whole}': the port {portText} is outside 1-65535.";
                return false;
            }
            port = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        }
        // ::ffff:a.b.c.d is an IPv4 destination: probe it as the IPv4 address it maps (the Target keeps what was written).
        if (literal is { IsIPv4MappedToIPv6: true }) literal = literal.MapToIPv4();
        target = new ProbeTarget(host, port, literal);
        return true;
    }

    public override string ToString() => Port is null ? Host : (Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}");
}
