using System.Globalization;

namespace SocketProbe.Engine.Errors;

/// <summary>
/// What one input to Get-SocketErrorInfo means: the rows that explain it, how it was read (for Verbose),
/// and, when nothing explains it, why (for an ObjectNotFound error). Rows and Notes may both be empty: an
/// observation or result without an error has nothing to explain, and says so in a note.
/// </summary>
public sealed class ErrorExplanation
{
    internal ErrorExplanation(object? about) => About = about;

    /// <summary>What was explained, as the engine read it (the query text, the exception, the observation); null for a result's properties.</summary>
    public object? About { get; }
    public List<ErrorInfo> Rows { get; } = new();
    public List<string> Notes { get; } = new();
    public string? NotFound { get; private set; }

    internal ErrorExplanation Note(string note)
    {
        Notes.Add(note);
        return this;
    }

    internal ErrorExplanation Missing(string why)
    {
        NotFound = why;
        return this;
    }

    internal ErrorExplanation Add(IEnumerable<ErrorEntry> entries, OsPlatform? only, LogMatch? seen = null, string? host = null, int? port = null)
    {
        foreach (var entry in entries) Rows.AddRange(ErrorCatalog.Explain(entry, only, seen, host, port));
        return this;
    }
}

/// <summary>
/// Decides what an input means — a name, number, SocketError name, message or whole log line; an exception
/// holding a SocketException; an observation; any result with ErrnoName, Errno or SocketError properties —
/// and explains it from the catalogue. The cmdlet only unwraps PowerShell's wrappers and writes what comes back.
/// </summary>
public static class ErrorExplainer
{
    /// <summary>The names a result's properties carry an error under (probe, watch and idle results, observations).</summary>
    private static readonly string[] ErrorFields = { "ErrnoName", "Errno", "SocketError" };

    /// <summary>Every property <see cref="Fields"/> reads: the error's, and where it happened.</summary>
    public static readonly string[] FieldNames = { "ErrnoName", "Errno", "SocketError", "Target", "ComputerName", "Port", "Platform" };

    /// <summary>A name, number, .NET SocketError name or message; failing those, a log line of a known runtime or proxy.</summary>
    public static ErrorExplanation Query(string query, OsPlatform? only)
    {
        var answer = new ErrorExplanation(query);
        var entries = ErrorCatalog.Lookup(query, only, out ErrorMatch how);
        if (entries.Count > 0)
        {
            return answer.Note($"{Excerpt(query)} matched by {how}: {string.Join(", ", entries.Select(e => e.Key))}").Add(entries, only);
        }
        // Not a name, number or message: read it as a log line (Go, Node, Java, Python, nginx, Envoy, drivers…).
        foreach (var match in LogPatterns.Match(query))
        {
            answer.Note($"{Excerpt(match.Matched)} is {match.Pattern.Runtime}'s wording of {match.Entry.Key} (pattern {match.Pattern.Id}; {match.Pattern.Source})")
                .Add(new[] { match.Entry }, only, match);
        }
        if (answer.Rows.Count > 0) return answer;
        string on = only is { } p ? $" on {p}" : "";
        return answer.Missing($"No socket error matches {Excerpt(query)}{on}. Give a name (ECONNRESET, WSAECONNRESET), a number (104, 10054, 54), " +
            "a .NET SocketError name (ConnectionReset), part of a message (\"connection reset by peer\") or a whole log line " +
            "(\"Error: read ECONNRESET\", \"[Errno 104] Connection reset by peer\").");
    }

    /// <summary>
    /// A value that means an error by itself: text, a SocketError, an integer, an exception, an observation.
    /// Null when <paramref name="value"/> is none of these (the caller may try its properties, <see cref="Fields"/>).
    /// </summary>
    public static ErrorExplanation? Value(object value, OsPlatform? only) => value switch
    {
        string text => Query(text, only),
        SocketError socketError => Query(socketError.ToString(), only),
        sbyte or byte or short or ushort or int or uint or long => Query(Convert.ToString(value, CultureInfo.InvariantCulture)!, only),
        Exception exception => Exception(exception, only),
        Observation observation => Observation(observation, only),
        _ => null,
    };

