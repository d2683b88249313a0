using System.Globalization;
using System.Net.NetworkInformation;

namespace SocketProbe.Engine.Probe;

/// <summary>What a host text is, read strictly.</summary>
public enum HostKind
{
    /// <summary>Not an address and not a name (or an address written in a form we do not accept); see the reason.</summary>
    Invalid,
    /// <summary>An IP address in its one unambiguous spelling.</summary>
    Address,
    /// <summary>Something for the resolver: not an address, and nothing in it that an address form would claim.</summary>
    Name,
}

/// <summary>
/// The one strict reading of an address or host name, for every cmdlet that takes a target and for the commands we
/// suggest. IPAddress.TryParse follows inet_aton: it reads "127.000.000.010" as 127.0.0.8 (octal), "0x7f.0.0.1" as
/// 127.0.0.1, "1.2.3" as 1.2.0.3, and drops an IPv6 scope id it cannot resolve ("::1%nosuchif" becomes ::1). Tools
/// disagree on those forms (ping and curl read octal, Python's ipaddress refuses it), so we accept only the form all
/// of them read alike and say why anything else is refused.
/// </summary>
public static class AddressSyntax
{
    /// <summary>
    /// Classify <paramref name="text"/>. An IPv4 address is four decimal numbers 0-255 without leading zeros; an IPv6
    /// address may carry a scope id that is a number or (when <paramref name="scopeMustExist"/>) the name of an
    /// interface on this machine, else any name made of letters, digits, '_', '.', '-'. A text that is neither
    /// address nor something an address form claims (digits and dots, a hex label, a '%') is a Name for the resolver.
    /// </summary>
    public static HostKind Classify(string text, bool scopeMustExist, out IPAddress? address, out string? why)
    {
        address = null;
        why = null;
        if (string.IsNullOrEmpty(text))
        {
            why = "the host is empty";
            return HostKind.Invalid;
        }
        int percent = text.IndexOf('%');
        string bare = percent < 0 ? text : text[..percent];
        if (bare.Contains(':'))
        {
            if (TryParseIPv6(text, scopeMustExist, out address, out why)) return HostKind.Address;
            why ??= $"'{text}' is not an IPv6 address";
            return HostKind.Invalid;
        }

        if (percent >= 0)
        {
            why = LooksLikeIPv4(bare)
                ? $"'{text}': an IPv4 address takes no scope id ('%{text[(percent + 1)..]}'); only IPv6 link-local addresses do"
                : $"'{text}' is not a host name or IP address ('%' belongs only in an IPv6 scope id)";
            return HostKind.Invalid;
        }
        if (!LooksLikeIPv4(bare)) return HostKind.Name;
        if (TryParseDottedDecimal(bare, out address, out why)) return HostKind.Address;
        return HostKind.Invalid;
    }

    /// <summary>
    /// True for a host name by RFC 1123 section 2.1: labels of letters, digits and '-' (not first or last), 1-63
    /// characters, 253 in all, an optional final dot, and a last label that is not all digits (so that no name can
    /// be mistaken for a dotted-decimal address).
    /// </summary>
    public static bool IsRfc1123Name(string text)
    {
        string name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length is 0 or > 253) return false;
        string[] labels = name.Split('.');
        foreach (string label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        return !labels[^1].All(char.IsAsciiDigit);
    }

    /// <summary>
    /// Text a resolver or inet_aton would read as an IPv4 address rather than a name: digits and dots only, a label
    /// in hex (0x7f), or a last label of digits (RFC 1123: a top-level label is never all digits).
    /// </summary>
    private static bool LooksLikeIPv4(string text)
    {
        if (text.Length == 0) return false;
        if (text.All(c => char.IsAsciiDigit(c) || c == '.')) return true;
        string[] labels = text.TrimEnd('.').Split('.');
        if (labels.Any(l => l.Length > 2 && l.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && l[2..].All(char.IsAsciiHexDigit))) return true;
        return labels[^1].Length > 0 && labels[^1].All(char.IsAsciiDigit);
    }

