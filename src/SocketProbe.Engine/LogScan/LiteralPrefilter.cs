using System.Text;

namespace SocketProbe.Engine.LogScan;

/// <summary>
/// Finds, in UTF-8 bytes, the first place where any of a set of literals occurs: one table step per byte (an
/// Aho-Corasick automaton turned into a DFA over ASCII-folded bytes), so a whole buffer of log text is searched in one
/// pass whatever the number of literals. A literal marked case-sensitive is folded for the search and then checked
/// against the raw bytes. Lines no literal occurs in are never decoded nor matched.
/// </summary>
public sealed class LiteralPrefilter
{
    private readonly byte[] _classOf = new byte[256];   // byte -> column of the table (0: a byte no literal holds)
    private readonly int _columns;
    private readonly int[] _next;                       // state row offset + column -> next state's row offset
    private readonly int _acceptFrom;                   // row offsets at or past this are states where a literal ends
    private readonly (int Length, byte[]? Exact)[][] _endsHere; // per accepting state (by row / columns - first accepting)

    public IReadOnlyList<string> Literals { get; }

    public LiteralPrefilter(IEnumerable<(string Text, bool CaseSensitive)> literals)
    {
        var list = literals.Where(l => l.Text.Length > 0)
            .DistinctBy(l => (l.CaseSensitive ? l.Text : l.Text.ToLowerInvariant(), l.CaseSensitive)).ToList();
        if (list.Count == 0) throw new ArgumentException("at least one literal is needed", nameof(literals));
        Literals = list.Select(l => l.Text).ToList();
        var folded = list.Select(l => Fold(Encoding.UTF8.GetBytes(l.Text))).ToList();

        int columns = 1;
        foreach (var bytes in folded)
            foreach (byte b in bytes)
                if (_classOf[b] == 0) _classOf[b] = (byte)Math.Min(columns++, 255);
        if (columns > 255) throw new ArgumentException("literals use more than 254 distinct bytes", nameof(literals));
        for (int c = 'A'; c <= 'Z'; c++) _classOf[c] = _classOf[c | 0x20];
        _columns = columns;

        // The trie, with what ends at each node.
        var children = new List<int[]> { new int[columns] };
        var outputs = new List<List<int>> { new() };
        for (int i = 0; i < folded.Count; i++)
        {
            int node = 0;
            foreach (byte b in folded[i])
            {
                int c = _classOf[b];
                if (children[node][c] == 0)
                {
                    children.Add(new int[columns]);
                    outputs.Add(new List<int>());
                    children[node][c] = children.Count - 1;
                }
                node = children[node][c];
            }
            outputs[node].Add(i);
        }

        // Breadth-first: failure links, outputs inherited through them, and the missing edges filled in (the DFA).
        var fail = new int[children.Count];
        var queue = new Queue<int>();
        for (int c = 0; c < columns; c++)
            if (children[0][c] != 0) queue.Enqueue(children[0][c]);
        while (queue.Count > 0)
        {
            int node = queue.Dequeue();
            outputs[node].AddRange(outputs[fail[node]]);
            for (int c = 0; c < columns; c++)
            {
                int child = children[node][c];
                if (child != 0)
                {
                    fail[child] = children[fail[node]][c];
                    queue.Enqueue(child);
                }
                else
                {
                    children[node][c] = children[fail[node]][c];
                }
            }
        }

        // Renumber so that accepting states come last: the scan tests one comparison per byte.
        int states = children.Count;
        var order = Enumerable.Range(0, states).OrderBy(s => outputs[s].Count > 0 ? 1 : 0).ThenBy(s => s).ToArray();
        var rank = new int[states];
        for (int r = 0; r < states; r++) rank[order[r]] = r;
        _next = new int[states * columns];
        for (int s = 0; s < states; s++)
            for (int c = 0; c < columns; c++)
                _next[rank[s] * columns + c] = rank[children[s][c]] * columns;
        int firstAccepting = order.TakeWhile(s => outputs[s].Count == 0).Count();
        _acceptFrom = firstAccepting * columns;
        _endsHere = order.Skip(firstAccepting)
            .Select(s => outputs[s].Select(i => (folded[i].Length, list[i].CaseSensitive ? Encoding.UTF8.GetBytes(list[i].Text) : null)).ToArray())
            .ToArray();
        if (rank[0] != 0) throw new InvalidOperationException("the root must stay state 0 (an empty literal?)");
    }

    /// <summary>
    /// The index in <paramref name="text"/> where the first occurrence of a literal ends (its last byte), or -1. The
    /// search starts in the automaton's root at <paramref name="text"/>'s start.
    /// </summary>
    public int IndexOfEnd(ReadOnlySpan<byte> text)
    {
        int state = 0;
        int[] next = _next;
        byte[] classOf = _classOf;
        int acceptFrom = _acceptFrom;
        for (int i = 0; i < text.Length; i++)
        {
            state = next[state + classOf[text[i]]];
            if (state >= acceptFrom && Verified(state, text, i)) return i;
        }
        return -1;
    }

    /// <summary>True when any literal occurs in <paramref name="text"/>.</summary>
    public bool Contains(ReadOnlySpan<byte> text) => IndexOfEnd(text) >= 0;

    /// <summary>True when any literal occurs in <paramref name="text"/> (UTF-16, as a piped string arrives).</summary>
    public bool Contains(string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[] bytes = max <= 4096 ? new byte[max] : new byte[Encoding.UTF8.GetByteCount(text)];
        int n = Encoding.UTF8.GetBytes(text, bytes);
        return Contains(bytes.AsSpan(0, n));
    }

    private bool Verified(int state, ReadOnlySpan<byte> text, int end)
    {
        foreach (var (length, exact) in _endsHere[(state - _acceptFrom) / _columns])
        {
            if (exact is null || text.Slice(end - length + 1, length).SequenceEqual(exact)) return true;
        }
        return false;
    }

    private static byte[] Fold(byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] is >= (byte)'A' and <= (byte)'Z') bytes[i] |= 0x20;
        return bytes;
    }
}
