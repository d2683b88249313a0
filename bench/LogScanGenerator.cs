// A log of known content for bench/LogScan.Bench.ps1 (compiled there with Add-Type): realistic noise from several
// runtimes and servers, some of it holding the words error patterns look for (reset, timeout, tcp, code:, EOF…) without
// being a socket error, and a given share of real clients' socket-error wordings (the catalogue's pattern samples).
using System;
using System.Globalization;
using System.IO;
using System.Text;

public static class LogScanGenerator
{
    private static readonly string[] Noise =
    {
        "{iso} INFO  request handled method=GET path=/api/v1/items/{n} status=200 duration_ms={m} conn=keep-alive",
        "{ip} - - [{clf}] \"GET /static/app.{n}.js HTTP/1.1\" 200 {m} \"https://shop.example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
        "{ip} - - [{clf}] \"POST /api/login HTTP/2.0\" 302 0 \"-\" \"okhttp/4.12.0\"",
        "{log4j} INFO  [http-nio-8080-exec-{d}] o.a.c.c.C.[Tomcat].[localhost].[/] - Initializing Spring DispatcherServlet 'dispatcherServlet'",
        "{log4j} DEBUG [pool-2-thread-{d}] com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - Pool stats (total=10, active={d}, idle=7, waiting=0)",
        "\tat org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:{n})",
        "\tat java.base/java.lang.Thread.run(Thread.java:1583)",
        "{log4j} - urllib3.connectionpool - DEBUG - Starting new HTTPS connection (1): api.example.com:443",
        "{log4j} - app.worker - INFO - job {n} finished in {m} ms, 0 retries",
        "{go} http: TLS handshake completed for 10.0.{d}.5:5{n}",
        "{go} reading config from /etc/app/config.yaml: ok, {d} upstreams",
        "{syslog} web{d} systemd[1]: Started Session {n} of user deploy.",
        "{syslog} web{d} kernel: [{n}.{m}] eth0: link up, 10000 Mbps, full duplex",
        "{syslog} web{d} sshd[{n}]: Accepted publickey for deploy from 10.0.{d}.7 port 5{n} ssh2",
        "{iso} WARN  password reset email sent to user {n}",
        "{iso} INFO  cache warm-up: {n} keys, timeout=30s, tcp_nodelay=true",
        "{iso} DEBUG response code: 200, body bytes {m}",
        "{iso} INFO  reached EOF of batch file /data/in/{n}.csv, {m} records",
        "{iso} ERROR payment declined for order {n}: card expired (code 51)",
        "{iso} INFO  {{\"level\":\"info\",\"msg\":\"health check ok\",\"upstream\":\"10.0.{d}.9:8080\",\"latency_ms\":{m}}}",
        "{nginx} [notice] 1#1: signal process started",
        "{iso} INFO  GC pause {m} ms, heap 512 MB -> 301 MB, describe script scheduled",
    };

    private static readonly string[] Stamps = { "iso", "log4j", "go", "nginx", "syslog", "clf" };

    /// <summary>
    /// Writes <paramref name="lines"/> lines to <paramref name="path"/>, one line in every (1 / errorShare) an error
    /// taken in turn from <paramref name="errors"/>, each after a timestamp of one of the common forms. Time advances
    /// 20 ms a line from 2026-12-01T00:00:00Z. Returns the number of error lines written.
    /// </summary>
    public static long Write(string path, long lines, double errorShare, string[] errors, int seed)
    {
        var random = new Random(seed);
        var start = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        long every = (long)Math.Round(1 / errorShare), written = 0;
        using var output = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        output.NewLine = "\n";
        var line = new StringBuilder(512);
        for (long i = 0; i < lines; i++)
        {
            DateTime now = start.AddTicks(i * 20 * TimeSpan.TicksPerMillisecond);
            line.Clear();
            if (i % every == every / 2)
            {
                line.Append(Stamp(Stamps[written % Stamps.Length], now)).Append(" ERROR ").Append(errors[written % errors.Length]);
                written++;
            }
            else
            {
                string template = Noise[random.Next(Noise.Length)];
                line.Append(template
                    .Replace("{iso}", Stamp("iso", now)).Replace("{log4j}", Stamp("log4j", now)).Replace("{go}", Stamp("go", now))
                    .Replace("{nginx}", Stamp("nginx", now)).Replace("{syslog}", Stamp("syslog", now)).Replace("{clf}", Stamp("clfraw", now))
                    .Replace("{ip}", $"203.0.113.{random.Next(1, 255)}").Replace("{n}", random.Next(100, 99999).ToString(CultureInfo.InvariantCulture))
                    .Replace("{m}", random.Next(1, 5000).ToString(CultureInfo.InvariantCulture)).Replace("{d}", random.Next(1, 9).ToString(CultureInfo.InvariantCulture))
                    .Replace("{{", "{").Replace("}}", "}"));
            }
            output.WriteLine(line);
        }
        return written;
    }

    private static string Stamp(string form, DateTime t) => form switch
    {
        "iso" => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        "log4j" => t.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture),
        "go" => t.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture),
        "nginx" => t.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture),
        "syslog" => t.ToString("MMM", CultureInfo.InvariantCulture) + " " + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + t.ToString(" HH:mm:ss", CultureInfo.InvariantCulture),
        "clf" => "[" + t.ToString("dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture) + " +0000]",
        "clfraw" => t.ToString("dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture) + " +0000",
        _ => throw new ArgumentException(form),
    };
}
