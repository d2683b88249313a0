using System.Globalization;

namespace SocketProbe.Engine.Errors;

/// <summary>What kind of number <see cref="PlatformError.Number"/> is; errno and getaddrinfo codes overlap on macOS.</summary>
public enum NumberKind
{
    /// <summary>A Linux or macOS errno.</summary>
    Errno,
    /// <summary>A Windows Sockets (WSA) error code, as WSAGetLastError returns it.</summary>
    WsaCode,
    /// <summary>A getaddrinfo() return code (EAI_*), not an errno.</summary>
    GaiCode,
}

/// <summary>
/// One error as one platform spells it: its own name, number and message text, the
/// System.Net.Sockets.SocketError a .NET program sees for it there, and where those facts come from.
/// </summary>
public sealed record PlatformError(OsPlatform Platform, string Name, int Number, string Message, string DotNetSocketError, string Source)
{
    public NumberKind Kind { get; init; } = Platform == OsPlatform.Windows ? NumberKind.WsaCode : NumberKind.Errno;

    /// <summary>
    /// What SocketException.NativeErrorCode shows when .NET raises this error here. On Unix .NET throws
    /// SocketException(SocketError) and rebuilds the code from SocketError (SocketErrorPal.Unix.cs), so it
    /// can differ from <see cref="Number"/>; on Windows it is the WSA code itself.
    /// </summary>
    public int DotNetNativeErrorCode { get; init; } = Number;

    /// <summary>True when .NET's NativeErrorCode gives back <see cref="Number"/> unchanged.</summary>
    public bool RoundTrips => DotNetNativeErrorCode == Number;
}

/// <summary>An explicit statement that a platform has no such error, and what it reports instead.</summary>
public sealed record PlatformGap(OsPlatform Platform, string Statement, string Source);

/// <summary>One socket error across Linux, macOS and Windows.</summary>
public sealed record ErrorEntry(string Key, string Summary, string Causes, IReadOnlyList<PlatformError> Platforms, IReadOnlyList<string> Scenarios)
{
    /// <summary>Platforms that have no equivalent, each with what it does instead.</summary>
    public IReadOnlyList<PlatformGap> Gaps { get; init; } = Array.Empty<PlatformGap>();

    /// <summary>Other names for the same error (EWOULDBLOCK for EAGAIN).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();

    public PlatformError? On(OsPlatform platform) => Platforms.FirstOrDefault(p => p.Platform == platform);

    public PlatformGap? GapOn(OsPlatform platform) => Gaps.FirstOrDefault(g => g.Platform == platform);
}

/// <summary>How <see cref="ErrorCatalog.Lookup(string, OsPlatform?, out ErrorMatch)"/> recognised the query.</summary>
public enum ErrorMatch { None, Number, DotNetNativeErrorCode, Name, SocketError, Message }

/// <summary>
/// Socket error names, numbers and messages for Linux, macOS and Windows, with the .NET SocketError
/// each becomes, the usual causes and the catalogue scenarios that reproduce it. Facts and their
/// sources are in ErrorCatalog.Data.cs.
/// </summary>
public static partial class ErrorCatalog
{
    private static readonly OsPlatform[] AllPlatforms = { OsPlatform.Linux, OsPlatform.MacOS, OsPlatform.Windows };

    public static IReadOnlyList<ErrorEntry> Entries { get; } = WithReproducers(BuildEntries());

