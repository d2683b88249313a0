using System.Buffers;
using System.IO.Compression;
using System.Text;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.LogScan;

/// <summary>One line of a log that carries a socket error: where it is, when it was written, what it means.</summary>
public sealed class LogLineError
{
    public string Path { get; init; } = "";
    public long LineNumber { get; init; }
    /// <summary>
    /// The time written in the line: ISO 8601 UTC with milliseconds, as every SocketProbe time (a line without an offset
    /// is read in this computer's zone); empty when it has none.
    /// </summary>
    public string? Time { get => Probe.ProbeResult.Iso(WrittenAt); init => WrittenAt = Probe.ProbeResult.ParseIso(value); }
    /// <summary>The line's time, UTC (<see cref="LineTime"/>).</summary>
    internal DateTime? WrittenAt { get; init; }
    public string Key { get; init; } = "";
    /// <summary>The error's Linux name (errno), or the key when Linux has none (EOF, getaddrinfo codes).</summary>
    public string Name { get; init; } = "";
    /// <summary>Who prints that wording (Go, Node.js, nginx, glibc strerror…).</summary>
    public string Runtime { get; init; } = "";
    /// <summary>The part of the line that was recognised.</summary>
    public string Matched { get; init; } = "";
    /// <summary>Other errors the same line names (comma-separated), when it names more than one.</summary>
    public string? OtherKeys { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string Summary { get; init; } = "";
    public string Causes { get; init; } = "";
    public string? Note { get; init; }
    public string NextStep { get; init; } = "";
    public string NextCommand { get; init; } = "";
    public string Scenarios { get; init; } = "";
    /// <summary>The line itself, cut at <see cref="LogScanner.LineKept"/> characters.</summary>
    public string Line { get; init; } = "";

    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}:{LineNumber} {Key}";
}

/// <summary>Why a file could not be scanned: missing, unreadable, not text, or a broken .gz.</summary>
public sealed class LogFileException : IOException
{
    public LogFileProblem Problem { get; }
    public LogFileException(LogFileProblem problem, string message, Exception? inner = null) : base(message, inner) => Problem = problem;
}

public enum LogFileProblem { NotFound, Denied, Binary, Corrupt, Unreadable }

/// <summary>
/// Reads a log file (plain, or gzip by its magic bytes; UTF-8, or UTF-16 with a byte-order mark) as a stream of
/// bytes, never whole: a prefilter finds the lines that hold a word some error pattern needs, and only those lines are
/// decoded and matched (<see cref="LogPatterns.Match"/>). Memory is one buffer (1 MiB, grown only for a longer line).
/// </summary>
public sealed class LogScanner
{
    private const int BufferSize = 1 << 20;
    /// <summary>A line longer than this is read in pieces of this size (each piece matched on its own).</summary>
    public const int MaxLine = 64 << 20;
    /// <summary>How much of a line <see cref="LogLineError.Line"/> keeps.</summary>
    public const int LineKept = 2000;
    /// <summary>A NUL byte in the first this many bytes means the file is not text.</summary>
    private const int SniffLength = 8192;

    public static LogScanner Default { get; } = new();

    public LiteralPrefilter Prefilter { get; }

    public LogScanner() => Prefilter = new LiteralPrefilter(PrefilterLiterals());

    /// <summary>
    /// Every literal one of which each match of <see cref="LogPatterns.Match"/> contains: each pattern's anchors (exact
    /// case for an expression that is itself case-sensitive) and every message text. A line with none of them cannot match.
    /// </summary>
    public static IEnumerable<(string Text, bool CaseSensitive)> PrefilterLiterals() =>
        LogPatterns.All.SelectMany(p => p.Anchors.Select(a => (a, p.Expression.StartsWith("(?-i)", StringComparison.Ordinal))))
            .Concat(LogPatterns.MessageTexts.Select(t => (t, false)));

    /// <summary>The errors in a file, in line order.</summary>
    public IEnumerable<LogLineError> Scan(string path, CancellationToken token = default)
    {
        DateTime? written = File.Exists(path) ? File.GetLastWriteTime(path) : null;
        using Stream stream = OpenDecoded(path);
        foreach (var hit in Scan(stream, path, new LineTime(written), token)) yield return hit;
    }

