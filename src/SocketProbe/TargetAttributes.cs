using System.Collections;
using SocketProbe.Engine.Probe;

namespace SocketProbe;

/// <summary>
/// Turns pipeline input into target text before PowerShell turns it into a string: a piped number
/// would become an address (1 -> "1" -> 0.0.0.1) and a hashtable the host name
/// "System.Collections.Hashtable". Strings and IP addresses pass; a hashtable with a ComputerName
/// (or alias) key becomes host:port text, one per port of its Port key (so that
/// <c>@{ComputerName='db'; Port=5432} | Watch-TcpConnection</c> is db:5432); an object with a
/// ComputerName property passes unchanged so that binding by property name takes it (Import-Csv).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TargetInputAttribute : ArgumentTransformationAttribute
{
    private static readonly string[] Names = { "ComputerName", "TargetName", "HostName", "CN" };

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case null or string:
                return inputData;
            case System.Net.IPAddress address:
                return address.ToString();
            case IDictionary table:
                return FromTable(table);
            case IEnumerable many:
                var texts = new List<string>();
                foreach (object? item in many)
                {
                    object? one = item is PSObject p ? p.BaseObject : item;
                    switch (one)
                    {
                        case string t: texts.Add(t); break;
                        case System.Net.IPAddress a: texts.Add(a.ToString()); break;
                        case IDictionary t: texts.AddRange(FromTable(t)); break;
                        default: throw Refuse(one);
                    }
                }
                return texts.ToArray();
        }
        // An object whose target is in a property: leave it to binding by property name.
        var properties = PSObject.AsPSObject(inputData).Properties;
        if (Names.Any(n => properties[n] is not null)) return inputData;
        throw Refuse(value);
    }

    /// <summary>A hashtable's target (its ComputerName or alias key) with each port of its Port key written in.</summary>
    private static string[] FromTable(IDictionary table)
    {
        object? host = null, port = null;
        foreach (DictionaryEntry entry in table)
        {
            string key = entry.Key?.ToString() ?? "";
            if (Names.Contains(key, StringComparer.OrdinalIgnoreCase)) host = entry.Value;
            else if (key.Equals("Port", StringComparison.OrdinalIgnoreCase)) port = entry.Value;
        }
        if (host is PSObject h) host = h.BaseObject;
        string? text = host switch
        {
            string s => s,
            System.Net.IPAddress a => a.ToString(),
            _ => null,
        };
        if (text is null)
        {
            throw new ArgumentTransformationMetadataException(
                "A hashtable is a target only with a ComputerName key (a host name or IP address), e.g. @{ ComputerName = 'db'; Port = 5432 }.");
        }
        int[] ports = Ports(port);
        // A name that carries its own port (db:5432, [::1]:80) keeps it, as on the command line.
        if (ports.Length == 0 || !ProbeTarget.TryParse(text, out ProbeTarget? target, out _) || target!.Port is not null) return new[] { text };
        return ports.Select(p => (target with { Port = p }).ToString()).ToArray();
    }

    private static int[] Ports(object? value)
    {
        if (value is PSObject p) value = p.BaseObject;
        if (value is null) return Array.Empty<int>();
        IEnumerable items = value is string text ? PortListAttribute.Split(text) : value as IEnumerable ?? new[] { value };
        var ports = new List<int>();
        foreach (object? item in items)
        {
            if (!LanguagePrimitives.TryConvertTo(item, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                throw new ArgumentTransformationMetadataException($"The hashtable's Port '{item}' is not a port (1-65535).");
            ports.Add(port);
        }
        return ports.ToArray();
    }

    private static ArgumentTransformationMetadataException Refuse(object? value) => new(
        $"A {(value is null ? "null" : value.GetType().Name)} is not a target. Give a host name or IP address as a string " +
        "(host, host:port, [IPv6]:port), a hashtable such as @{ ComputerName = 'db'; Port = 5432 }, " +
        "or objects with a ComputerName property (e.g. from Import-Csv).");
}

/// <summary>
/// Reads an address parameter strictly (<see cref="AddressSyntax"/>): PowerShell's own conversion is IPAddress.Parse,
/// which takes 127.000.000.010 as 127.0.0.8 (octal), 0x7f.0.0.1 as 127.0.0.1 and drops an unknown IPv6 scope id. What
/// it refuses, and why, becomes a parameter binding error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class StrictAddressAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text) return inputData; // an IPAddress object is already one address
        text = text.Trim();
        return AddressSyntax.Classify(text, scopeMustExist: true, out System.Net.IPAddress? address, out string? why) switch
        {
            HostKind.Address => address!,
            HostKind.Invalid => throw new ArgumentTransformationMetadataException(why + "."),
            _ => throw new ArgumentTransformationMetadataException($"'{text}' is not an IP address."),
        };
    }
}

/// <summary>An empty or blank target is a parameter validation error, before any record is probed.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateTargetTextAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        IEnumerable values = arguments as IEnumerable is { } many && arguments is not string ? many : new[] { arguments };
        foreach (object? value in values)
        {
            if (string.IsNullOrWhiteSpace(value as string ?? value?.ToString()))
            {
                throw new ValidationMetadataException("The target is empty. Give a host, host:port or [IPv6]:port.");
            }
        }
    }
}

/// <summary>
/// Lets a CSV cell say what a person means: an empty Port cell is "no port here" (the target
/// carries its own, e.g. [::1]:8080) rather than 0, and "80,443" or "80 443" is two ports.
/// Anything else goes on to PowerShell's own conversion and to ValidateRange unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PortListAttribute : ArgumentTransformationAttribute
{
    private static readonly char[] Separators = { ',', ';', ' ', '\t' };

    internal static string[] Split(string text) => text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text) return inputData;
        if (string.IsNullOrWhiteSpace(text)) return Array.Empty<int>();
        string[] parts = Split(text);
        if (parts.Length < 2) return inputData;
        var ports = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out ports[i])) return inputData;
        }
        return ports;
    }
}
