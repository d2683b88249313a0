using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net.Sockets;
using SocketProbe.Engine;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Commands;

/// <summary>
/// Get-SocketErrorInfo: explains a socket error given a name, a number, a .NET SocketError name, a
/// message fragment, or a caught error (ErrorRecord, exception, SocketException, observation). Emits one
/// flat <see cref="ErrorInfo"/> (engine type) per error and platform.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SocketErrorInfo", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ErrorInfo))]
public sealed partial class GetSocketErrorInfoCommand : SocketProbeCmdlet
{
    private const string NameSet = "Name";
    private const string InputSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [Alias("Code", "Message")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SocketErrorNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [ValidateNotNull]
    public object InputObject { get; set; } = null!;

    [Parameter]
    public OsPlatform Platform { get; set; }

    private OsPlatform? Only => MyInvocation.BoundParameters.ContainsKey(nameof(Platform)) ? Platform : null;

    protected override void ProcessRecord()
    {
        if (ScanningFiles)
        {
            ScanPaths();
            return;
        }
        CountPipelineRecord();
        if (ParameterSetName == InputSet)
        {
            ExplainObject(InputObject);
            return;
        }
        foreach (string query in Name)
        {
            ExplainQuery(query);
        }
    }

    private void ExplainQuery(string query)
    {
        var entries = ErrorCatalog.Lookup(query, Only, out ErrorMatch how);
        if (entries.Count == 0)
        {
            // Not a name, number or message: read it as a log line (Go, Node, Java, Python, nginx, Envoy, drivers…).
            var seen = LogPatterns.Match(query);
            if (seen.Count > 0)
            {
                foreach (var match in seen)
                {
                    WriteVerbose($"{Excerpt(match.Matched)} is {match.Pattern.Runtime}'s wording of {match.Entry.Key} (pattern {match.Pattern.Id}; {match.Pattern.Source})");
                    Emit(match.Entry, match);
                }
                return;
            }
            string on = Only is { } p ? $" on {p}" : "";
            NotFoundText($"No socket error matches {Excerpt(query)}{on}. Give a name (ECONNRESET, WSAECONNRESET), a number (104, 10054, 54), " +
                "a .NET SocketError name (ConnectionReset), part of a message (\"connection reset by peer\") or a whole log line " +
                "(\"Error: read ECONNRESET\", \"[Errno 104] Connection reset by peer\").", query);
            return;
        }
        WriteVerbose($"{Excerpt(query)} matched by {how}: {string.Join(", ", entries.Select(e => e.Key))}");
        Emit(entries);
    }

    private void ExplainObject(object input)
    {
        object value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case string text:
                ExplainQuery(text);
                break;
            case FileSystemInfo file:
                ScanFileInfo(file);
                break;
            case SocketError socketError:
                ExplainQuery(socketError.ToString());
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                ExplainQuery(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case ErrorRecord record:
                ExplainException(record.Exception, record);
                break;
            case Exception exception:
                ExplainException(exception, exception);
                break;
            case Observation observation:
                ExplainObservation(observation);
                break;
            default:
                if (ExplainProperties(input)) break;
                WriteError(new ErrorRecord(
                    new ArgumentException($"Get-SocketErrorInfo cannot explain a {value.GetType().FullName}. Pipe an ErrorRecord, an exception, " +
                        "a SocketException, an object with ErrnoName, Errno or SocketError properties (observations, probe and watch " +
                        "results), or a name, number, message or log line."),
                    "UnsupportedInputObject", ErrorCategory.InvalidArgument, input));
                break;
        }
    }

    private void ExplainException(Exception exception, object target)
    {
        SocketException? socket = FindSocketException(exception);
        if (socket is null)
        {
            NotFound($"No SocketException in this error ({exception.GetType().FullName}: {exception.Message}).", target);
            return;
        }
        // NativeErrorCode is the WSA code on Windows and an errno rebuilt from SocketErrorCode on Unix.
        var current = PlatformInfo.Current;
        var entries = ErrorCatalog.FromDotNet(current, socket.NativeErrorCode, socket.SocketErrorCode.ToString());
        if (entries.Count == 0)
        {
            string why = socket.SocketErrorCode == SocketError.SocketError
                ? " .NET reports an errno outside its mapping table (SocketErrorPal.Unix.cs) as SocketError.SocketError; the original errno is lost."
                : "";
            NotFound($"SocketException {socket.SocketErrorCode} (NativeErrorCode {socket.NativeErrorCode}: {socket.Message}) on {current} " +
                $"is not in the catalogue.{why}", target);
            return;
        }
        WriteVerbose($"SocketException {socket.SocketErrorCode}, NativeErrorCode {socket.NativeErrorCode} on {current}: " +
            string.Join(", ", entries.Select(e => e.Key)));
        Emit(entries);
    }

    private void ExplainObservation(Observation observation)
    {
        if (observation.Errno is null && observation.SocketError is null)
        {
            WriteVerbose($"{observation}: no socket error to explain");
            return;
        }
        OsPlatform platform = PlatformOf(observation.Platform);
        var entries = observation.Errno is int errno
            ? ErrorCatalog.FromDotNet(platform, errno, observation.SocketError ?? "")
            : ErrorCatalog.Lookup(observation.SocketError!, platform);
        if (entries.Count == 0)
        {
            NotFound($"{observation} (Errno {observation.Errno}, SocketError {observation.SocketError}) is not in the catalogue.", observation);
            return;
        }
        Emit(entries);
    }

    /// <summary>
    /// Any result that carries ErrnoName, Errno or SocketError (probe and watch results, and the same objects after
    /// remoting deserialized them): the name first, since it means the same on every platform; then the number with
    /// the SocketError on the result's platform. Returns false when the object has none of those properties.
    /// </summary>
    private bool ExplainProperties(object input)
    {
        var pso = PSObject.AsPSObject(input);
        var nameProperty = pso.Properties["ErrnoName"];
        var errnoProperty = pso.Properties["Errno"];
        var socketErrorProperty = pso.Properties["SocketError"];
        if (nameProperty is null && errnoProperty is null && socketErrorProperty is null) return false;

        string? name = Text(nameProperty?.Value);
        string? socketError = Text(socketErrorProperty?.Value);
        int? errno = errnoProperty?.Value is { } raw && int.TryParse(Text(raw), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n : null;
        string described = Text(pso.Properties["Target"]?.Value) is { } target ? $"{target}:{Text(pso.Properties["Port"]?.Value)}" : pso.ToString();
        if (name is null && errno is null && (socketError is null || socketError == "Success"))
        {
            WriteVerbose($"{described}: no socket error to explain");
            return true;
        }
        OsPlatform platform = Text(pso.Properties["Platform"]?.Value) is { } os ? PlatformOf(os) : PlatformInfo.Current;
        IReadOnlyList<ErrorEntry> entries = Array.Empty<ErrorEntry>();
        if (name is not null) entries = ErrorCatalog.Lookup(name, null, out ErrorMatch how) is var byName && how == ErrorMatch.Name ? byName : entries;
        if (entries.Count == 0 && errno is int code) entries = ErrorCatalog.FromDotNet(platform, code, socketError ?? "");
        if (entries.Count == 0 && socketError is not null) entries = ErrorCatalog.Lookup(socketError, platform);
        if (entries.Count == 0)
        {
            NotFound($"{described} (ErrnoName {name}, Errno {errno}, SocketError {socketError}) is not in the catalogue.", input);
            return true;
        }
        string? host = Text(pso.Properties["Target"]?.Value) ?? Text(pso.Properties["ComputerName"]?.Value);
        int? port = int.TryParse(Text(pso.Properties["Port"]?.Value), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : null;
        foreach (var entry in entries)
        {
            foreach (ErrorInfo row in ErrorCatalog.Explain(entry, Only, null, host, port))
            {
                WriteObject(row);
            }
        }
        return true;
    }

    private static string? Text(object? value)
    {
        object? v = value is PSObject p ? p.BaseObject : value;
        string? s = v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture);
        return string.IsNullOrWhiteSpace(s) ? null : s;
    }

    private void Emit(IEnumerable<ErrorEntry> entries)
    {
        foreach (var entry in entries)
        {
            Emit(entry, null);
        }
    }

    private void Emit(ErrorEntry entry, LogMatch? seen)
    {
        foreach (ErrorInfo row in ErrorCatalog.Explain(entry, Only, seen))
        {
            WriteObject(row);
        }
    }

    /// <summary>The input as a message quotes it: whole when short, else its start and its length (a 10 MB line is not echoed).</summary>
    internal static string Excerpt(string text, int keep = 80)
    {
        string oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= keep ? $"'{oneLine}'" : $"'{oneLine[..keep]}…' ({text.Length:N0} characters)";
    }

    private void NotFound(string message, object target) =>
        WriteError(new ErrorRecord(new ItemNotFoundException(message), "SocketErrorNotFound", ErrorCategory.ObjectNotFound, target));

    private static SocketException? FindSocketException(Exception root)
    {
        // Breadth-first through InnerException and AggregateException's inner exceptions, bounded.
        var queue = new Queue<Exception>();
        queue.Enqueue(root);
        for (int seen = 0; queue.Count > 0 && seen < 64; seen++)
        {
            Exception e = queue.Dequeue();
            if (e is SocketException socket) return socket;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions) queue.Enqueue(inner);
            }
            else if (e.InnerException is { } inner)
            {
                queue.Enqueue(inner);
            }
        }
        return null;
    }

    private static OsPlatform PlatformOf(string description) =>
        description.StartsWith("macOS", StringComparison.OrdinalIgnoreCase) ? OsPlatform.MacOS :
        description.StartsWith("Windows", StringComparison.OrdinalIgnoreCase) ? OsPlatform.Windows :
        description.StartsWith("Linux", StringComparison.OrdinalIgnoreCase) ? OsPlatform.Linux :
        PlatformInfo.Current;
}

/// <summary>Tab completion of error names: catalogue keys, every platform's names and aliases.</summary>
public sealed class SocketErrorNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = wordToComplete.Trim('\'', '"');
        var names = ErrorCatalog.Entries
            .SelectMany(e => new[] { (Name: e.Key, e.Summary) }
                .Concat(e.Aliases.Select(a => (Name: a, e.Summary)))
                .Concat(e.Platforms.Select(p => (Name: p.Name, e.Summary))))
            .DistinctBy(n => n.Name, StringComparer.OrdinalIgnoreCase)
            .Where(n => n.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => n.Name, StringComparer.Ordinal);
        foreach (var (name, summary) in names)
        {
            yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, summary);
        }
    }
}