    /// <summary>The first SocketException in the exception's chain, read as .NET on this platform reports it.</summary>
    public static ErrorExplanation Exception(Exception exception, OsPlatform? only)
    {
        var answer = new ErrorExplanation(exception);
        SocketException? socket = FindSocketException(exception);
        if (socket is null) return answer.Missing($"No SocketException in this error ({exception.GetType().FullName}: {exception.Message}).");
        // NativeErrorCode is the WSA code on Windows and an errno rebuilt from SocketErrorCode on Unix.
        var current = PlatformInfo.Current;
        var entries = ErrorCatalog.FromDotNet(current, socket.NativeErrorCode, socket.SocketErrorCode.ToString());
        if (entries.Count == 0)
        {
            string why = socket.SocketErrorCode == SocketError.SocketError
                ? " .NET reports an errno outside its mapping table (SocketErrorPal.Unix.cs) as SocketError.SocketError; the original errno is lost."
                : "";
            return answer.Missing($"SocketException {socket.SocketErrorCode} (NativeErrorCode {socket.NativeErrorCode}: {socket.Message}) on {current} " +
                $"is not in the catalogue.{why}");
        }
        return answer.Note($"SocketException {socket.SocketErrorCode}, NativeErrorCode {socket.NativeErrorCode} on {current}: " +
            string.Join(", ", entries.Select(e => e.Key))).Add(entries, only);
    }

    /// <summary>An observation's errno with its SocketError on the platform it ran on.</summary>
    public static ErrorExplanation Observation(Observation observation, OsPlatform? only)
    {
        var answer = new ErrorExplanation(observation);
        if (observation.Errno is null && observation.SocketError is null) return answer.Note($"{observation}: no socket error to explain");
        OsPlatform platform = PlatformOf(observation.Platform);
        var entries = observation.Errno is int errno
            ? ErrorCatalog.FromDotNet(platform, errno, observation.SocketError ?? "")
            : ErrorCatalog.Lookup(observation.SocketError!, platform);
        if (entries.Count == 0) return answer.Missing($"{observation} (Errno {observation.Errno}, SocketError {observation.SocketError}) is not in the catalogue.");
        return answer.Add(entries, only);
    }

    /// <summary>
    /// Any result that carries ErrnoName, Errno or SocketError (probe and watch results, and the same objects after
    /// remoting deserialized them), given as the <see cref="FieldNames"/> the object has, with their values: the name first,
    /// since it means the same on every platform; then the number with the SocketError on the result's platform.
    /// The next step names the result's Target (or ComputerName) and Port. Null when it has none of those properties.
    /// </summary>
    public static ErrorExplanation? Fields(IReadOnlyDictionary<string, object?> fields, string described, OsPlatform? only)
    {
        if (!ErrorFields.Any(fields.ContainsKey)) return null;
        object? property(string name) => fields.GetValueOrDefault(name);
        var answer = new ErrorExplanation(null);
        string? name = Text(property("ErrnoName"));
        string? socketError = Text(property("SocketError"));
        int? errno = int.TryParse(Text(property("Errno")), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n : null;
        string? target = Text(property("Target"));
        string? portText = Text(property("Port"));
        if (target is not null) described = $"{target}:{portText}";
        if (name is null && errno is null && (socketError is null || socketError == "Success")) return answer.Note($"{described}: no socket error to explain");
        OsPlatform platform = Text(property("Platform")) is { } os ? PlatformOf(os) : PlatformInfo.Current;
        IReadOnlyList<ErrorEntry> entries = Array.Empty<ErrorEntry>();
        if (name is not null) entries = ErrorCatalog.Lookup(name, null, out ErrorMatch how) is var byName && how == ErrorMatch.Name ? byName : entries;
        if (entries.Count == 0 && errno is int code) entries = ErrorCatalog.FromDotNet(platform, code, socketError ?? "");
        if (entries.Count == 0 && socketError is not null) entries = ErrorCatalog.Lookup(socketError, platform);
        if (entries.Count == 0) return answer.Missing($"{described} (ErrnoName {name}, Errno {errno}, SocketError {socketError}) is not in the catalogue.");
        string? host = target ?? Text(property("ComputerName"));
        int? port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : null;
        return answer.Add(entries, only, null, host, port);
    }

    /// <summary>The input as a message quotes it: whole when short, else its start and its length (a 10 MB line is not echoed).</summary>
    public static string Excerpt(string text, int keep = 80)
    {
        string oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= keep ? $"'{oneLine}'" : $"'{oneLine[..keep]}…' ({text.Length:N0} characters)";
    }

    /// <summary>The platform an observation's or result's Platform text names (this one when it names none).</summary>
    public static OsPlatform PlatformOf(string description) =>
        description.StartsWith("macOS", StringComparison.OrdinalIgnoreCase) ? OsPlatform.MacOS :
        description.StartsWith("Windows", StringComparison.OrdinalIgnoreCase) ? OsPlatform.Windows :
        description.StartsWith("Linux", StringComparison.OrdinalIgnoreCase) ? OsPlatform.Linux :
        PlatformInfo.Current;

    private static string? Text(object? value)
    {
        string? s = value is null ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
        return string.IsNullOrWhiteSpace(s) ? null : s;
    }

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
}
