using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Probe;

/// <summary>
/// Probes real targets: per round, resolves every target, then connects every (target, port,
/// address) under one SemaphoreSlim(ThrottleLimit), each connect bounded by TimeoutMs.
/// <para>
/// Output order is stable whatever finishes first: rounds in turn; within a round, targets in the
/// order given, then ports in the order given, then addresses in the resolver's order. Each result
/// is handed on as soon as it and every result before it are in, so a slow address delays the
/// output (not the probing) of those after it.
/// </para>
/// </summary>
public static class Prober
{
    /// <param name="roundDone">Called with the round number after each round (for progress).</param>
    public static async Task RunAsync(ProbeRequest request, Action<ProbeResult> sink, ILogger logger,
        CancellationToken token, ProbeResolver.Lookup? lookup = null, Action<int>? roundDone = null)
    {
        request.Validate();
        lookup ??= ProbeResolver.System;
        await ProbeWarmup.EnsureAsync().WaitAsync(token).ConfigureAwait(false);
        using var throttle = new SemaphoreSlim(request.ThrottleLimit, request.ThrottleLimit);
        int rounds = request.Continuous ? int.MaxValue : request.Count;
        long roundStart = 0;
        for (int sequence = 1; sequence <= rounds; sequence++)
        {
            if (sequence > 1)
            {
                // -IntervalMs is between round starts; rounds never overlap.
                TimeSpan wait = TimeSpan.FromMilliseconds(request.IntervalMs) - Stopwatch.GetElapsedTime(roundStart);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, token).ConfigureAwait(false);
            }
            token.ThrowIfCancellationRequested();
            roundStart = Stopwatch.GetTimestamp();
            var round = new Round(request, sequence, throttle, lookup, logger, token);
            await round.RunAsync(sink).ConfigureAwait(false);
            logger.LogDebug("Round {Sequence} done in {Ms:F1} ms", sequence, Stopwatch.GetElapsedTime(roundStart).TotalMilliseconds);
            roundDone?.Invoke(sequence);
        }
    }

    private sealed class Round
    {
        private readonly ProbeRequest _request;
        private readonly int _sequence;
        private readonly SemaphoreSlim _throttle;
        private readonly ProbeResolver.Lookup _lookup;
        private readonly ILogger _logger;
        private readonly CancellationToken _token;

        public Round(ProbeRequest request, int sequence, SemaphoreSlim throttle, ProbeResolver.Lookup lookup, ILogger logger, CancellationToken token)
        {
            _request = request;
            _sequence = sequence;
            _throttle = throttle;
            _lookup = lookup;
            _logger = logger;
            _token = token;
        }

        public async Task RunAsync(Action<ProbeResult> sink)
        {
            // Start everything at once (the semaphore meters it), then emit in order.
            Task<Task<ProbeResult>[]>[] targets = _request.Tasks.Select(StartTargetAsync).ToArray();
            try
            {
                foreach (var target in targets)
                {
                    foreach (var attempt in await target.ConfigureAwait(false))
                    {
                        sink(await attempt.ConfigureAwait(false));
                    }
                }
            }
            finally
            {
                // Also on Ctrl+C or a failing sink: no attempt (and so no socket) outlives the round.
                foreach (var target in targets)
                {
                    try
                    {
                        foreach (var attempt in await target.ConfigureAwait(false))
                        {
                            try { await attempt.ConfigureAwait(false); } catch (Exception) { /* already reported by the loop above */ }
                        }
                    }
                    catch (Exception) { /* already reported by the loop above */ }
                }
            }
        }

        private async Task<Task<ProbeResult>[]> StartTargetAsync(ProbeTask task)
        {
            Resolution resolution;
            if (task.Target.IsLiteral || ProbeResolver.IsLocalhostName(task.Target.Host))
            {
                resolution = await ProbeResolver.ResolveAsync(task.Target, _request.AddressFamily, _request.TimeoutMs, _lookup, _token).ConfigureAwait(false);
            }
            else
            {
                await _throttle.WaitAsync(_token).ConfigureAwait(false);
                try
                {
                    resolution = await ProbeResolver.ResolveAsync(task.Target, _request.AddressFamily, _request.TimeoutMs, _lookup, _token).ConfigureAwait(false);
                }
                finally
                {
                    _throttle.Release();
                }
            }

            LogResolution(task.Target, resolution);
            if (resolution.Addresses.Count == 0)
            {
                return task.Ports.Select(port => Task.FromResult(NotResolved(task.Target, port, resolution))).ToArray();
            }
            var attempts = new Task<ProbeResult>[task.Ports.Count * resolution.Addresses.Count];
            int i = 0;
            foreach (int port in task.Ports)
            {
                foreach (IPAddress address in resolution.Addresses)
                {
                    attempts[i++] = AttemptAsync(task.Target, address, port, resolution.DnsMs);
                }
            }
            return attempts;
        }

        private void LogResolution(ProbeTarget target, Resolution resolution)
        {
            var level = _sequence == 1 ? LogLevel.Information : LogLevel.Debug;
            if (!_logger.IsEnabled(level) || target.IsLiteral) return;
            if (resolution.Addresses.Count == 0)
            {
                _logger.Log(level, "{Target}: no address ({Error}: {Message}) after {DnsMs:F3} ms", target.Host,
                    resolution.Error?.ToString() ?? "none", resolution.Message, resolution.DnsMs);
            }
            else
            {
                _logger.Log(level, "{Target} -> {Addresses} ({Source}, {DnsMs:F3} ms)", target.Host,
                    string.Join(", ", resolution.Addresses), resolution.Source, resolution.DnsMs);
            }
        }

        private ProbeResult NotResolved(ProbeTarget target, int port, Resolution resolution) => new()
        {
            Target = target.Host,
            Port = port,
            Sequence = _sequence,
            Timestamp = resolution.Timestamp,
            Outcome = ProbeOutcome.NameNotResolved,
            Reason = ProbeClassifier.NoResolve,
            SocketError = resolution.Error?.ToString(),
            // .NET does not pass getaddrinfo's EAI code on (NativeErrorCode is its own marker on Unix),
            // so there is no errno to report; Message carries the resolver's text.
            Errno = OperatingSystem.IsWindows() ? resolution.NativeError : null,
            ErrnoName = OperatingSystem.IsWindows() && resolution.NativeError is int n ? ErrorCatalog.NameOf(PlatformInfo.Current, n) : null,
            Message = resolution.Message,
            DnsMs = resolution.DnsMs,
        };

        private async Task<ProbeResult> AttemptAsync(ProbeTarget target, IPAddress address, int port, double dnsMs)
        {
            await _throttle.WaitAsync(_token).ConfigureAwait(false);
            try
            {
                var result = new ProbeResult
                {
                    Target = target.Host,
                    Address = address.ToString(),
                    AddressFamily = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
                    Port = port,
                    Sequence = _sequence,
                    DnsMs = dnsMs,
                    Timestamp = DateTime.UtcNow,
                };
                Socket socket;
                try
                {
                    socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                }
                catch (SocketException ex)
                {
                    // e.g. IPv6 switched off on this host: nothing was sent.
                    Fail(result, ex);
                    return result;
                }
                using (socket)
                {
                    await ConnectAsync(socket, new IPEndPoint(address, port), result).ConfigureAwait(false);
                    IPEndPoint? local = SocketName.Local(socket);
                    result.LocalAddress = local?.Address.ToString();
                    result.LocalPort = local?.Port;
                    _request.Wire?.Annotate(result, local, new IPEndPoint(address, port));
                }
                _logger.LogDebug("{Result}", result);
                return result;
            }
            finally
            {
                _throttle.Release();
            }
        }

        private async Task ConnectAsync(Socket socket, IPEndPoint endpoint, ProbeResult result)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_token);
            bound.CancelAfter(_request.TimeoutMs);
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                await socket.ConnectAsync(endpoint, bound.Token).ConfigureAwait(false);
                result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                (result.Outcome, result.Reason) = (ProbeOutcome.Open, ProbeClassifier.SynAck);
            }
            catch (SocketException ex)
            {
                result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                Fail(result, ex);
            }
            catch (OperationCanceledException) when (!_token.IsCancellationRequested)
            {
                result.ConnectMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                (result.Outcome, result.Reason) = (ProbeOutcome.TimedOut, ProbeClassifier.NoResponse);
                result.Message = $"no answer within our bound of {_request.TimeoutMs} ms; the kernel returned nothing";
            }
        }

        private static void Fail(ProbeResult result, SocketException ex)
        {
            (result.Outcome, result.Reason) = ProbeClassifier.Classify(ex.SocketErrorCode);
            result.SocketError = ex.SocketErrorCode.ToString();
            // On Unix .NET rebuilds the errno from SocketError (SocketErrorPal.Unix.cs); on Windows it is the WSA code.
            result.Errno = ex.NativeErrorCode;
            result.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, ex.NativeErrorCode);
            result.Message = ex.Message;
        }
    }
}
