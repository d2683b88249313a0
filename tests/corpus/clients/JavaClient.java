// Java clients of the corpus: java JavaClient.java MODE HOST PORT [post]. The exception is left uncaught: the JVM prints
// "Exception in thread "main" ..." and each "Caused by: ..." line, as a log's stack trace holds them.
import java.io.*;
import java.net.*;
import java.net.http.*;
import java.time.Duration;

public class JavaClient {
    public static void main(String[] args) throws Exception {
        String mode = args[0], host = args[1];
        int port = Integer.parseInt(args[2]);
        boolean post = args.length > 3;
        byte[] body = new byte[post ? 8 << 20 : 0];
        URI uri = URI.create("http://" + host + ":" + port + "/");
        switch (mode) {
            case "url" -> {
                HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
                c.setConnectTimeout(2000);
                c.setReadTimeout(2000);
                if (post) { c.setDoOutput(true); c.setFixedLengthStreamingMode(body.length); try (OutputStream o = c.getOutputStream()) { o.write(body); } }
                c.getInputStream().readAllBytes();
            }
            case "httpclient" -> {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2));
                if (post) b.POST(HttpRequest.BodyPublishers.ofByteArray(body));
                client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
            case "socket" -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 2000);
                    s.setSoTimeout(2000);
                    OutputStream o = s.getOutputStream();
                    if (post) for (int i = 0; i < 64; i++) o.write(new byte[131072]);
                    o.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                    new DataInputStream(s.getInputStream()).readFully(new byte[16]); // EOFException at end of stream
                }
            }
        }
    }
}
