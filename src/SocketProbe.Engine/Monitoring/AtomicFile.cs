using System.Text;

namespace SocketProbe.Engine.Monitoring;

/// <summary>
/// Writes a whole file so that a reader (node_exporter's textfile collector, a Nagios passive check) sees the
/// old content or the new, never half: a temporary file in the same directory (a rename across file systems
/// is a copy), flushed to disk, then renamed over the target. UTF-8 without BOM: the textfile collector
/// refuses a BOM, which PowerShell's own writers add on Windows PowerShell and some encodings.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void WriteAllText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        // A dot name the collector ignores (it reads *.prom only) and no other writer picks.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                byte[] bytes = Utf8NoBom.GetBytes(text);
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
