using System.Net.Sockets;
using SocketProbe.Engine.Probe;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class ProbeClassifierTests
{
    [Theory]
    [InlineData(SocketError.Success, ProbeOutcome.Open, "syn-ack")]
    [InlineData(SocketError.ConnectionRefused, ProbeOutcome.Refused, "conn-refused")]
    [InlineData(SocketError.TimedOut, ProbeOutcome.TimedOut, "no-response")]
    [InlineData(SocketError.HostUnreachable, ProbeOutcome.HostUnreachable, "host-unreach")]
    [InlineData(SocketError.HostDown, ProbeOutcome.HostUnreachable, "host-unreach")]
    [InlineData(SocketError.NetworkUnreachable, ProbeOutcome.NetworkUnreachable, "net-unreach")]
    [InlineData(SocketError.NetworkDown, ProbeOutcome.NetworkUnreachable, "net-unreach")]
    [InlineData(SocketError.HostNotFound, ProbeOutcome.NameNotResolved, "no-resolve")]
    [InlineData(SocketError.TryAgain, ProbeOutcome.NameNotResolved, "no-resolve")]
    [InlineData(SocketError.NoData, ProbeOutcome.NameNotResolved, "no-resolve")]
    [InlineData(SocketError.AccessDenied, ProbeOutcome.LocalError, "local-error")]   // EACCES binding -SourcePort 80 unprivileged: nothing sent
    [InlineData(SocketError.InvalidArgument, ProbeOutcome.LocalError, "local-error")] // EINVAL: fe80::1 without a scope id
    [InlineData(SocketError.OperationNotSupported, ProbeOutcome.Error, "error")]
    [InlineData(SocketError.AddressNotAvailable, ProbeOutcome.LocalError, "local-limit")]
    [InlineData(SocketError.TooManyOpenSockets, ProbeOutcome.LocalError, "local-limit")]
    [InlineData(SocketError.NoBufferSpaceAvailable, ProbeOutcome.LocalError, "local-limit")]
    [InlineData(SocketError.AddressFamilyNotSupported, ProbeOutcome.LocalError, "local-limit")]
    [InlineData(SocketError.ConnectionReset, ProbeOutcome.Reset, "reset")] // an RST that beat the connect's completion
    public void Maps_the_socket_error_to_outcome_and_nmap_reason(SocketError error, ProbeOutcome outcome, string reason)
    {
        var (o, r) = ProbeClassifier.Classify(error);
        Assert.Equal(outcome, o);
        Assert.Equal(reason, r);
    }
}