    private static bool TryParseDottedDecimal(string text, out IPAddress? address, out string? why)
    {
        address = null;
        why = null;
        string[] parts = text.Split('.');
        // Four parts look meant as an address: say what inet_aton (ping, curl) would make of them.
        string inetAton = parts.Length == 4 && IPAddress.TryParse(text, out var loose) && loose.AddressFamily == AddressFamily.InterNetwork
            ? $" (inet_aton would read it as {loose})" : "";
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)))
        {
            why = $"'{text}' is not a host name, and as an IPv4 address it must be written as four numbers a.b.c.d in decimal{inetAton}";
            return false;
        }
        if (parts.Any(p => p.Length > 1 && p[0] == '0'))
        {
            string asDecimal = string.Join('.', parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)));
            why = $"'{text}' has a leading zero, which some tools read as octal{inetAton} and others as decimal ({asDecimal}): " +
                "write the address without leading zeros";
            return false;
        }
        var bytes = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            int value = int.Parse(parts[i], CultureInfo.InvariantCulture);
            if (value > 255)
            {
                why = $"'{text}' is not an IPv4 address: {value} is over 255";
                return false;
            }
            bytes[i] = (byte)value;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// An IPv6 address, strictly: hex digits, ':' and a dotted-decimal tail only (no brackets, no /prefix; .NET's IPv6
    /// parser already refuses leading zeros and short forms in the tail), and a scope
    /// id after '%' that is a number or (when <paramref name="scopeMustExist"/>) one of this machine's interfaces.
    /// False with <paramref name="why"/> null when the text is no IPv6 address at all; with the reason when it is one
    /// in a form we refuse.
    /// </summary>
    public static bool TryParseIPv6(string text, bool scopeMustExist, out IPAddress? address, out string? why)
    {
        address = null;
        why = null;
        int percent = text.IndexOf('%');
        string bare = percent < 0 ? text : text[..percent];
        if (!bare.Contains(':') || !bare.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.') ||
            !IPAddress.TryParse(bare, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        if (percent < 0)
        {
            address = parsed;
            return true;
        }
        string scope = text[(percent + 1)..];
        if (scope.Length == 0 || !scope.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            why = $"'{text}': the scope id '{scope}' is neither an interface name nor a number";
            return false;
        }
        long scopeId;
        if (scope.All(char.IsAsciiDigit))
        {
            if (!uint.TryParse(scope, NumberStyles.None, CultureInfo.InvariantCulture, out uint number))
            {
                why = $"'{text}': the scope id {scope} is over 4294967295";
                return false;
            }
            scopeId = number;
        }
        else if (scopeMustExist)
        {
            if (InterfaceIndex(scope) is not int index)
            {
                why = $"'{text}': this machine has no interface named '{scope}' (it has: {string.Join(", ", InterfaceNames())})";
                return false;
            }
            scopeId = index;
        }
        else
        {
            scopeId = 0; // a name from elsewhere (a log line): well formed, not ours to resolve
        }
        address = new IPAddress(parsed.GetAddressBytes(), scopeId);
        return true;
    }

    private static int? InterfaceIndex(string name)
    {
        foreach (var nic in SafeInterfaces())
        {
            if (!string.Equals(nic.Name, name, StringComparison.Ordinal)) continue;
            try { return nic.GetIPProperties().GetIPv6Properties()?.Index; }
            catch (NetworkInformationException) { return null; }
        }
        return null;
    }

    private static IEnumerable<string> InterfaceNames() => SafeInterfaces().Select(n => n.Name);

    private static NetworkInterface[] SafeInterfaces()
    {
        try { return NetworkInterface.GetAllNetworkInterfaces(); }
        catch (NetworkInformationException) { return Array.Empty<NetworkInterface>(); }
    }
}
