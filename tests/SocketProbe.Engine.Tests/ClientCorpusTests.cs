using SocketProbe.Engine.Errors;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// Every line of the client corpus (tests/corpus): lines real clients printed here against real failures
/// (client-lines.tsv, made by New-ClientCorpus.sh) and wordings taken from the runtimes' and proxies' source
/// (source-lines.tsv). Each line must get exactly the errors it can stand for, and the runtime that printed it.
/// </summary>
public class ClientCorpusTests
{
    /// <summary>One corpus line: its text, who printed it, the error the failure made, the answer expected, the runtime to name.</summary>
    public sealed record CorpusLine(string File, int Number, string Line, string Client, string Failure, string Truth, string Keys, string Runtime)
    {
        public IReadOnlySet<string> ExpectedKeys => Keys == "-" ? new HashSet<string>() : Keys.Split('+').ToHashSet();
        public override string ToString() => $"{File}:{Number} [{Client}, {Failure}] {Line}";
    }

    public static IReadOnlyList<CorpusLine> Read(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "corpus", file);
        var rows = new List<CorpusLine>();
        string[] header = Array.Empty<string>();
        int number = 0;
        foreach (string text in File.ReadLines(path))
        {
            number++;
            if (text.StartsWith('#') || text.Length == 0) continue;
            string[] cells = text.Split('\t');
            if (header.Length == 0) { header = cells; continue; }
            string Cell(string name) => cells[Array.IndexOf(header, name)];
            rows.Add(new CorpusLine(file, number, Cell("line"), Cell("client"), Cell("failure"), Cell("truth"), Cell("keys"), Cell("runtime")));
        }
        return rows;
    }

    public static IEnumerable<CorpusLine> All => Read("client-lines.tsv").Concat(Read("source-lines.tsv"));

    /// <summary>What is wrong with the explanation of one line, or null when it is right.</summary>
    public static string? Wrong(CorpusLine row)
    {
        var matches = LogPatterns.Match(row.Line);
        var answered = matches.Select(m => m.Entry.Key).ToHashSet();
        if (!answered.SetEquals(row.ExpectedKeys))
        {
            return $"answered [{string.Join(", ", answered)}], expected [{string.Join(", ", row.ExpectedKeys)}]: {row}";
        }
        if (matches.Count > 0 && row.Runtime.Length > 0 && !matches[0].Pattern.Runtime.Contains(row.Runtime, StringComparison.OrdinalIgnoreCase))
        {
            return $"runtime '{matches[0].Pattern.Runtime}' ({matches[0].Pattern.Id}), expected '{row.Runtime}': {row}";
        }
        return null;
    }

    [Fact]
    public void Every_line_gets_the_errors_it_can_stand_for_and_its_runtime()
    {
        var wrong = All.Select(Wrong).OfType<string>().ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} corpus lines explained wrong:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_expected_answer_holds_the_error_the_failure_made()
    {
        // The corpus's own consistency: a line's expected errors include what really happened (truth: one of a/b/c).
        var inconsistent = All.Where(r => r.Keys != "-" && !r.Truth.Split('/').Any(r.ExpectedKeys.Contains)).ToList();
        Assert.Empty(inconsistent);
    }

    [Fact]
    public void The_corpus_covers_every_failure_and_client()
    {
        var real = Read("client-lines.tsv");
        string[] failures = { "refused", "reset-after-request", "fin-no-answer", "write-after-close", "silent-server", "dropped-syn", "icmp-unreachable", "name-nxdomain", "name-no-resolver" };
        Assert.All(failures, f => Assert.Contains(real, r => r.Failure == f));
        string[] runtimes = { "curl", "Python", "Node.js", "Go", "Java", ".NET", "redis-cli", "PostgreSQL", "socat", "netcat" };
        Assert.All(runtimes, rt => Assert.Contains(real, r => r.Runtime == rt && r.Keys != "-"));
    }
}
