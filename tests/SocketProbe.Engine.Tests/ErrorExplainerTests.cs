using System.Net.Sockets;
using SocketProbe.Engine;
using SocketProbe.Engine.Errors;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>What Get-SocketErrorInfo makes of each kind of input: the engine's ErrorExplainer, without PowerShell.</summary>
public class ErrorExplainerTests
{
    private static string[] Keys(ErrorExplanation answer) => answer.Rows.Select(r => r.Key).Distinct().ToArray();

    [Theory]
    [InlineData("ECONNRESET")]
    [InlineData("104")]
    [InlineData("ConnectionReset")]
    [InlineData("connection reset by peer")]
    public void A_name_number_SocketError_or_message_is_read_from_the_catalogue(string query)
    {
        var answer = ErrorExplainer.Query(query, OsPlatform.Linux);
        Assert.Contains("ECONNRESET", Keys(answer));
        Assert.All(answer.Rows, r => Assert.Equal(OsPlatform.Linux, r.Platform));
        Assert.Null(answer.NotFound);
        Assert.Contains("matched by", Assert.Single(answer.Notes));
        Assert.Equal(query, answer.About);
    }

    [Fact]
    public void A_log_line_is_read_by_the_log_patterns_and_names_the_runtime()
    {
        var answer = ErrorExplainer.Query("Error: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:217:20)", null);
        Assert.Equal(new[] { "ECONNRESET" }, Keys(answer));
        Assert.All(answer.Rows, r => Assert.NotNull(r.Runtime));
        Assert.Contains("wording of ECONNRESET", Assert.Single(answer.Notes));
        Assert.Equal(3, answer.Rows.Count); // one per platform
    }

    [Fact]
    public void Text_that_matches_nothing_says_what_would_and_quotes_a_long_input_by_its_start()
    {
        string query = "nothing of the kind " + new string('x', 200);
        var answer = ErrorExplainer.Query(query, OsPlatform.Windows);
        Assert.Empty(answer.Rows);
        Assert.Contains("No socket error matches 'nothing of the kind", answer.NotFound);
        Assert.Contains("(220 characters)", answer.NotFound);
        Assert.Contains(" on Windows.", answer.NotFound);
    }

    [Fact]
    public void A_SocketException_is_found_inside_an_AggregateException_and_read_as_this_platform_reports_it()
    {
        var wrapped = new AggregateException(new InvalidOperationException("outer", new SocketException((int)SocketError.ConnectionRefused)));
        var answer = ErrorExplainer.Exception(wrapped, null);
        Assert.Equal(new[] { "ECONNREFUSED" }, Keys(answer));
        Assert.StartsWith("SocketException ConnectionRefused", Assert.Single(answer.Notes));
        Assert.Same(wrapped, answer.About);
    }

    [Fact]
    public void An_exception_without_a_SocketException_is_not_found_with_its_type_named()
    {
        var answer = ErrorExplainer.Exception(new TimeoutException("slow"), null);
        Assert.Empty(answer.Rows);
        Assert.Equal("No SocketException in this error (System.TimeoutException: slow).", answer.NotFound);
    }

    [Fact]
    public void An_observation_is_read_on_the_platform_it_ran_on_and_one_without_an_error_only_says_so()
    {
        var refused = new Observation { Scenario = "ConnectRefused", Errno = 61, SocketError = "ConnectionRefused", Platform = "macOS 14.5" };
        Assert.Equal(new[] { "ECONNREFUSED" }, Keys(ErrorExplainer.Observation(refused, null)));

        var fine = new Observation { Scenario = "ConnectRefused", Platform = "Linux 6.18" };
        var answer = ErrorExplainer.Observation(fine, null);
        Assert.Empty(answer.Rows);
        Assert.Null(answer.NotFound);
        Assert.EndsWith("no socket error to explain", Assert.Single(answer.Notes));
    }

    [Fact]
    public void A_results_fields_name_first_then_errno_and_the_next_step_names_its_target()
    {
        var fields = new Dictionary<string, object?> { ["ErrnoName"] = "ECONNREFUSED", ["Errno"] = 111, ["SocketError"] = "ConnectionRefused", ["Target"] = "db", ["Port"] = 5432 };
        var answer = ErrorExplainer.Fields(fields, "a result", OsPlatform.Linux)!;
        Assert.Equal(new[] { "ECONNREFUSED" }, Keys(answer));
        Assert.Contains("'db'", answer.Rows[0].NextCommand);
        Assert.Contains("5432", answer.Rows[0].NextCommand);

        // Only a number (as after remoting, a string) with the result's platform.
        var byNumber = ErrorExplainer.Fields(new Dictionary<string, object?> { ["Errno"] = "10061", ["Platform"] = "Windows 11" }, "a result", null)!;
        Assert.Equal(new[] { "ECONNREFUSED" }, Keys(byNumber));
    }

    [Fact]
    public void A_result_without_an_error_says_so_and_an_object_without_the_fields_is_none_of_the_explainers_business()
    {
        var open = new Dictionary<string, object?> { ["ErrnoName"] = null, ["Errno"] = null, ["SocketError"] = "Success", ["Target"] = "db", ["Port"] = 80 };
        var answer = ErrorExplainer.Fields(open, "a result", null)!;
        Assert.Empty(answer.Rows);
        Assert.Equal("db:80: no socket error to explain", Assert.Single(answer.Notes));

        Assert.Null(ErrorExplainer.Fields(new Dictionary<string, object?> { ["Target"] = "db" }, "a thing", null));
    }

    [Fact]
    public void A_value_is_read_by_its_type_and_anything_else_is_left_to_the_caller()
    {
        Assert.Equal(new[] { "ECONNRESET" }, Keys(ErrorExplainer.Value(SocketError.ConnectionReset, OsPlatform.Linux)!));
        Assert.Equal("104", ErrorExplainer.Value(104L, OsPlatform.Linux)!.About);
        Assert.Null(ErrorExplainer.Value(new object(), null));
        Assert.Null(ErrorExplainer.Value(3.5, null));
    }
}