    /// <summary>The errors in a stream of UTF-8 text, in line order; <paramref name="path"/> only labels them.</summary>
    public IEnumerable<LogLineError> Scan(Stream text, string path, LineTime times, CancellationToken token = default)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int filled = 0;
            long lineNumber = 1;   // the number of the line that starts at buffer[0]
            bool first = true, atEnd = false;
            int skip = 0;          // a UTF-8 byte-order mark at the file's start
            var found = new List<LogLineError>();
            while (!atEnd)
            {
                token.ThrowIfCancellationRequested();
                int read = Read(text, buffer, filled, path);
                atEnd = read == 0;
                filled += read;
                if (first && filled > 0)
                {
                    first = false;
                    CheckText(buffer.AsSpan(0, Math.Min(filled, SniffLength)), path);
                    if (buffer.AsSpan(0, filled).StartsWith("\uFEFF"u8)) skip = 3;
                }
                int end = atEnd ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (end == 0 && !atEnd)
                {
                    if (filled < buffer.Length) continue;            // no whole line yet: read more
                    if (buffer.Length < MaxLine) { buffer = Grow(buffer, filled); continue; }
                    end = filled;                                     // a line longer than MaxLine: this piece alone
                }
                lineNumber = ScanLines(buffer.AsSpan(skip, end - skip), lineNumber, path, times, found);
                skip = 0;
                foreach (var hit in found) yield return hit;
                found.Clear();
                buffer.AsSpan(end, filled - end).CopyTo(buffer);
                filled -= end;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The errors in <paramref name="text"/>, whole lines, whose first line is number <paramref name="lineNumber"/>.
    /// Returns the number of the line after them. Lines no prefilter literal occurs in are only counted.
    /// </summary>
    private long ScanLines(ReadOnlySpan<byte> text, long lineNumber, string path, LineTime times, List<LogLineError> found)
    {
        int position = 0, counted = 0;
        while (position < text.Length)
        {
            int hit = Prefilter.IndexOfEnd(text[position..]);
            if (hit < 0) break;
            hit += position;
            int lineStart = position + text[position..hit].LastIndexOf((byte)'\n') + 1;
            int newline = text[hit..].IndexOf((byte)'\n');
            int lineEnd = newline < 0 ? text.Length : hit + newline;
            lineNumber += text[counted..lineStart].Count((byte)'\n');
            counted = lineStart;
            if (Explain(text[lineStart..lineEnd], lineNumber, path, times) is { } error) found.Add(error);
            position = lineEnd + 1;
        }
        return lineNumber + text[counted..].Count((byte)'\n');
    }

    private static LogLineError? Explain(ReadOnlySpan<byte> lineBytes, long lineNumber, string path, LineTime times)
    {
        if (lineBytes.Length > 0 && lineBytes[^1] == (byte)'\r') lineBytes = lineBytes[..^1];
        string line = Encoding.UTF8.GetString(lineBytes);
        return ExplainLine(line, lineNumber, path, times);
    }

    /// <summary>One line as a <see cref="LogLineError"/>, or null when it names no socket error.</summary>
    public static LogLineError? ExplainLine(string line, long lineNumber, string path, LineTime times)
    {
        var matches = LogPatterns.Match(line);
        if (matches.Count == 0) return null;
        LogMatch first = matches[0];
        ErrorEntry entry = first.Entry;
        NextStep next = NextSteps.For(entry, first.Host, first.Port);
        return new LogLineError
        {
            Path = path, LineNumber = lineNumber, WrittenAt = times.Parse(line),
            Key = entry.Key, Name = entry.On(OsPlatform.Linux)?.Name ?? entry.Key,
            Runtime = first.Pattern.Runtime, Matched = first.Matched,
            OtherKeys = matches.Count > 1 ? string.Join(",", matches.Skip(1).Select(m => m.Entry.Key)) : null,
            Host = first.Host, Port = first.Port,
            Summary = entry.Summary, Causes = entry.Causes, Note = first.Pattern.Note,
            NextStep = next.Text, NextCommand = next.Command, Scenarios = string.Join(",", entry.Scenarios),
            Line = line.Length <= LineKept ? line : line[..LineKept],
        };
    }

    /// <summary>
    /// The file as UTF-8 text: gunzipped when it starts with gzip's magic bytes, transcoded when it starts with a
    /// UTF-16 byte-order mark. Missing and unreadable files throw <see cref="LogFileException"/>.
    /// </summary>
    public static Stream OpenDecoded(string path)
    {
        Span<byte> head = stackalloc byte[2];
        bool gzip, utf16le, utf16be;
        using (Stream sniff = Open(path, decompress: null))
        {
            gzip = sniff.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1f && head[1] == 0x8b;
        }
        using (Stream sniff = Open(path, gzip))
        {
            int n = ReadAtLeastChecked(sniff, head, path);
            utf16le = n == 2 && head[0] == 0xFF && head[1] == 0xFE;
            utf16be = n == 2 && head[0] == 0xFE && head[1] == 0xFF;
        }
        Stream stream = Open(path, gzip);
        if (utf16le || utf16be)
        {
            stream = Encoding.CreateTranscodingStream(stream, utf16le ? Encoding.Unicode : Encoding.BigEndianUnicode, Encoding.UTF8);
        }
        return stream;
    }

    private static Stream Open(string path, bool? decompress)
    {
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            return decompress == true ? new GZipStream(file, CompressionMode.Decompress) : file;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LogFileException(LogFileProblem.NotFound, $"Cannot find the log file '{path}'.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LogFileException(LogFileProblem.Denied, $"Cannot read '{path}': access denied ({e.Message}).", e);
        }
        catch (IOException e) when (e is not LogFileException)
        {
            throw new LogFileException(LogFileProblem.Unreadable, $"Cannot read '{path}': {e.Message}", e);
        }
    }

    private static int ReadAtLeastChecked(Stream stream, Span<byte> into, string path)
    {
        try { return stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false); }
        catch (InvalidDataException e) { throw Corrupt(path, e); }
    }

    private static int Read(Stream stream, byte[] buffer, int offset, string path)
    {
        try { return stream.Read(buffer, offset, buffer.Length - offset); }
        catch (InvalidDataException e) { throw Corrupt(path, e); }
        catch (IOException e) when (e is not LogFileException)
        {
            throw new LogFileException(LogFileProblem.Unreadable, $"Cannot read '{path}': {e.Message}", e);
        }
    }

    private static LogFileException Corrupt(string path, Exception e) =>
        new(LogFileProblem.Corrupt, $"'{path}' starts as gzip but does not decompress: {e.Message}", e);

    /// <summary>A log is text: a NUL byte near the start means a binary file (or UTF-16 without a byte-order mark).</summary>
    private static void CheckText(ReadOnlySpan<byte> head, string path)
    {
        if (head.StartsWith("\uFEFF"u8)) return;
        int nul = head.IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new LogFileException(LogFileProblem.Binary,
                $"'{path}' is not a text log: it holds a NUL byte at offset {nul} (a binary file, or UTF-16 text without a byte-order mark).");
        }
    }

    private static byte[] Grow(byte[] buffer, int filled)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxLine));
        buffer.AsSpan(0, filled).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
