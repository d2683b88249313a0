using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace SocketProbe.Engine.Errors;

/// <summary>
/// One reading of a failed socket call, the same for scenarios, probes and watches: the .NET
/// SocketError name, the errno (or WSA code) as a number and by name, and the platform's message.
/// </summary>
public readonly record struct SocketFailure(SocketError Error, int Errno, string? ErrnoName, string Message)
{
    private static readonly ConcurrentDictionary<int, string> Messages = new();

    /// <summary>What .NET said. On Unix .NET rebuilds the errno from SocketError (SocketErrorPal.Unix.cs); on Windows it is the WSA code.</summary>
    /// <param name="errno">The errno the OS really gave, where .NET bends it (EMFILE said as ENFILE); null: take .NET's.</param>
    public static SocketFailure Of(SocketException ex, int? errno = null)
    {
        int code = errno ?? ex.NativeErrorCode;
        return new SocketFailure(ex.SocketErrorCode, code, ErrorCatalog.NameOf(PlatformInfo.Current, code), ex.Message);
    }

    /// <summary>What the kernel said to a raw call (Linux errno): its SocketError as .NET would map it, and libc's message.</summary>
    public static SocketFailure OfErrno(int errno) =>
        new(SocketErrorOf(errno), errno, ErrorCatalog.NameOf(PlatformInfo.Current, errno),
            Messages.GetOrAdd(errno, static e => Marshal.GetPInvokeErrorMessage(e)));

    /// <summary>The SocketError .NET gives an errno of connect(2) (dotnet/runtime SocketErrorPal.Unix.cs), for the errnos a connect returns.</summary>
    public static SocketError SocketErrorOf(int errno) => errno switch
    {
        0 => SocketError.Success,
        1 or 13 => SocketError.AccessDenied,        // EPERM, EACCES
        12 or 105 => SocketError.NoBufferSpaceAvailable, // ENOMEM, ENOBUFS
        22 => SocketError.InvalidArgument,
        23 or 24 => SocketError.TooManyOpenSockets, // ENFILE, EMFILE
        97 => SocketError.AddressFamilyNotSupported,
        98 => SocketError.AddressAlreadyInUse,
        99 => SocketError.AddressNotAvailable,
        100 => SocketError.NetworkDown,
        101 => SocketError.NetworkUnreachable,
        102 => SocketError.NetworkReset,
        103 => SocketError.ConnectionAborted,
        104 => SocketError.ConnectionReset,
        110 => SocketError.TimedOut,
        111 => SocketError.ConnectionRefused,
        112 => SocketError.HostDown,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
