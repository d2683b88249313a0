using SocketProbe.Engine.Capture;

namespace SocketProbe;

/// <summary>
/// -PcapPath: every run writes its own packets to a part file of its own (a lab run writes from inside
/// its namespace); at the end the parts are merged, in time order, into one pcapng that tcpdump and
/// Wireshark read, and the parts are removed.
/// </summary>
internal sealed class PcapOutput : IDisposable
{
    private readonly string _directory;
    private int _parts;

    private PcapOutput(string finalPath)
    {
        FinalPath = finalPath;
        _directory = Directory.CreateTempSubdirectory("socketprobe-pcap-").FullName;
    }

    public string FinalPath { get; }

    /// <summary>Null without -PcapPath; a terminating InvalidArgument error when its folder does not exist.</summary>
    public static PcapOutput? Open(PSCmdlet cmdlet, string? pcapPath)
    {
        if (pcapPath is null) return null;
        string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(pcapPath);
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full) || (folder is not null && !Directory.Exists(folder)))
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-PcapPath '{pcapPath}' must name a file in an existing folder."),
                "InvalidPcapPath", ErrorCategory.InvalidArgument, pcapPath));
        return new PcapOutput(full);
    }

    /// <summary>A fresh part file for one run.</summary>
    public string NextPart() => Path.Combine(_directory, $"{Interlocked.Increment(ref _parts):D5}.pcapng");

    /// <summary>Merge the parts into <see cref="FinalPath"/>; returns the packets written.</summary>
    public long Merge() => PcapNgWriter.Merge(Directory.GetFiles(_directory, "*.pcapng").Order(), FinalPath, "SocketProbe -Capture");

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
