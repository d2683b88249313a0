using SocketProbe.Engine.Lab;
using Xunit;

namespace SocketProbe.Engine.Tests;

public class ChildProcessTests
{
    [Fact]
    public async Task A_failed_childs_message_holds_its_last_stderr_line_even_when_its_exit_is_reaped_first()
    {
        if (!OperatingSystem.IsLinux()) return;
        // The child's last words and its exit race our stderr reader: the exit is reaped as soon as the
        // child ends, the pipe's last line may still be unread. The error message must not lose it.
        for (int i = 0; i < 20; i++)
        {
            using var child = await ChildProcess.StartAsync("/bin/sh", ["-c", "echo 'simulated lab failure' >&2; exit 1"]);
            ExitStatus status = await child.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, status.Code);
            Assert.Contains("simulated lab failure", await child.FinalErrorTextAsync(TimeSpan.FromSeconds(5)));
        }
    }
}
