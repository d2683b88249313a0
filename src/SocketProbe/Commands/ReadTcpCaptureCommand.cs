using SocketProbe.Engine.Capture;

namespace SocketProbe.Commands;

/// <summary>
/// Read-TcpCapture: one object per TCP connection in a pcap or pcapng file (tcpdump's, Wireshark's,
/// or -Capture -PcapPath's), with Zeek's conn_state and history, and the verdicts Zeek does not give.
/// The file is streamed; a cut or corrupt file gives what was read and an error naming the offset.
/// </summary>
[Cmdlet(VerbsCommunications.Read, "TcpCapture", DefaultParameterSetName = PathSet)]
[OutputType(typeof(TcpConnectionRecord))]
public sealed class ReadTcpCaptureCommand : SocketProbeCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Paths taken as written (no wildcards); Get-ChildItem's output binds here by its PSPath.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Only connections with an endpoint matching one of these: address, address:port, [IPv6]:port, or a port.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Filter { get; set; }

    /// <summary>Add each connection's segments as Wire rows (Segments); memory then grows with the file.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    private IReadOnlyList<EndpointFilter> _filters = Array.Empty<EndpointFilter>();
    private int _activity;

    protected override void BeginProcessing()
    {
        try { _filters = (Filter ?? Array.Empty<string>()).Select(EndpointFilter.Parse).ToList(); }
        catch (ArgumentException ex) { ThrowInvalidArgument(ex.Message, "InvalidFilter", Filter); }
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        foreach (string file in ResolveFiles())
        {
            if (StopToken.IsCancellationRequested) return;
            ReadFile(file);
        }
    }

    /// <summary>The files named: wildcards expanded (Path) or taken as written (LiteralPath); a missing one is an error record.</summary>
    private IEnumerable<string> ResolveFiles()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string given in literal ? LiteralPath : Path)
        {
            List<string> resolved = new();
            try
            {
                if (literal) resolved.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(given));
                else resolved.AddRange(GetResolvedProviderPathFromPSPath(given, out _));
            }
            catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException)
            {
                WriteError(new ErrorRecord(ex, "CaptureNotFound", ErrorCategory.ObjectNotFound, given));
                continue;
            }
            foreach (string file in resolved)
            {
                if (Directory.Exists(file))
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{file}' is a directory, not a capture file. Pipe its files: Get-ChildItem '{file}' -Filter *.pcap* | Read-TcpCapture."),
                        "CaptureIsDirectory", ErrorCategory.InvalidArgument, file));
                    continue;
                }
                if (!File.Exists(file))
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"Cannot find capture file '{file}'."), "CaptureNotFound", ErrorCategory.ObjectNotFound, file));
                    continue;
                }
                yield return file;
            }
        }
    }

    /// <summary>
    /// Read one file on the pipeline thread: each connection is written as it is reported, with no
    /// thread hop or queue per object (a capture has hundreds of thousands); Ctrl+C stops the read
    /// at the next check (every 16,384 packets) or at the next WriteObject.
    /// </summary>
    private void ReadFile(string file)
    {
        long length = new FileInfo(file).Length;
        var progress = new ProgressRecord(++_activity, "Read-TcpCapture", file);
        long lastReport = Environment.TickCount64;
        var options = new TcpCaptureOptions
        {
            Detailed = Detailed, Filters = _filters,
            Progress = position =>
            {
                if (Environment.TickCount64 - lastReport < 250) return;
                lastReport = Environment.TickCount64;
                progress.PercentComplete = length > 0 ? (int)Math.Min(100, position * 100 / length) : 0;
                progress.StatusDescription = $"{file}: {position / 1048576.0:N0} of {length / 1048576.0:N0} MiB";
                WriteProgress(progress);
            },
        };
        try
        {
            TcpCaptureAnalyzer.Read(file, options, WriteObject, StopToken);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            return; // Ctrl+C: PowerShell reports the stop itself.
        }
        catch (CaptureFormatException ex)
        {
            WriteError(new ErrorRecord(
                new InvalidDataException($"{file}: {ex.Message} (offset {ex.Offset} of {length} bytes); the connections before it were reported.", ex),
                "CaptureCorrupt", ErrorCategory.InvalidData, file));
        }
        catch (IOException ex)
        {
            WriteError(new ErrorRecord(ex, "CaptureUnreadable", ErrorCategory.ReadError, file));
        }
        catch (UnauthorizedAccessException ex)
        {
            WriteError(new ErrorRecord(ex, "CaptureUnreadable", ErrorCategory.PermissionDenied, file));
        }
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }
}
