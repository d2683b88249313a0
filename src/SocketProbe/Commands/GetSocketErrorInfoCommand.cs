using System.Collections;
using System.Management.Automation.Language;
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
            Write(ErrorExplainer.Query(query, Only), query, isText: true);
        }
    }

    /// <summary>Unwraps what only PowerShell knows (PSObject, ErrorRecord, an object's properties); the engine decides what it means.</summary>
    private void ExplainObject(object input)
    {
        object value = input is PSObject pso ? pso.BaseObject : input;
        if (value is FileSystemInfo file)
        {
            ScanFileInfo(file);   // Get-ChildItem's output, piped without -Summary or -Timeline, lands here
            return;
        }
        ErrorExplanation? answer = value is ErrorRecord record
            ? ErrorExplainer.Exception(record.Exception, Only)
            : ErrorExplainer.Value(value, Only) ?? ErrorExplainer.Fields(Properties(input), PSObject.AsPSObject(input).ToString(), Only);
        if (answer is null)
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"Get-SocketErrorInfo cannot explain a {value.GetType().FullName}. Pipe an ErrorRecord, an exception, " +
                    "a SocketException, an object with ErrnoName, Errno or SocketError properties (observations, probe and watch " +
                    "results), or a name, number, message or log line."),
                "UnsupportedInputObject", ErrorCategory.InvalidArgument, input));
            return;
        }
        Write(answer, value is ErrorRecord ? value : answer.About ?? input, isText: value is string);
    }

    /// <summary>The properties the engine reads from a result, those the object has, with their values unwrapped.</summary>
    private static Dictionary<string, object?> Properties(object input)
    {
        var properties = PSObject.AsPSObject(input).Properties;
        var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in ErrorExplainer.FieldNames)
        {
            if (properties[name] is { } property) fields[name] = property.Value is PSObject p ? p.BaseObject : property.Value;
        }
        return fields;
    }

    private void Write(ErrorExplanation answer, object target, bool isText = false)
    {
        foreach (string note in answer.Notes) WriteVerbose(note);
        foreach (ErrorInfo row in answer.Rows) WriteObject(row);
        if (answer.NotFound is not { } why) return;
        if (isText) NotFoundText(why, target);   // a string: one of many piped lines is a Verbose line, not an error
        else WriteError(new ErrorRecord(new ItemNotFoundException(why), "SocketErrorNotFound", ErrorCategory.ObjectNotFound, target));
    }
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
