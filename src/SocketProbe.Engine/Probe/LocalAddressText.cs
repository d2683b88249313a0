using System.Runtime.CompilerServices;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// The text of the source address a lane's attempts share, from getsockname's raw bytes: one string
/// per address for the whole sweep (every attempt to one target leaves from the same address), not
/// an IPAddress and a string per result.
/// </summary>
internal sealed class LocalAddressText
{
    private readonly byte[] _last = new byte[16];
    private int _lastLength;
    private uint _lastScope;
    private string? _lastText;

    /// <summary>The text of an IPv4 (4 bytes) or IPv6 (16 bytes, with its scope) address: the last one's string when it is the same address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Of(ReadOnlySpan<byte> address, uint scope)
    {
        if (_lastText is not null && scope == _lastScope && address.SequenceEqual(_last.AsSpan(0, _lastLength))) return _lastText;
        address.CopyTo(_last);
        (_lastLength, _lastScope) = (address.Length, scope);
        return _lastText = ConnectBatch.AddressOf(address, scope).ToString();
    }
}
