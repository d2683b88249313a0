using SocketProbe.Engine;
using SocketProbe.Engine.Scenarios;
using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>SendBufferFull's own row: how many sends the kernel took before the buffer was full.</summary>
public class SendBufferFullTests
{
    [Fact]
    public void SendBufferFull_says_Success_only_when_a_send_was_accepted()
    {
        var refused = new Observation { Step = 2, Actor = "Client", Operation = "Send", Result = "Error", ErrnoName = "EAGAIN", Errno = 11 };
        Observation none = SendBufferFull.AcceptedRun(0, 0, 0, refused, null);
        Assert.Equal(1, none.Step);
        Assert.NotEqual(Results.Success, none.Result);
        Assert.Equal("EAGAIN", none.ErrnoName);
        Observation some = SendBufferFull.AcceptedRun(5, 5_120, 0.5, refused, null);
        Assert.Equal(Results.Success, some.Result);
        Assert.Equal(5_120, some.Bytes);
        Assert.NotEqual(Results.Success, SendBufferFull.AcceptedRun(0, 0, 0, null, null).Result);
    }
}
