using SocketProbe.Engine.Monitoring;
using SocketProbe.Engine.Probe;

namespace SocketProbe;

/// <summary>What -As writes the health verdicts as.</summary>
public enum MonitoringFormat
{
    /// <summary>Prometheus text exposition (node_exporter's textfile collector).</summary>
    Prometheus,
    /// <summary>A Nagios / Icinga plugin's line, with its exit code in $LASTEXITCODE.</summary>
    Nagios,
}

/// <summary>check_tcp's -r: the Nagios state of a refused connect.</summary>
public enum RefusedState
{
    Ok = NagiosState.Ok,
    Warning = NagiosState.Warning,
    Critical = NagiosState.Critical,
}

/// <summary>What -As asked for: the format, the file, and check_tcp's knobs.</summary>
internal sealed record MonitoringRequest(MonitoringFormat Format, string? OutFile, NagiosOptions Nagios);

/// <summary>
/// The cmdlet side of -As Prometheus|Nagios: the engine formats (Engine/Monitoring), this writes the text to the
/// pipeline or atomically to -OutFile, and for Nagios sets $global:LASTEXITCODE to the plugin's exit code, which a
/// wrapper passes on with `exit $LASTEXITCODE` (a cmdlet cannot end its host process, nor should it).
/// </summary>
internal static class MonitoringOutput
{
    public static void Write(PSCmdlet cmdlet, MonitoringFormat format, string? outFile, IReadOnlyList<HealthCheck> checks,
        double durationSeconds, NagiosOptions options)
    {
        string text;
        int? exitCode = null;
        if (format == MonitoringFormat.Prometheus)
        {
            text = PrometheusText.Write(checks, durationSeconds);
        }
        else
        {
            var (state, report) = NagiosCheck.Report(checks, options);
            text = report;
            exitCode = (int)state;
        }
        if (outFile is null)
        {
            foreach (string line in text.TrimEnd('\n').Split('\n')) cmdlet.WriteObject(line);
        }
        else
        {
            string path = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(outFile);
            try
            {
                AtomicFile.WriteAllText(path, text);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (exitCode is not null) SetExitCode(cmdlet, (int)NagiosState.Unknown);
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "OutFileNotWritten", ErrorCategory.WriteError, outFile));
            }
        }
        if (exitCode is int code) SetExitCode(cmdlet, code);
    }

    /// <summary>No verdict at all (every target rejected as bad input): Nagios UNKNOWN, never an unhealthy target's code.</summary>
    public static void NothingProbed(PSCmdlet cmdlet, MonitoringFormat format)
    {
        if (format == MonitoringFormat.Nagios) SetExitCode(cmdlet, (int)NagiosState.Unknown);
    }

    private static void SetExitCode(PSCmdlet cmdlet, int code) => cmdlet.SessionState.PSVariable.Set("global:LASTEXITCODE", code);
}
