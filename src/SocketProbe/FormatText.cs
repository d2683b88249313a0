using System.Text;

namespace SocketProbe;

/// <summary>
/// Text the format views share ([SocketProbe.FormatText]::Wrap in *.Format.ps1xml): PowerShell's own table wrap
/// cuts words at the column's edge, so a view that puts a long note under its row wraps it here, by words.
/// </summary>
public static class FormatText
{
    /// <summary>
    /// <paramref name="text"/> in lines of at most <paramref name="width"/> characters, each after
    /// <paramref name="indent"/>, broken between words only (a word longer than a line stands alone, whole).
    /// </summary>
    public static string Wrap(string? text, int width, string indent)
    {
        var lines = new StringBuilder();
        var row = new StringBuilder();
        foreach (string word in (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (row.Length > 0 && indent.Length + row.Length + 1 + word.Length > width)
            {
                lines.Append(indent).Append(row).Append(Environment.NewLine);
                row.Clear();
            }
            if (row.Length > 0) row.Append(' ');
            row.Append(word);
        }
        if (row.Length > 0) lines.Append(indent).Append(row);
        return lines.ToString().TrimEnd();
    }
}
