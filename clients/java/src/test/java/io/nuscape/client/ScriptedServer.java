package io.nuscape.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for the ingest, enroll and renewal routes, speaking the contract's shapes, for the client's own
 * tests (the real server is exercised in infra/local): answers are scripted per request, everything received is
 * recorded, and concurrent uploads are counted.
 */
final class ScriptedServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Makes every token unique, as the server's are, even two issued in the same second. */
    private static final AtomicInteger TOKENS_ISSUED = new AtomicInteger();

    /** One scripted answer: status, body, extra headers. */
    record Answer(int status, String body, Map<String, String> headers) {
        static Answer error(int status, String code, Map<String, String> headers) {
            return new Answer(status, "{\"error\":\"" + code + "\",\"message\":\"scripted " + code + "\"}", headers);
        }
    }

    /** One upload as received. */
    record Upload(String batchId, JsonNode body, byte[] raw, String authorization, String encoding, long atNanos, int status) {
    }

    private final HttpServer server;
    final Deque<Answer> script = new ConcurrentLinkedDeque<>();
    final List<Upload> uploads = Collections.synchronizedList(new ArrayList<>());
    /** batch_id → the first answer, as the server keeps it for 48 h. */
    private final Map<String, ObjectNode> answered = new HashMap<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger renewals = new AtomicInteger();
    /** Renewal requests received, answered or not. */
    final AtomicInteger renewalRequests = new AtomicInteger();
    /** Scripted answers to renewal requests, before the normal one. */
    final Deque<Answer> renewScript = new ConcurrentLinkedDeque<>();
    volatile long renewDelayMillis;
    /** The expires_at a renewal answers; null: the new token's expiry. */
    volatile String renewExpiresAt;
    /** The body an enrollment answers instead of the normal one; null: normal. */
    volatile String enrollBody;
    volatile Predicate<JsonNode> rejectEvent = e -> false;
    volatile long delayMillis;
    volatile String currentToken = token("device-1", System.currentTimeMillis() / 1000 + 3600);

    ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/api/v1/events/batch", this::batch);
        server.createContext("/api/v1/devices/self/token", this::renew);
        server.createContext("/api/v1/enroll", this::enroll);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** An unsigned JWT-shaped token with sub and exp: the client only reads claims. */
    static String token(String device, long expEpochSeconds) {
        return token(device, -1, expEpochSeconds);
    }

    /** With an {@code iat} claim when {@code iatEpochSeconds} is not negative. */
    static String token(String device, long iatEpochSeconds, long expEpochSeconds) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        String iat = iatEpochSeconds < 0 ? "" : ",\"iat\":" + iatEpochSeconds;
        return b.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(("{\"sub\":\"" + device + "\"" + iat + ",\"exp\":" + expEpochSeconds + ",\"jti\":" + TOKENS_ISSUED.incrementAndGet() + ",\"scope\":\"ingest\"}").getBytes(StandardCharsets.UTF_8))
                + ".c2ln";
    }

    private void batch(HttpExchange x) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            byte[] raw = x.getRequestBody().readAllBytes();
            String encoding = x.getRequestHeaders().getFirst("Content-Encoding");
            byte[] json = raw;
            if ("gzip".equals(encoding)) {
                try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                    json = in.readAllBytes();
                }
            }
            JsonNode body = JSON.readTree(json);
            String batchId = body.path("batch_id").asText(null);
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            Answer scripted = script.poll();
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (scripted == null && !("Bearer " + currentToken).equals(auth)) {
                scripted = Answer.error(403, "device_revoked", Map.of());
            }
            if (scripted != null) {
                uploads.add(new Upload(batchId, body, raw, auth, encoding, System.nanoTime(), scripted.status()));
                reply(x, scripted.status(), scripted.body(), scripted.headers());
                return;
            }
            ObjectNode answer;
            synchronized (answered) {
                answer = batchId == null ? null : answered.get(batchId);
                if (answer != null) {
                    answer = answer.deepCopy().put("duplicate", true);
                } else {
                    answer = JSON.createObjectNode();
                    answer.put("batch_id", batchId);
                    ArrayNode rejected = answer.putArray("rejected");
                    int accepted = 0;
                    int i = 0;
                    for (JsonNode e : body.path("events")) {
                        if (rejectEvent.test(e)) {
                            rejected.addObject().put("index", i).put("event_id", e.path("event_id").asText()).put("reason", "scripted rejection");
                        } else {
                            accepted++;
                        }
                        i++;
                    }
                    answer.put("accepted", accepted);
                    answer.put("duplicate", false);
                    if (batchId != null) {
                        answered.put(batchId, answer.deepCopy());
                    }
                }
            }
            uploads.add(new Upload(batchId, body, raw, auth, encoding, System.nanoTime(), 202));
            reply(x, 202, answer.toString(), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void renew(HttpExchange x) throws IOException {
        x.getRequestBody().readAllBytes();
        renewalRequests.incrementAndGet();
        Answer scripted = renewScript.poll();
        if (scripted != null) {
            pauseRenewal();
            reply(x, scripted.status(), scripted.body(), scripted.headers());
            return;
        }
        if (!("Bearer " + currentToken).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            reply(x, 403, "{\"error\":\"device_revoked\",\"message\":\"replaced\"}", Map.of());
            return;
        }
        renewals.incrementAndGet();
        long exp = System.currentTimeMillis() / 1000 + 365 * 86400L;
        currentToken = token("device-1", exp);
        pauseRenewal(); // renewed already: a late answer is one the server acted on
        String expires = renewExpiresAt != null ? renewExpiresAt : java.time.Instant.ofEpochSecond(exp).toString();
        reply(x, 201, "{\"token\":\"" + currentToken + "\",\"expires_at\":\"" + expires + "\"}", Map.of());
    }

    private void pauseRenewal() {
        try {
            Thread.sleep(renewDelayMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void enroll(HttpExchange x) throws IOException {
        JsonNode body = JSON.readTree(x.getRequestBody().readAllBytes());
        if (!"GOOD-CODE".equals(body.path("code").asText())) {
            reply(x, 400, "{\"error\":\"invalid_request\",\"message\":\"the enrollment code is wrong, used or expired\"}", Map.of());
            return;
        }
        long exp = System.currentTimeMillis() / 1000 + 365 * 86400L;
        currentToken = token("device-1", exp);
        if (enrollBody != null) {
            reply(x, 201, enrollBody.replace("$TOKEN", currentToken), Map.of());
            return;
        }
        reply(x, 201, "{\"device_id\":\"device-1\",\"token\":\"" + currentToken + "\",\"expires_at\":\"" + java.time.Instant.ofEpochSecond(exp) + "\"}", Map.of());
    }

    private static void reply(HttpExchange x, int status, String body, Map<String, String> headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> x.getResponseHeaders().set(k, v));
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    /** Events the server accepted, by id, each counted once however often it arrived. */
    java.util.Set<String> acceptedEventIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        synchronized (uploads) {
            for (Upload u : uploads) {
                if (u.status() == 202) {
                    for (JsonNode e : u.body().path("events")) {
                        if (!rejectEvent.test(e)) {
                            ids.add(e.path("event_id").asText());
                        }
                    }
                }
            }
        }
        return ids;
    }

    /**
     * Events the server counted, with multiplicity: those of each batch_id's first accepted upload (a repeat of a
     * batch_id is answered duplicate and counts nothing), so an event sent in two batches appears twice.
     */
    List<String> countedEventIds() {
        List<String> ids = new ArrayList<>();
        java.util.Set<String> batches = new java.util.HashSet<>();
        synchronized (uploads) {
            for (Upload u : uploads) {
                if (u.status() == 202 && batches.add(u.batchId())) {
                    for (JsonNode e : u.body().path("events")) {
                        if (!rejectEvent.test(e)) {
                            ids.add(e.path("event_id").asText());
                        }
                    }
                }
            }
        }
        return ids;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
