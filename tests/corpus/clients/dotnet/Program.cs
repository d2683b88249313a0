// .NET clients of the corpus: DotnetClient MODE HOST PORT [post]. The exception is left uncaught: the runtime prints
// "Unhandled exception. <ToString()>", whose " ---> " lines are the inner exceptions a log's stack trace holds.
using System.Net.Sockets;

string mode = args[0], host = args[1];
int port = int.Parse(args[2]);
bool post = args.Length > 3;
byte[] body = new byte[post ? 8 << 20 : 0];
switch (mode)
{
    case "httpclient":
        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
        {
            var uri = new Uri($"http://{host}:{port}/");
            using var response = post ? await client.PostAsync(uri, new ByteArrayContent(body)) : await client.GetAsync(uri);
            await response.Content.ReadAsStringAsync();
        }
        break;
    case "socket":
        using (var tcp = new TcpClient())
        {
            using var connectTimeout = new CancellationTokenSource(2000);
            await tcp.ConnectAsync(host, port, connectTimeout.Token);
            var stream = tcp.GetStream();
            stream.ReadTimeout = 2000;
            if (post) for (int i = 0; i < 64; i++) stream.Write(new byte[131072]);
            stream.Write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8);
            stream.ReadExactly(new byte[16]); // EndOfStreamException at end of stream
        }
        break;
}
