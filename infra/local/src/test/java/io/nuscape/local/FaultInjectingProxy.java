package io.nuscape.local;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * An HTTP/1.1 proxy in front of the local runtime that injects the faults a device meets on real networks into
 * its ingest requests: 429 and 503 with {@code Retry-After}, a request that never gets an answer (the client's
 * timeout), a connection reset before the server saw anything, and the worst one, a connection dropped after
 * the server accepted the batch. Everything else is passed through as it is; every ingest exchange is recorded.
 */
final class FaultInjectingProxy implements AutoCloseable {
    enum Fault {
        PASS,
        /** 429 rate_limited with Retry-After: 1, without forwarding. */
        RATE_LIMITED,
        /** 503 unavailable with Retry-After: 1, without forwarding. */
        UNAVAILABLE,
        /** Read the request, never answer: the client's request timeout must fire. */
        HANG,
        /** Close the connection (RST) before forwarding anything. */
        RESET,
        /** Forward, let the server accept, then close the connection without answering. */
        DROP_AFTER_ACCEPT
    }

    /** One ingest request as the proxy handled it; {@code upstreamBody} is the server's answer when forwarded. */
    record Exchange(String batchId, int events, Fault fault, int upstreamStatus, String upstreamBody, long atNanos) {
        boolean duplicateAnswer() {
            return upstreamBody != null && upstreamBody.contains("\"duplicate\":true");
        }
    }

    private static final Set<String> HOP_BY_HOP = Set.of("host", "connection", "content-length", "expect", "upgrade", "http2-settings",
            "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");
    private static final Pattern BATCH_ID = Pattern.compile("\"batch_id\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"");
    private static final Pattern EVENT_ID = Pattern.compile("\"event_id\"");

    private final URI upstream;
    private final ServerSocket server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final Deque<Fault> plan = new ConcurrentLinkedDeque<>();
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    final List<Exchange> exchanges = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger inFlight = new AtomicInteger();
    /** Random delay (ms, up to) before forwarding and again before answering: widens the windows a kill can land in. */
    volatile int jitterMillis;
    private volatile boolean closed;

    FaultInjectingProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("fault-proxy-accept").start(this::accept);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The next ingest requests meet these faults, in order; after them, requests pass. */
    void plan(Fault... faults) {
        plan.addAll(List.of(faults));
    }

    /** Ends the planned faults (an outage is over). */
    void clearPlan() {
        plan.clear();
    }

    int planned() {
        return plan.size();
    }

    List<Exchange> exchanges() {
        synchronized (exchanges) {
            return new ArrayList<>(exchanges);
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private record Request(String method, String target, Map<String, String> headers, byte[] body) {
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (!closed) {
                Request r = read(in);
                if (r == null) {
                    return;
                }
                boolean ingest = r.method.equals("POST") && r.target.endsWith("/api/v1/events/batch");
                Fault fault = ingest ? next() : Fault.PASS;
                if (!handle(socket, out, r, fault, ingest)) {
                    return;
                }
            }
        } catch (IOException e) {
            // The client went away (killed, or timed out): nothing to answer.
        } finally {
            open.remove(socket);
        }
    }

    private Fault next() {
        Fault f = plan.poll();
        return f == null ? Fault.PASS : f;
    }

    /** Answers one request; false when the connection must end. */
    private boolean handle(Socket socket, OutputStream out, Request r, Fault fault, boolean ingest) throws IOException {
        String batchId = null;
        int events = 0;
        if (ingest) {
            String json = text(r);
            Matcher m = BATCH_ID.matcher(json);
            batchId = m.find() ? m.group(1) : null;
            Matcher e = EVENT_ID.matcher(json);
            while (e.find()) {
                events++;
            }
        }
        inFlight.incrementAndGet();
        try {
            switch (fault) {
                case RATE_LIMITED -> {
                    record(batchId, events, fault, 0, null);
                    write(out, 429, Map.of("Retry-After", "1", "Content-Type", "application/json"),
                            "{\"error\":\"rate_limited\",\"message\":\"injected by the test proxy\"}".getBytes(StandardCharsets.UTF_8));
                    return true;
                }
                case UNAVAILABLE -> {
                    record(batchId, events, fault, 0, null);
                    write(out, 503, Map.of("Retry-After", "1", "Content-Type", "application/json"),
                            "{\"error\":\"unavailable\",\"message\":\"injected by the test proxy\"}".getBytes(StandardCharsets.UTF_8));
                    return true;
                }
                case HANG -> {
                    record(batchId, events, fault, 0, null);
                    // Hold the connection until the client gives up on it.
                    while (socket.getInputStream().read() >= 0 && !closed) {
                        Thread.onSpinWait();
                    }
                    return false;
                }
                case RESET -> {
                    record(batchId, events, fault, 0, null);
                    socket.setSoLinger(true, 0);
                    return false;
                }
                default -> {
                    pause();
                    HttpResponse<byte[]> answer = forward(r);
                    String body = new String(answer.body(), StandardCharsets.UTF_8);
                    if (ingest) {
                        record(batchId, events, fault, answer.statusCode(), body);
                    }
                    if (fault == Fault.DROP_AFTER_ACCEPT) {
                        socket.setSoLinger(true, 0);
                        return false;
                    }
                    pause();
                    Map<String, String> headers = new LinkedHashMap<>();
                    answer.headers().map().forEach((k, v) -> {
                        if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                            headers.put(k, v.get(0));
                        }
                    });
                    write(out, answer.statusCode(), headers, answer.body());
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void pause() throws InterruptedException {
        int j = jitterMillis;
        if (j > 0) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(j + 1));
        }
    }

    private void record(String batchId, int events, Fault fault, int status, String body) {
        exchanges.add(new Exchange(batchId, events, fault, status, body, System.nanoTime()));
    }

    private HttpResponse<byte[]> forward(Request r) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream.toString().replaceAll("/+$", "") + r.target))
                .timeout(Duration.ofSeconds(30))
                .method(r.method, r.body.length == 0 && !r.method.equals("POST") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(r.body));
        r.headers.forEach((k, v) -> {
            if (!HOP_BY_HOP.contains(k) && !k.equals("date") && !k.equals("via")) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(Request r) {
        try {
            byte[] body = r.body;
            if ("gzip".equalsIgnoreCase(r.headers.getOrDefault("content-encoding", ""))) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
            }
            return new String(body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void write(OutputStream out, int status, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(status < 400 ? "OK" : "Error").append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** Reads one request (request line, headers, a Content-Length body); null at the end of the connection. */
    private static Request read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1 : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            return null;
        }
        return new Request(requestLine[0], requestLine[1], headers, body);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
