package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import io.nuscape.testkit.TestRedis;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local runtime in-process on a free port, spoken to over real HTTP: batches go in through the
 * template's route and come out in the rollups, drained by the scheduled drainer.
 */
class LocalRuntimeEndToEndTest {
    @TempDir
    static Path dataDir;
    static LocalRuntime runtime;
    static TestDatabase db;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        db = TestPostgres.newDatabase("localruntime");
        Map<String, String> env = environment(db, "localruntime");
        runtime = LocalRuntime.start(new LocalRuntime.Options(Path.of("../../template.yaml"), dataDir, 0, env, System.out));
    }

    /** A local stack's environment on the test servers: its own database and Redis prefix, a drainer that polls often. */
    static Map<String, String> environment(TestDatabase db, String name) {
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_DATABASE_URL", db.jdbcUrl());
        env.put("NUSCAPE_DATABASE_USER", db.user());
        env.put("NUSCAPE_DATABASE_PASSWORD", db.password());
        env.put("NUSCAPE_REDIS_URL", TestRedis.url());
        env.put("NUSCAPE_REDIS_PREFIX", TestRedis.uniquePrefix(name));
        env.put("NUSCAPE_DRAIN_BLOCK_MS", "100");
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        return env;
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    static HttpResponse<String> post(String token, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runtime.baseUrl() + "/api/v1/events/batch"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void batchesSentOverHttpReachTheRollupsExactlyOnce() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        String token = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                .issue(account, device.toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
        String key = "e2e.app";
        long ts = System.currentTimeMillis() - 120_000;
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            events.append(i == 0 ? "" : ",").append("{\"event_id\":\"").append(UUID.randomUUID()).append("\",\"ts\":").append(ts)
                    .append(",\"kind\":\"app\",\"key\":\"").append(key).append("\",\"duration_ms\":1000}");
        }
        String body = "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[" + events + "]}";
        HttpResponse<String> first = post(token, body.getBytes(), Map.of());
        assertEquals(202, first.statusCode(), first.body());
        HttpResponse<String> again = post(token, body.getBytes(), Map.of());
        JsonNode dup = Json.mapper().readTree(again.body());
        assertTrue(dup.get("duplicate").asBoolean());

        // The same events again, gzip-compressed, in a new batch: the drainer counts them once.
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(("{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[" + events + "]}").getBytes());
        }
        assertEquals(202, post(token, gz.toByteArray(), Map.of("Content-Encoding", "gzip")).statusCode());

        long deadline = System.currentTimeMillis() + 20_000;
        long seen = 0;
        while (System.currentTimeMillis() < deadline) {
            try (Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT coalesce(sum(events), 0) FROM usage_60m WHERE device_id = '" + device + "'")) {
                rs.next();
                seen = rs.getLong(1);
            }
            if (seen >= 20) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(20, seen, "20 distinct events, sent three times, counted once");
        Thread.sleep(500);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(events), sum(duration_ms) FROM usage_1m WHERE device_id = '" + device + "'")) {
            rs.next();
            assertEquals(20, rs.getLong(1));
            assertEquals(20_000, rs.getLong(2));
        }
    }

    /** On AWS the API answers under its named stage, which stays in rawPath: every function must still route. */
    @Test
    void everyFunctionAnswersUnderTheTemplatesNamedStage() throws Exception {
        String stage = SamTemplate.load(Path.of("../../template.yaml")).stage();
        assertTrue(!stage.equals("$default"), "the template deploys to a named stage");
        String base = runtime.baseUrl() + "/" + stage;
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        TokenIssuer issuer = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape");
        String token = issuer.issue(account, device.toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
        String body = "{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + System.currentTimeMillis()
                + ",\"kind\":\"app\",\"key\":\"staged\"}]}";
        HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/events/batch"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, ingest.statusCode(), ingest.body());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        String admin = issuer.issue(account, "admin", Set.of(Scope.ADMIN), 0, Instant.now(), Duration.ofHours(1));
        HttpResponse<String> erasure = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/erasures/" + UUID.randomUUID()))
                .GET().header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, erasure.statusCode());
        assertEquals("not_found", Json.mapper().readTree(erasure.body()).get("error").asText(), "the API's own answer, not the gateway's");
        HttpResponse<String> devices = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/devices"))
                .GET().header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, devices.statusCode(), devices.body());
    }

    @Test
    void errorsAndUnknownRoutesComeBackAsApiGatewayWould() throws Exception {
        HttpResponse<String> unauth = http.send(HttpRequest.newBuilder(URI.create(runtime.baseUrl() + "/api/v1/events/batch"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, unauth.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", unauth.headers().firstValue("WWW-Authenticate").orElse(""));
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(runtime.baseUrl() + "/nope")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }
}
