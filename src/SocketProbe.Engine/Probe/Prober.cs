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

        /// <summary>
        /// One attempt, bounded by TimeoutMs as a whole. A failure of our own side (a local limit, or
        /// the kernel connecting the socket to itself) is not the target's answer: back off and try
        /// again on a new socket while the bound lasts, and if it never clears, say LocalError.
        /// </summary>
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
                var endpoint = new IPEndPoint(address, port);
                TimeSpan bound = TimeSpan.FromMilliseconds(_request.TimeoutMs);
                long started = Stopwatch.GetTimestamp();
                TimeSpan backoff = TimeSpan.FromMilliseconds(5);
                int tries = 0, selfConnects = 0;
                while (true)
                {
                    tries++;
                    Clear(result);
                    TimeSpan left = tries == 1 ? bound : bound - Stopwatch.GetElapsedTime(started);
                    Socket? socket = Create(address.AddressFamily, result);
                    if (socket is not null)
                    {
                        using (socket)
                        {
                            await ConnectAsync(socket, endpoint, result, left).ConfigureAwait(false);
                            IPEndPoint? local = SocketName.Local(socket);
                            result.LocalAddress = local?.Address.ToString();
                            result.LocalPort = local?.Port;
                            if (result.Outcome == ProbeOutcome.Open && endpoint.Equals(local))
                            {
                                // TCP self-connect (simultaneous open with itself): the kernel chose the
                                // target port as our source port on the target's own address. Nobody
                                // answered; the socket did. Never Open.
                                selfConnects++;
                                (result.Outcome, result.Reason) = (ProbeOutcome.LocalError, ProbeClassifier.SelfConnect);
                            }
                        }
                    }
                    if (result.Outcome != ProbeOutcome.LocalError || !Retryable(result)) break;
                    if (bound - Stopwatch.GetElapsedTime(started) <= backoff) break;
                    await Task.Delay(backoff, _token).ConfigureAwait(false);
                    backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 100));
                }
                if (tries > 1)
                {
                    _logger.LogDebug("{Address} port {Port}: {Tries} tries ({SelfConnects} self-connects) before {Outcome}",
                        address, port, tries, selfConnects, result.Outcome);
                }
                if (result.Outcome == ProbeOutcome.LocalError)
                {
                    double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    string what = result.Reason == ProbeClassifier.SelfConnect
                        ? "the kernel connected the socket to itself (source port = target port on the same address), so nothing here answered"
                        : $"local limit {result.ErrnoName}: {LocalLimit.Describe(result.ErrnoName)}";
                    result.Message = $"{what}; {tries} tr{(tries == 1 ? "y" : "ies")} over {ms:F0} ms" +
                        (selfConnects > 0 && result.Reason != ProbeClassifier.SelfConnect ? $" ({selfConnects} self-connects)" : "") +
                        ". This says nothing about the target.";
                }
                if (_request.Wire is not null && result.LocalPort is int localPort && IPAddress.TryParse(result.LocalAddress, out IPAddress? localAddress))
                    _request.Wire.Annotate(result, new IPEndPoint(localAddress, localPort), endpoint);
                _logger.LogDebug("{Result}", result);
                return result;
            }
            finally
            {
                _throttle.Release();
            }
        }

        private static void Clear(ProbeResult result)
        {
            result.SocketError = null;
            result.Errno = null;
            result.ErrnoName = null;
            result.Message = null;
            result.ConnectMs = null;
            result.LocalAddress = null;
            result.LocalPort = null;
        }

        /// <summary>A self-connect or a limit that may clear (descriptors, buffers, ports): worth another try.</summary>
        private static bool Retryable(ProbeResult result) =>
            result.Reason == ProbeClassifier.SelfConnect || result.SocketError != nameof(System.Net.Sockets.SocketError.AddressFamilyNotSupported);

        /// <summary>A new socket, or null with the failure in <paramref name="result"/> (nothing was sent).</summary>
        private static Socket? Create(AddressFamily family, ProbeResult result)
        {
            try
            {
                return new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (SocketException ex)
            {
                Fail(result, ex);
                if (ex.SocketErrorCode == System.Net.Sockets.SocketError.TooManyOpenSockets && LocalLimit.SocketErrno(family) is int errno and > 0)
                {
                    // .NET says ENFILE for EMFILE too: the OS says which it really is.
                    result.Errno = errno;
                    result.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, errno);
                }
                return null;
            }
        }

        private async Task ConnectAsync(Socket socket, IPEndPoint endpoint, ProbeResult result, TimeSpan left)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_token);
            bound.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
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
