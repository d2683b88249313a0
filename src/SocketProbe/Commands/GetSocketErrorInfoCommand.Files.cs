using SocketProbe.Engine.LogScan;

namespace SocketProbe.Commands;

/// <summary>
/// Get-SocketErrorInfo -Path / -LiteralPath: whole log files (plain or .gz), streamed by the engine's LogScanner, one
/// <see cref="LogLineError"/> per line that carries a socket error; or, with -Summary / -Timeline, what they add up to
/// over every file of the call. Also: a string piped among others that names no error is skipped with a Verbose line.
/// </summary>
[OutputType(typeof(LogLineError), typeof(LogErrorSummary), typeof(LogTimelineBucket), ParameterSetName = new[] { PathSet, LiteralPathSet })]
public sealed partial class GetSocketErrorInfoCommand
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>One row per error and runtime over all files: count, first and last time, intervals, verdict.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter Summary { get; set; }

    /// <summary>Counts per time bucket and error, zeros included, for a chart or CSV.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter Timeline { get; set; }

    /// <summary>The timeline's bucket: a TimeSpan or 30s, 1m, 5m, 1h, 1d (default 1m).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [BucketTransformation]
    public TimeSpan Bucket { get; set; } = TimeSpan.FromMinutes(1);

    private bool ScanningFiles => ParameterSetName is PathSet or LiteralPathSet;
    private LogSummaryBuilder? _summary;
    private LogTimelineBuilder? _timeline;
    private long _pipelineRecords;
    private ErrorRecord? _pendingNotFound;

    protected override void BeginProcessing()
    {
        // With pipeline input the parameter set is not known yet here: these switches exist only in the file sets.
        if (Summary && Timeline)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Summary or -Timeline, not both: their rows have different columns."),
                "SummaryAndTimeline", ErrorCategory.InvalidArgument, null));
        }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Bucket)) && !Timeline)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Bucket sizes the buckets of -Timeline: add -Timeline."),
                "BucketWithoutTimeline", ErrorCategory.InvalidArgument, Bucket));
        }
        if (Bucket <= TimeSpan.Zero)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Bucket), Bucket, "-Bucket must be longer than zero."),
                "BucketNotPositive", ErrorCategory.InvalidArgument, Bucket));
        }
        if (Summary) _summary = new LogSummaryBuilder();
        if (Timeline) _timeline = new LogTimelineBuilder(Bucket);
    }

    protected override void EndProcessing()
    {
        try
        {
            if (_pendingNotFound is { } pending) WriteError(pending);  // the only record of the pipeline meant nothing
            if (_summary is not null)
            {
                foreach (var row in _summary.Build()) WriteObject(row);
            }
            if (_timeline is not null)
            {
                if (_timeline.Untimed > 0) WriteVerbose($"{_timeline.Untimed:N0} error lines carry no time we can read: not in the timeline.");
                try
                {
                    foreach (var row in _timeline.Build()) WriteObject(row);
                }
                catch (ArgumentException e)
                {
                    WriteError(new ErrorRecord(e, "TimelineTooLong", ErrorCategory.LimitsExceeded, Bucket));
                }
            }
        }
        finally
        {
            base.EndProcessing();
        }
    }

    private void ScanPaths()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            foreach (string file in Resolve(path, literal))
            {
                ScanFile(file);
            }
        }
    }

    /// <summary>The file-system paths a -Path (wildcards expanded) or -LiteralPath names; an error for what names none.</summary>
    private IEnumerable<string> Resolve(string path, bool literal)
    {
        ProviderInfo provider;
        List<string> files;
        try
        {
            files = literal
                ? new List<string> { SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _) }
                : SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider).ToList();
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or PSArgumentException)
        {
            WriteError(new ErrorRecord(e, "LogFileNotFound", ErrorCategory.ObjectNotFound, path));
            return Array.Empty<string>();
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            WriteError(new ErrorRecord(new ArgumentException($"'{path}' is not a file-system path ({provider.Name} provider)."),
                "LogFileNotFileSystem", ErrorCategory.InvalidArgument, path));
            return Array.Empty<string>();
        }
        if (files.Count == 0)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No file matches '{path}'."), "LogFileNotFound", ErrorCategory.ObjectNotFound, path));
        }
        return files;
    }

    private void ScanFileInfo(FileSystemInfo item) => ScanFile(item.FullName);

    private void ScanFile(string file)
    {
        if (Directory.Exists(file))
        {
            WriteVerbose($"{file}: a directory, skipped (give its files, e.g. -Path '{System.IO.Path.Combine(file, "*.log")}').");
            return;
        }
        long lines = 0;
        try
        {
            foreach (LogLineError error in LogScanner.Default.Scan(file, StopToken))
            {
                lines++;
                if (_summary is not null) _summary.Add(error);
                else if (_timeline is not null) _timeline.Add(error);
                else WriteObject(error);
            }
            WriteVerbose($"{file}: {lines:N0} lines with a socket error.");
        }
        catch (LogFileException e)
        {
            var (id, category) = e.Problem switch
            {
                LogFileProblem.NotFound => ("LogFileNotFound", ErrorCategory.ObjectNotFound),
                LogFileProblem.Denied => ("LogFileAccessDenied", ErrorCategory.PermissionDenied),
                LogFileProblem.Binary => ("LogFileNotText", ErrorCategory.InvalidData),
                LogFileProblem.Corrupt => ("LogFileCorrupt", ErrorCategory.InvalidData),
                _ => ("LogFileUnreadable", ErrorCategory.ReadError),
            };
            WriteError(new ErrorRecord(e, id, category, file));
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell reports the stop itself.
        }
    }

    private void CountPipelineRecord()
    {
        if (!MyInvocation.ExpectingInput) return;
        _pipelineRecords++;
        if (_pipelineRecords == 2 && _pendingNotFound is { } pending)
        {
            // A second record: this is a pipeline of many, where a line that is not an error is the usual case.
            WriteVerbose($"Skipped: {pending.Exception.Message}");
            _pendingNotFound = null;
        }
    }

    /// <summary>
    /// A name, number, message or line that means no socket error: an error for an argument or a pipeline's only
    /// record, a Verbose line when it is one of many piped records (Get-Content app.log | Get-SocketErrorInfo).
    /// </summary>
    private void NotFoundText(string message, object target)
    {
        var record = new ErrorRecord(new ItemNotFoundException(message), "SocketErrorNotFound", ErrorCategory.ObjectNotFound, target);
        if (!MyInvocation.ExpectingInput) WriteError(record);
        else if (_pipelineRecords == 1) _pendingNotFound = record;   // decided in EndProcessing or at the next record
        else WriteVerbose($"Skipped: {message}");
    }
}

/// <summary>Turns "30s", "1m", "5m", "1h", "1d", "500ms" into a TimeSpan for -Bucket (a TimeSpan or "00:05:00" also works).</summary>
public sealed class BucketTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject p ? p.BaseObject : inputData;
        if (value is string text)
        {
            if (LogTimelineBuilder.TryParseBucket(text, out TimeSpan bucket)) return bucket;
            throw new ArgumentTransformationMetadataException($"'{text}' is not a bucket length: give 30s, 1m, 5m, 1h, 1d or a TimeSpan such as 00:05:00.");
        }
        return inputData;
    }
}