    /// <summary>
    /// Each entry's scenarios: those named in the data first (the usual cause leads), then every
    /// catalogue scenario whose outcome was seen to be this error (a Verified expectation: observed on
    /// that platform, not only documented). A new scenario is listed under the errors it reproduces
    /// with no second registration.
    /// </summary>
    private static List<ErrorEntry> WithReproducers(List<ErrorEntry> entries) => entries.Select(e =>
    {
        var names = new HashSet<string>(e.Platforms.Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
        var reproducing = ScenarioCatalog.All
            .Where(s => s.Expectations.Any(x => x.Verified && x.ErrnoNames.Any(names.Contains)))
            .Select(s => s.Name);
        var all = e.Scenarios.Concat(reproducing).Distinct().ToList();
        return all.Count == e.Scenarios.Count ? e : e with { Scenarios = all };
    }).ToList();

    // Number -> primary name per platform, for errno and WSA codes only (getaddrinfo codes are another
    // number space: on macOS EAI_AGAIN is 2, which is also ENOENT).
    private static readonly Dictionary<(OsPlatform, int), string> NamesByNumber = BuildNameIndex();

    /// <summary>
    /// The symbolic name of a native error number on a platform: an errno on Linux/macOS, a WSA code on
    /// Windows. Where two names share a number (EAGAIN/EWOULDBLOCK) this is the primary POSIX name.
    /// Null when the number is not a known socket error.
    /// </summary>
    public static string? NameOf(OsPlatform platform, int number) =>
        NamesByNumber.TryGetValue((platform, number), out var name) ? name : null;

    public static IReadOnlyList<ErrorEntry> Lookup(string query, OsPlatform? platform = null) =>
        Lookup(query, platform, out _);

    /// <summary>
    /// Find the entries a query names: a number (with <paramref name="platform"/>, only that platform's
    /// number; a hex 0x... form is accepted), an error name (ECONNRESET, WSAECONNRESET, EWOULDBLOCK), a
    /// .NET SocketError name (ConnectionReset), or a fragment of a platform's message ("broken pipe").
    /// Case-insensitive. The first kind that matches wins.
    /// </summary>
    public static IReadOnlyList<ErrorEntry> Lookup(string query, OsPlatform? platform, out ErrorMatch matchedBy)
    {
        matchedBy = ErrorMatch.None;
        string q = (query ?? "").Trim().Trim('"', '\'').TrimEnd('.').Trim();
        if (q.Length == 0) return Array.Empty<ErrorEntry>();

        if (TryParseNumber(q, out int number))
        {
            var byNumber = Where(platform, p => p.Number == number);
            if (byNumber.Count > 0) { matchedBy = ErrorMatch.Number; return byNumber; }
            // A code .NET made up (0xFFFDFFFF for a failed name lookup) or rebuilt (EMFILE shown as ENFILE).
            var byDotNet = Where(platform, p => p.DotNetNativeErrorCode == number);
            if (byDotNet.Count > 0) matchedBy = ErrorMatch.DotNetNativeErrorCode;
            return byDotNet;
        }

        var byName = Entries.Where(e =>
            Same(e.Key, q) || e.Aliases.Any(a => Same(a, q)) || e.Platforms.Any(p => Same(p.Name, q))).ToList();
        if (byName.Count > 0) { matchedBy = ErrorMatch.Name; return byName; }

        var bySocketError = Where(platform, p => Same(p.DotNetSocketError, q));
        if (bySocketError.Count > 0) { matchedBy = ErrorMatch.SocketError; return bySocketError; }

        // Fragments shorter than three letters would match nearly everything.
        if (q.Length >= 3)
        {
            var byMessage = Where(platform, p => p.Message.Contains(q, StringComparison.OrdinalIgnoreCase));
            if (byMessage.Count > 0) { matchedBy = ErrorMatch.Message; return byMessage; }
        }
        return Array.Empty<ErrorEntry>();
    }

    /// <summary>
    /// The entries a real SocketException raised on <paramref name="platform"/> stands for, from its
    /// NativeErrorCode and SocketErrorCode. Both together first (on Unix .NET rebuilds the number from
    /// SocketError, so ENFILE 23 with TooManyOpenSockets may be EMFILE too); then the number alone; then
    /// the SocketError alone.
    /// </summary>
    public static IReadOnlyList<ErrorEntry> FromDotNet(OsPlatform platform, int nativeErrorCode, string socketError)
    {
        OsPlatform? on = platform;
        var both = Where(on, p => Same(p.DotNetSocketError, socketError) &&
            (p.Number == nativeErrorCode || p.DotNetNativeErrorCode == nativeErrorCode));
        if (both.Count > 0) return both;
        var byNumber = Where(on, p => p.Number == nativeErrorCode);
        if (byNumber.Count > 0) return byNumber;
        if (Same(socketError, "SocketError")) return Array.Empty<ErrorEntry>();
        return Where(on, p => Same(p.DotNetSocketError, socketError));
    }

    /// <summary>One flat row per platform of an entry (or only <paramref name="platform"/>'s).</summary>
    public static IEnumerable<ErrorInfo> Explain(ErrorEntry entry, OsPlatform? platform = null) => Explain(entry, platform, null);

    /// <summary>
    /// As <see cref="Explain(ErrorEntry, OsPlatform?)"/>, saying which log-line wording it was recognised from; the next
    /// step names the endpoint the line named, or <paramref name="host"/> and <paramref name="port"/> (a piped result's).
    /// </summary>
    public static IEnumerable<ErrorInfo> Explain(ErrorEntry entry, OsPlatform? platform, LogMatch? seen, string? host = null, int? port = null)
    {
        string scenarios = string.Join(",", entry.Scenarios);
        NextStep next = NextSteps.For(entry, seen?.Host ?? host, seen?.Port ?? port);
        foreach (var os in AllPlatforms)
        {
            if (platform is not null && platform != os) continue;
            if (entry.On(os) is { } p)
            {
                yield return new ErrorInfo
                {
                    Key = entry.Key, PlatformKind = os, Name = p.Name, Number = p.Number, Message = p.Message,
                    SocketError = p.DotNetSocketError, NativeErrorCode = p.DotNetNativeErrorCode,
                    Summary = entry.Summary, Causes = entry.Causes, Scenarios = scenarios, Source = p.Source,
                    NextStep = next.Text, NextCommand = next.Command, Runtime = seen?.Pattern.Runtime, Matched = seen?.Matched, PatternSource = seen?.Pattern.Source,
                    Note = seen?.Pattern.Note, LinePlatformKind = seen?.Platform,
                };
            }
            else if (entry.GapOn(os) is { } gap)
            {
                yield return new ErrorInfo
                {
                    Key = entry.Key, PlatformKind = os, Message = gap.Statement,
                    Summary = entry.Summary, Causes = entry.Causes, Scenarios = scenarios, Source = gap.Source,
                    NextStep = next.Text, NextCommand = next.Command, Runtime = seen?.Pattern.Runtime, Matched = seen?.Matched, PatternSource = seen?.Pattern.Source,
                    Note = seen?.Pattern.Note, LinePlatformKind = seen?.Platform,
                };
            }
        }
    }

    private static List<ErrorEntry> Where(OsPlatform? platform, Func<PlatformError, bool> test) =>
        Entries.Where(e => e.Platforms.Any(p => (platform is null || p.Platform == platform) && test(p))).ToList();

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool TryParseNumber(string q, out int number)
    {
        if (q.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            bool ok = uint.TryParse(q.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hex);
            number = unchecked((int)hex);
            return ok;
        }
        return int.TryParse(q, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
    }

    private static Dictionary<(OsPlatform, int), string> BuildNameIndex()
    {
        var index = new Dictionary<(OsPlatform, int), string>();
        foreach (var p in Entries.SelectMany(e => e.Platforms).Where(p => p.Kind != NumberKind.GaiCode))
        {
            if (!index.TryAdd((p.Platform, p.Number), p.Name))
                throw new InvalidOperationException($"{p.Platform} {p.Number} is both {index[(p.Platform, p.Number)]} and {p.Name}");
        }
        foreach (var (platform, number, name) in OtherNames())
        {
            if (!index.TryAdd((platform, number), name))
                throw new InvalidOperationException($"{platform} {number} is both {index[(platform, number)]} and {name}");
        }
        return index;
    }
}

/// <summary>
/// One error on one platform, flat (every property a scalar) so Format-Table and Export-Csv need no
/// help. A row for a platform that lacks the error has no Name or Number; Message says what it does instead.
/// </summary>
public sealed class ErrorInfo
{
    public string Key { get; init; } = "";
    /// <summary>Linux, macOS or Windows, as a name: JSON and CSV say the same word.</summary>
    public string Platform { get => PlatformKind.ToString(); init => PlatformKind = Enum.Parse<OsPlatform>(value, ignoreCase: true); }
    internal OsPlatform PlatformKind { get; init; }
    public string? Name { get; init; }
    public int? Number { get; init; }
    public string Message { get; init; } = "";
    /// <summary>System.Net.Sockets.SocketError name .NET reports for it on that platform.</summary>
    public string? SocketError { get; init; }
    /// <summary>SocketException.NativeErrorCode .NET shows for it there (rebuilt from SocketError on Unix).</summary>
    public int? NativeErrorCode { get; init; }
    public string Summary { get; init; } = "";
    public string Causes { get; init; } = "";
    /// <summary>Catalogue scenarios that reproduce it, comma-separated.</summary>
    public string Scenarios { get; init; } = "";
    /// <summary>The kernel counters that usually move with this error, on each side of the connection (Get-TcpCounter).</summary>
    public string? Counters => ErrorCatalog.CountersFor(Key);
    public string Source { get; init; } = "";
    /// <summary>The SocketProbe command that tells this error's causes apart (with the endpoint a log line named).</summary>
    public string NextStep { get; init; } = "";
    /// <summary>The first command of <see cref="NextStep"/> alone: one command whose arguments are constants, ready to paste.</summary>
    public string NextCommand { get; init; } = "";
    /// <summary>For a log line: who prints that wording (Go, Node.js, nginx, glibc strerror…); empty otherwise.</summary>
    public string? Runtime { get; init; }
    /// <summary>For a log line: the part of it that was recognised.</summary>
    public string? Matched { get; init; }
    /// <summary>For a log line: where that wording comes from (the runtime's source file or documentation).</summary>
    public string? PatternSource { get; init; }
    /// <summary>For a log line: what the wording means beyond the error (a runtime's own timeout, a proxy's state letters…).</summary>
    public string? Note { get; init; }
    /// <summary>For a log line: the platform its wording or number implies (a Windows text, a Linux errno number), if any.</summary>
    public string? LinePlatform { get => LinePlatformKind?.ToString(); init => LinePlatformKind = string.IsNullOrEmpty(value) ? null : Enum.Parse<OsPlatform>(value, ignoreCase: true); }
    internal OsPlatform? LinePlatformKind { get; init; }

    public override string ToString() => Name is null ? $"{Key} ({Platform}: none)" : $"{Name} ({Platform} {Number})";
}
