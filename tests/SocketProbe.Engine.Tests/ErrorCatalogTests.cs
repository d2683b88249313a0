using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SocketProbe.Engine;
using SocketProbe.Engine.Errors;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>A fact that runs on Linux only and reports Skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "checks the catalogue against this Linux system; not Linux";
    }
}

public partial class ErrorCatalogTests
{
    private static readonly OsPlatform[] Platforms = { OsPlatform.Linux, OsPlatform.MacOS, OsPlatform.Windows };

    // The scenario names the error catalogue may cite: the scenario catalogue's own.
    private static readonly HashSet<string> DesignScenarios = new(ScenarioCatalog.Names);

    private static string[] Keys(IEnumerable<ErrorEntry> entries) => entries.Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();

    /// <summary>What <paramref name="query"/> finds (its keys in ordinal order) and how it was matched.</summary>
    private static void AssertLookup(string query, OsPlatform? platform, string[] keys, ErrorMatch how)
    {
        var found = ErrorCatalog.Lookup(query, platform, out var matched);
        Assert.Equal(keys, Keys(found));
        Assert.Equal(how, matched);
    }

    [Theory]
    [InlineData("ECONNRESET", "ECONNRESET")]
    [InlineData("econnreset", "ECONNRESET")]
    [InlineData("WSAECONNRESET", "ECONNRESET")]
    [InlineData("EWOULDBLOCK", "EAGAIN")]
    [InlineData("WSAEWOULDBLOCK", "EAGAIN")]
    [InlineData("WSAHOST_NOT_FOUND", "EAI_NONAME")]
    [InlineData(" EPIPE ", "EPIPE")]
    public void Lookup_by_name(string query, string key)
    {
        AssertLookup(query, null, new[] { key }, ErrorMatch.Name);
    }

    [Theory]
    [InlineData("104", null, "ECONNRESET")]
    [InlineData("10054", null, "ECONNRESET")]
    [InlineData("54", null, "ECONNRESET")]
    [InlineData("54", OsPlatform.MacOS, "ECONNRESET")]
    [InlineData("104", OsPlatform.Linux, "ECONNRESET")]
    [InlineData("10054", OsPlatform.Windows, "ECONNRESET")]
    [InlineData("111", OsPlatform.Linux, "ECONNREFUSED")]
    [InlineData("61", OsPlatform.MacOS, "ECONNREFUSED")]
    [InlineData("11", OsPlatform.Linux, "EAGAIN")]
    [InlineData("35", OsPlatform.MacOS, "EAGAIN")]
    [InlineData("23", OsPlatform.Linux, "ENFILE")]
    [InlineData("-2", null, "EAI_NONAME")]
    [InlineData("0x2746", null, "ECONNRESET")]
    public void Lookup_by_number(string query, OsPlatform? platform, string key)
    {
        AssertLookup(query, platform, new[] { key }, ErrorMatch.Number);
    }

    [Theory]
    [InlineData("104", OsPlatform.MacOS)]
    [InlineData("54", OsPlatform.Linux)]
    [InlineData("10054", OsPlatform.Linux)]
    [InlineData("104", OsPlatform.Windows)]
    [InlineData("99999", null)]
    public void Lookup_by_number_with_a_platform_uses_only_that_platforms_numbers(string query, OsPlatform? platform)
    {
        AssertLookup(query, platform, Array.Empty<string>(), ErrorMatch.None);
    }

    [Theory]
    [InlineData("-131073")]
    [InlineData("0xFFFDFFFF")]
    public void Lookup_finds_the_code_dotnet_makes_up_for_a_failed_name_lookup(string query)
    {
        AssertLookup(query, OsPlatform.Linux, new[] { "EAI_NODATA", "EAI_NONAME" }, ErrorMatch.DotNetNativeErrorCode);
    }

