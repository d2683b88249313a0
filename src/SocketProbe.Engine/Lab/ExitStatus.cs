namespace SocketProbe.Engine.Lab;

/// <summary>How a child process ended, decoded from the raw wait status the OS gave waitpid(2).</summary>
public sealed record ExitStatus(bool Signaled, int Code, bool CoreDumped, int? RawStatus)
{
    /// <summary>Decode a wait status (WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG/WCOREDUMP).</summary>
    public static ExitStatus FromWaitStatus(int status)
    {
        int low = status & 0x7f;
        return low == 0
            ? new ExitStatus(false, (status >> 8) & 0xff, false, status)
            : new ExitStatus(true, low, (status & 0x80) != 0, status);
    }

    /// <summary>"killed by signal 13 (SIGPIPE), wait status 0x000d" or "exited with code 0, wait status 0x0000".</summary>
    public string Describe()
    {
        string what = Signaled
            ? $"killed by signal {Code} ({Native.Libc.SignalName(Code)}){(CoreDumped ? ", core dumped" : "")}"
            : $"exited with code {Code}";
        return RawStatus is int raw ? $"{what}, wait status 0x{raw:x4}" : what;
    }
}
