using Xunit;
using System.Reflection;
using SocketProbe.Engine.Wire;

namespace SocketProbe.Engine.Tests;

/// <summary>The results that carry -Capture/-Trace fields end with them (Export-Csv and Select-Object * follow reflection's order).</summary>
public sealed class WireFieldsResultTests
{
    private static readonly string[] WireColumns = { "SynAckTtl", "ResetTtl", "ResetFrom", "IcmpFrom", "ResetSentByThisHost", "ResetKernelReason" };

    [Theory]
    [InlineData(typeof(Probe.ProbeResult))]
    [InlineData(typeof(Watch.IdleTimeoutResult))]
    [InlineData(typeof(Watch.IdleConnectionResult))]
    [InlineData(typeof(Watch.WatchResult))]
    public void Every_result_with_wire_fields_ends_with_them(Type result)
    {
        Assert.True(typeof(WireFieldsResult).IsAssignableFrom(result));
        string[] names = result.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToArray();
        Assert.Equal(WireColumns, names[^WireColumns.Length..]);
        Assert.Equal(names.Length, names.Distinct().Count());
    }
}