    [Theory]
    [InlineData("ConnectionReset", null, new[] { "ECONNRESET" })]
    [InlineData("connectionrefused", null, new[] { "ECONNREFUSED" })]
    [InlineData("Shutdown", null, new[] { "EPIPE", "ESHUTDOWN" })]
    [InlineData("Shutdown", OsPlatform.Linux, new[] { "EPIPE" })]
    [InlineData("Shutdown", OsPlatform.Windows, new[] { "ESHUTDOWN" })]
    [InlineData("Disconnecting", OsPlatform.Linux, new[] { "ESHUTDOWN" })]
    [InlineData("TooManyOpenSockets", OsPlatform.Linux, new[] { "EMFILE", "ENFILE" })]
    [InlineData("HostNotFound", null, new[] { "EAI_NODATA", "EAI_NONAME" })]
    [InlineData("TryAgain", null, new[] { "EAI_AGAIN" })]
    [InlineData("NoData", null, new[] { "EAI_NODATA" })]
    [InlineData("WouldBlock", null, new[] { "EAGAIN" })]
    public void Lookup_by_dotnet_SocketError_name(string query, OsPlatform? platform, string[] keys)
    {
        AssertLookup(query, platform, keys, ErrorMatch.SocketError);
    }

    [Theory]
    [InlineData("connection reset by peer", "ECONNRESET")]
    [InlineData("Connection reset by peer.", "ECONNRESET")]
    [InlineData("broken pipe", "EPIPE")]
    [InlineData("No route to host", "EHOSTUNREACH")]
    [InlineData("timed out", "ETIMEDOUT")]
    [InlineData("Name or service not known", "EAI_NONAME")]
    [InlineData("can't assign requested", "EADDRNOTAVAIL")]
    public void Lookup_by_message_fragment(string query, string key)
    {
        AssertLookup(query, null, new[] { key }, ErrorMatch.Message);
    }

    [Theory]
    [InlineData("connection reset by peer")]
    [InlineData("broken pipe")]
    public void A_message_answers_for_all_three_platforms(string query)
    {
        var rows = ErrorCatalog.Lookup(query).SelectMany(e => ErrorCatalog.Explain(e)).ToList();
        Assert.Equal(Platforms, rows.Select(r => r.PlatformKind).ToArray());
        Assert.All(rows, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
    }

    [Fact]
    public void Broken_pipe_on_Windows_says_what_Windows_gives_instead()
    {
        var windows = ErrorCatalog.Explain(ErrorCatalog.Lookup("EPIPE").Single(), OsPlatform.Windows).Single();
        Assert.Null(windows.Name);
        Assert.Null(windows.Number);
        Assert.Contains("WSAECONNRESET", windows.Message);
        Assert.Contains("WSAECONNABORTED", windows.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("xy")]
    [InlineData("ENOSUCHERROR")]
    [InlineData("this text is in no message")]
    public void Lookup_of_nothing_known_is_empty(string query)
    {
        AssertLookup(query, null, Array.Empty<string>(), ErrorMatch.None);
    }

    [Theory]
    [InlineData(OsPlatform.Linux, 111, "ECONNREFUSED")]
    [InlineData(OsPlatform.Linux, 104, "ECONNRESET")]
    [InlineData(OsPlatform.Linux, 32, "EPIPE")]
    [InlineData(OsPlatform.Linux, 11, "EAGAIN")]
    [InlineData(OsPlatform.Linux, 1, "EPERM")]
    [InlineData(OsPlatform.Linux, 125, "ECANCELED")]
    [InlineData(OsPlatform.MacOS, 61, "ECONNREFUSED")]
    [InlineData(OsPlatform.MacOS, 54, "ECONNRESET")]
    [InlineData(OsPlatform.MacOS, 35, "EAGAIN")]
    [InlineData(OsPlatform.MacOS, 2, "ENOENT")] // not EAI_AGAIN, which is also 2 on macOS
    [InlineData(OsPlatform.Windows, 10061, "WSAECONNREFUSED")]
    [InlineData(OsPlatform.Windows, 10054, "WSAECONNRESET")]
    [InlineData(OsPlatform.Windows, 10035, "WSAEWOULDBLOCK")]
    [InlineData(OsPlatform.Windows, 11001, "WSAHOST_NOT_FOUND")]
    [InlineData(OsPlatform.Windows, 995, "WSA_OPERATION_ABORTED")]
    public void NameOf_gives_the_platforms_primary_name(OsPlatform platform, int number, string name) =>
        Assert.Equal(name, ErrorCatalog.NameOf(platform, number));

    [Theory]
    [InlineData(OsPlatform.Linux, -2)]
    [InlineData(OsPlatform.Linux, -131073)]
    [InlineData(OsPlatform.Linux, 10054)]
    [InlineData(OsPlatform.Windows, 104)]
    public void NameOf_unknown_numbers_is_null(OsPlatform platform, int number) =>
        Assert.Null(ErrorCatalog.NameOf(platform, number));

    [Fact]
    public void Every_entry_speaks_for_all_three_platforms_with_sources()
    {
        Assert.Equal(ErrorCatalog.Entries.Count, ErrorCatalog.Entries.Select(e => e.Key).Distinct().Count());
        foreach (var e in ErrorCatalog.Entries)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Summary), e.Key);
            Assert.False(string.IsNullOrWhiteSpace(e.Causes), e.Key);
            foreach (var os in Platforms)
            {
                var p = e.On(os);
                var gap = e.GapOn(os);
                Assert.True(p is null ^ gap is null, $"{e.Key} on {os}: needs either an error or a statement that {os} lacks it");
                if (gap is not null)
                {
                    Assert.False(string.IsNullOrWhiteSpace(gap.Statement), $"{e.Key} {os}");
                    Assert.False(string.IsNullOrWhiteSpace(gap.Source), $"{e.Key} {os}");
                }
            }
            foreach (var p in e.Platforms)
            {
                string where = $"{e.Key} on {p.Platform}";
                Assert.False(string.IsNullOrWhiteSpace(p.Name), where);
                Assert.False(string.IsNullOrWhiteSpace(p.Message), where);
                Assert.False(string.IsNullOrWhiteSpace(p.Source), where);
                Assert.True(Enum.TryParse<SocketError>(p.DotNetSocketError, out _), $"{where}: {p.DotNetSocketError} is not a SocketError");
                if (p.Platform == OsPlatform.Windows)
                {
                    Assert.StartsWith("WSA", p.Name);
                    Assert.Equal(NumberKind.WsaCode, p.Kind);
                    // SocketError's values are the WSA codes, so the name and the number must agree.
                    Assert.Equal(p.Number, (int)Enum.Parse<SocketError>(p.DotNetSocketError));
                }
            }
            Assert.All(e.Scenarios, s => Assert.Contains(s, DesignScenarios));
        }
    }

    [Fact]
    public void The_catalogue_covers_the_required_errors()
    {
        string[] required =
        {
            "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EHOSTDOWN", "EPIPE",
            "EAGAIN", "EWOULDBLOCK", "EINPROGRESS", "EALREADY", "EISCONN", "ENOTCONN", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT",
            "EACCES", "EINTR", "EMSGSIZE", "ENOBUFS", "ESHUTDOWN", "EINVAL", "ENETRESET", "EMFILE", "ENFILE",
            "HostNotFound", "TryAgain", "NoData", "WSAHOST_NOT_FOUND", "WSATRY_AGAIN", "WSANO_DATA", "EAI_NONAME", "EAI_AGAIN", "EAI_NODATA",
        };
        Assert.All(required, r => Assert.NotEmpty(ErrorCatalog.Lookup(r)));
    }

    [Theory]
    [InlineData("ECONNRESET", OsPlatform.MacOS, 54)]
    [InlineData("ECONNREFUSED", OsPlatform.MacOS, 61)]
    [InlineData("ETIMEDOUT", OsPlatform.MacOS, 60)]
    [InlineData("EPIPE", OsPlatform.MacOS, 32)]
    [InlineData("EHOSTUNREACH", OsPlatform.MacOS, 65)]
    [InlineData("ENETUNREACH", OsPlatform.MacOS, 51)]
    [InlineData("ECONNABORTED", OsPlatform.Windows, 10053)]
    [InlineData("ECONNRESET", OsPlatform.Windows, 10054)]
    [InlineData("EAI_NONAME", OsPlatform.Windows, 11001)]
    [InlineData("EAI_AGAIN", OsPlatform.Windows, 11002)]
    [InlineData("EAI_NODATA", OsPlatform.Windows, 11004)]
    public void Platform_numbers(string key, OsPlatform platform, int number) =>
        Assert.Equal(number, ErrorCatalog.Lookup(key).Single().On(platform)!.Number);

    [Fact]
    public void Explain_rows_are_flat_and_in_platform_order()
    {
        var rows = ErrorCatalog.Explain(ErrorCatalog.Lookup("ECONNRESET").Single()).ToList();
        Assert.Equal(Platforms, rows.Select(r => r.PlatformKind).ToArray());
        Assert.Equal(new int?[] { 104, 54, 10054 }, rows.Select(r => r.Number).ToArray());
        // The data's own list first, then every scenario seen (Verified) to end in ECONNRESET, catalogue order.
        Assert.All(rows, r => Assert.Equal("PeerKilledWithUnreadData,ServerClosesUnreadRequest,PeerAbort,PeerReboot,WriteAfterReset,UdpPortUnreachable,AcceptOverflowReset,HalfOpenSynRecv,ResetBeforeAccept,AcceptThenReset,ListenerClosedWithQueue,MiddleboxIdleReset", r.Scenarios));
        Assert.All(typeof(ErrorInfo).GetProperties(), prop =>
        {
            var t = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
            Assert.True(t.IsPrimitive || t.IsEnum || t == typeof(string), $"{prop.Name} is {t}");
        });
        Assert.Single(ErrorCatalog.Explain(ErrorCatalog.Lookup("ECONNRESET").Single(), OsPlatform.MacOS));
    }

    [Theory]
    [InlineData(OsPlatform.Linux, 111, "ConnectionRefused", new[] { "ECONNREFUSED" })]
    [InlineData(OsPlatform.Linux, 32, "Shutdown", new[] { "EPIPE" })]
    [InlineData(OsPlatform.Linux, 23, "TooManyOpenSockets", new[] { "EMFILE", "ENFILE" })]
    [InlineData(OsPlatform.Linux, 11, "TryAgain", new[] { "EAI_AGAIN" })]
    [InlineData(OsPlatform.Linux, 11, "WouldBlock", new[] { "EAGAIN" })]
    [InlineData(OsPlatform.Linux, -131073, "HostNotFound", new[] { "EAI_NODATA", "EAI_NONAME" })]
    [InlineData(OsPlatform.MacOS, 35, "TryAgain", new[] { "EAI_AGAIN" })]
    [InlineData(OsPlatform.Windows, 10054, "ConnectionReset", new[] { "ECONNRESET" })]
    [InlineData(OsPlatform.Windows, 10058, "Shutdown", new[] { "ESHUTDOWN" })]
    [InlineData(OsPlatform.Linux, -131074, "SocketError", new string[0])]
    public void FromDotNet_uses_the_number_and_the_SocketError_together(OsPlatform platform, int native, string socketError, string[] keys) =>
        Assert.Equal(keys, Keys(ErrorCatalog.FromDotNet(platform, native, socketError)));

    [Fact]
    public void A_real_refused_connect_is_explained_as_ECONNREFUSED()
    {
        // A loopback port that was bound and closed: nothing listens, the kernel answers RST.
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var ex = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        var entries = ErrorCatalog.FromDotNet(PlatformInfo.Current, ex.NativeErrorCode, ex.SocketErrorCode.ToString());
        Assert.Equal("ECONNREFUSED", Assert.Single(entries).Key);
        Assert.Equal(ex.NativeErrorCode, entries[0].On(PlatformInfo.Current)!.Number);
    }

    /// <summary>
    /// The .NET columns, checked against the .NET running here: raw errno -> SocketError (SocketException()
    /// reads the last P/Invoke error), and SocketError -> rebuilt NativeErrorCode (SocketException(int)).
    /// </summary>
    [Fact]
    public void DotNet_mapping_matches_the_running_runtime_on_this_platform()
    {
        foreach (var e in ErrorCatalog.Entries)
        {
            if (e.On(PlatformInfo.Current) is not { } p) continue;
            var socketError = Enum.Parse<SocketError>(p.DotNetSocketError);
            Assert.True(p.DotNetNativeErrorCode == new SocketException((int)socketError).NativeErrorCode,
                $"{p.Name}: .NET rebuilds NativeErrorCode {new SocketException((int)socketError).NativeErrorCode}, catalogue says {p.DotNetNativeErrorCode}");
            if (p.Kind == NumberKind.GaiCode) continue; // not an errno: .NET maps these in its name resolution code
            Marshal.SetLastPInvokeError(p.Number);
            var raw = new SocketException();
            Assert.True(p.DotNetSocketError == raw.SocketErrorCode.ToString(),
                $"{p.Name} {p.Number}: .NET maps it to {raw.SocketErrorCode}, catalogue says {p.DotNetSocketError}");
        }
    }

    [LinuxFact]
    public void Linux_messages_match_this_systems_strerror_and_gai_strerror()
    {
        foreach (var p in ErrorCatalog.Entries.Select(e => e.On(OsPlatform.Linux)).OfType<PlatformError>())
        {
            string actual = p.Kind == NumberKind.GaiCode
                ? Marshal.PtrToStringAnsi(gai_strerror(p.Number))!
                : Marshal.GetPInvokeErrorMessage(p.Number);
            Assert.True(p.Message == actual, $"{p.Name} {p.Number}: system says \"{actual}\", catalogue \"{p.Message}\"");
        }
    }

    [SkippableFact]
    public void Linux_names_and_numbers_match_this_systems_headers()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "checks the catalogue against this Linux system; not Linux");
        var errno = ReadDefines("/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h");
        var gai = ReadDefines("/usr/include/netdb.h");
        Skip.If(errno.Count == 0 || gai.Count == 0, "no kernel/libc headers installed (linux-libc-dev, libc6-dev): nothing to compare with");
        foreach (var p in ErrorCatalog.Entries.Select(e => e.On(OsPlatform.Linux)).OfType<PlatformError>())
        {
            var table = p.Kind == NumberKind.GaiCode ? gai : errno;
            Assert.True(table.TryGetValue(p.Name, out int n) && n == p.Number, $"{p.Name} {p.Number} is not in this system's headers");
        }
        Assert.Equal(errno["EAGAIN"], errno["EWOULDBLOCK"]);
        foreach (var (name, number) in errno)
        {
            // Every errno this catalogue can name must carry the header's name (EWOULDBLOCK/EDEADLOCK are aliases).
            string? ours = ErrorCatalog.NameOf(OsPlatform.Linux, number);
            if (ours is not null && name is not "EWOULDBLOCK" and not "EDEADLOCK")
                Assert.True(ours == name, $"{number}: header says {name}, catalogue {ours}");
        }
    }

    private static Dictionary<string, int> ReadDefines(params string[] files)
    {
        var defines = new Dictionary<string, int>();
        var aliases = new List<(string, string)>();
        foreach (var file in files.Where(File.Exists))
        {
            foreach (Match m in DefineLine().Matches(File.ReadAllText(file)))
            {
                if (int.TryParse(m.Groups[2].Value, out int n)) defines[m.Groups[1].Value] = n;
                else aliases.Add((m.Groups[1].Value, m.Groups[2].Value));
            }
        }
        foreach (var (name, target) in aliases)
        {
            if (defines.TryGetValue(target, out int n)) defines[name] = n;
        }
        return defines;
    }

    [GeneratedRegex(@"^\s*#\s*define\s+(E[A-Z0-9_]+)\s+(-?\w+)", RegexOptions.Multiline)]
    private static partial Regex DefineLine();

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern IntPtr gai_strerror(int errcode);
}
