package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.ingest.IngestFunction;
import io.nuscape.ingest.IngestHandler;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestPostgres;
import io.nuscape.testkit.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The control plane and operations routes through the Lambda handler, with the real ingest function beside them. */
class ApiTest {
    static ApiHandler api;
    static IngestHandler ingest;
    static TokenIssuer issuer;
    static final TestKeys.Key KEY = TestKeys.hs256("api-test");

    @BeforeAll
    static void start() throws Exception {
        start(TestRedis.url(), Map.of());
    }

    /** The handlers on the Redis of {@code redisUrl} with extra settings (ApiClusterTest: a Redis Cluster). */
    static void start(String redisUrl, Map<String, String> redisSettings) throws Exception {
        TestDatabase db = TestPostgres.newDatabase("api");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_REDIS_URL", redisUrl);
        env.put("NUSCAPE_REDIS_PREFIX", TestRedis.uniquePrefix("api"));
        env.put("NUSCAPE_STREAM_SHARDS", "2");
        TestDatabase role = db.asRole("nuscape_api"); // the API's least-privileged role (V2 migration)
        env.put("NUSCAPE_DATABASE_URL", role.jdbcUrl());
        env.put("NUSCAPE_DATABASE_USER", role.user());
        env.put("NUSCAPE_DATABASE_PASSWORD", role.password());
        env.put("NUSCAPE_JWT_KEYS", TestKeys.keySet(KEY));
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        env.putAll(redisSettings);
        Settings settings = Settings.from(env);
        api = new ApiHandler(settings);
        ingest = new IngestHandler(new IngestFunction(settings));
        issuer = new TokenIssuer(KeySource.of(KeySet.parse(TestKeys.keySet(KEY))), Optional.empty(), "nuscape", "nuscape");
    }

    @AfterAll
    static void stop() {
        api.close();
        ingest.close();
    }

    static String token(UUID account, Scope... scopes) {
        return issuer.issue(account, UUID.randomUUID().toString(), Set.of(scopes), 0, Instant.now(), Duration.ofHours(1));
    }

    static APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return event.getRawPath().equals("/api/v1/events/batch") ? ingest.handleRequest(event, null) : api.handleRequest(event, null);
    }

    static APIGatewayV2HTTPResponse send(String method, String path, String token, String body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        if (token != null) {
            headers.put("authorization", "Bearer " + token);
        }
        int q = path.indexOf('?');
        String rawPath = q < 0 ? path : path.substring(0, q);
        String query = q < 0 ? "" : path.substring(q + 1);
        return call(APIGatewayV2HTTPEvent.builder()
                .withRouteKey(method + " " + rawPath).withRawPath(rawPath).withRawQueryString(query).withHeaders(headers).withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId(UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(rawPath).build()).build())
                .build());
    }

    static JsonNode json(APIGatewayV2HTTPResponse r) {
        try {
            return Json.mapper().readTree(r.getBody());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.getBody());
        }
    }

    static void assertError(APIGatewayV2HTTPResponse r, int status, String code) {
        assertEquals(status, r.getStatusCode(), r.getBody());
        assertEquals(code, json(r).get("error").asText(), r.getBody());
        assertFalse(json(r).get("message").asText().isBlank());
    }

    static UUID createAccount(String name) {
        APIGatewayV2HTTPResponse r = send("POST", "/api/v1/accounts", token(new UUID(0, 0), Scope.OPERATOR), "{\"name\":\"" + name + "\"}");
        assertEquals(201, r.getStatusCode(), r.getBody());
        return UUID.fromString(json(r).get("account_id").asText());
    }

    static String batch() {
        return "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":"
                + System.currentTimeMillis() + ",\"kind\":\"app\",\"key\":\"k\",\"duration_ms\":1}]}";
    }

    @Test
    void aDeviceLivesThroughEnrollRotateAndEraseAsIngestSeesIt() {
        UUID account = createAccount("Acme");
        String admin = token(account, Scope.ADMIN);
        APIGatewayV2HTTPResponse enrolled = send("POST", "/api/v1/devices", admin, "{\"name\":\"Pixel\",\"platform\":\"android\"}");
        assertEquals(201, enrolled.getStatusCode(), enrolled.getBody());
        String device = json(enrolled).get("device_id").asText();
        String first = json(enrolled).get("token").asText();
        assertTrue(Instant.parse(json(enrolled).get("expires_at").asText()).isAfter(Instant.now().plus(Duration.ofDays(300))));
        assertEquals(202, send("POST", "/api/v1/events/batch", first, batch()).getStatusCode());

        APIGatewayV2HTTPResponse rotated = send("POST", "/api/v1/devices/" + device + "/token", admin, null);
        assertEquals(201, rotated.getStatusCode(), rotated.getBody());
        String second = json(rotated).get("token").asText();
        assertError(send("POST", "/api/v1/events/batch", first, batch()), 403, "device_revoked");
        assertEquals(202, send("POST", "/api/v1/events/batch", second, batch()).getStatusCode());

        JsonNode listed = json(send("GET", "/api/v1/devices", token(account, Scope.READ), null)).get("devices");
        assertEquals(1, listed.size());
        assertEquals("Pixel", listed.get(0).get("name").asText());
        assertEquals("offline", listed.get(0).get("status").asText(), "nothing drained yet, so never seen");

        APIGatewayV2HTTPResponse erased = send("DELETE", "/api/v1/devices/" + device, admin, null);
        assertEquals(202, erased.getStatusCode(), erased.getBody());
        String erasure = json(erased).get("erasure_id").asText();
        assertEquals("pending", json(erased).get("status").asText());
        assertError(send("POST", "/api/v1/events/batch", second, batch()), 403, "device_revoked");
        JsonNode status = json(send("GET", "/api/v1/erasures/" + erasure, admin, null));
        assertEquals("pending", status.get("status").asText());
        assertEquals(device, status.get("device_id").asText());
        assertTrue(status.get("completed_at").isNull());
        assertEquals("erased", json(send("GET", "/api/v1/devices", admin, null)).get("devices").get(0).get("status").asText());
        // Asking again returns the same request; rotating an erased device is refused as unknown.
        assertEquals(erasure, json(send("DELETE", "/api/v1/devices/" + device, admin, null)).get("erasure_id").asText());
        assertError(send("POST", "/api/v1/devices/" + device + "/token", admin, null), 404, "not_found");
    }

    @Test
    void anotherAccountsTokenNeverReachesThisAccountsDevicesErasuresOrPolicy() {
        UUID a = createAccount("A");
        UUID b = createAccount("B");
        String adminA = token(a, Scope.ADMIN);
        String adminB = token(b, Scope.ADMIN);
        String device = json(send("POST", "/api/v1/devices", adminA, "{\"name\":\"d\",\"platform\":\"ios\"}")).get("device_id").asText();
        send("PUT", "/api/v1/policy", adminA, "{\"retention_days_1m\":7,\"retention_days_5m\":30,\"retention_days_60m\":90,\"rate_limit_events_per_minute\":500}");
        String erasure = json(send("DELETE", "/api/v1/devices/" + device, adminA, null)).get("erasure_id").asText();

        assertEquals(0, json(send("GET", "/api/v1/devices", adminB, null)).get("devices").size());
        assertError(send("POST", "/api/v1/devices/" + device + "/token", adminB, null), 404, "not_found");
        assertError(send("DELETE", "/api/v1/devices/" + device, adminB, null), 404, "not_found");
        assertError(send("GET", "/api/v1/erasures/" + erasure, adminB, null), 404, "not_found");
        assertEquals(14, json(send("GET", "/api/v1/policy", adminB, null)).get("retention_days_1m").asInt(), "B still has the defaults");
        assertEquals(7, json(send("GET", "/api/v1/policy", adminA, null)).get("retention_days_1m").asInt());
        // Unknown and malformed ids look the same as foreign ones.
        assertError(send("GET", "/api/v1/erasures/" + UUID.randomUUID(), adminA, null), 404, "not_found");
        assertError(send("GET", "/api/v1/erasures/not-a-uuid", adminA, null), 404, "not_found");
    }

    @Test
    void everyRouteRefusesTheScopesItDoesNotAllow() {
        UUID account = createAccount("Scopes");
        String device = json(send("POST", "/api/v1/devices", token(account, Scope.ADMIN), "{\"name\":\"d\",\"platform\":\"web\"}"))
                .get("device_id").asText();
        record Route(String method, String path, String body, Set<Scope> allowed) {
        }
        var routes = java.util.List.of(
                new Route("POST", "/api/v1/accounts", "{\"name\":\"x\"}", Set.of(Scope.OPERATOR)),
                new Route("GET", "/api/v1/devices", null, Set.of(Scope.READ, Scope.ADMIN)),
                new Route("POST", "/api/v1/devices", "{\"name\":\"x\",\"platform\":\"web\"}", Set.of(Scope.ADMIN)),
                new Route("POST", "/api/v1/devices/" + device + "/token", null, Set.of(Scope.ADMIN)),
                new Route("GET", "/api/v1/erasures/" + UUID.randomUUID(), null, Set.of(Scope.ADMIN)),
                new Route("GET", "/api/v1/policy", null, Set.of(Scope.ADMIN)),
                new Route("PUT", "/api/v1/policy", "{\"retention_days_1m\":14,\"retention_days_5m\":90,\"retention_days_60m\":400}", Set.of(Scope.ADMIN)),
                new Route("GET", "/metrics-lite", null, Set.of(Scope.OPERATOR)),
                new Route("DELETE", "/api/v1/devices/" + UUID.randomUUID(), null, Set.of(Scope.ADMIN)));
        for (Route r : routes) {
            assertError(send(r.method(), r.path(), null, r.body()), 401, "invalid_token");
            for (Scope s : Scope.values()) {
                APIGatewayV2HTTPResponse answer = send(r.method(), r.path(), token(account, s), r.body());
                if (r.allowed().contains(s)) {
                    assertTrue(answer.getStatusCode() != 401 && answer.getStatusCode() != 403, r + " with " + s + ": " + answer.getBody());
                } else {
                    assertError(answer, 403, "insufficient_scope");
                }
            }
        }
    }

    @Test
    void policyIsValidatedAndItsRateLimitReachesIngest() {
        UUID account = createAccount("Policy");
        String admin = token(account, Scope.ADMIN);
        String[] bad = {"[]", "{}", "{\"retention_days_1m\":0,\"retention_days_5m\":90,\"retention_days_60m\":400}",
            "{\"retention_days_1m\":14,\"retention_days_5m\":90,\"retention_days_60m\":\"400\"}",
            "{\"retention_days_1m\":100,\"retention_days_5m\":90,\"retention_days_60m\":400}",
            "{\"retention_days_1m\":36,\"retention_days_5m\":400,\"retention_days_60m\":1100}", // past the platform's 1m maximum (35)
            "{\"retention_days_1m\":14,\"retention_days_5m\":90,\"retention_days_60m\":400,\"rate_limit_events_per_minute\":-1}"};
        for (String body : bad) {
            assertError(send("PUT", "/api/v1/policy", admin, body), 400, "invalid_request");
        }
        assertTrue(json(send("PUT", "/api/v1/policy", admin, bad[bad.length - 2])).get("message").asText()
                .contains("from 1 to 35 (the platform's longest retention for 1m rollups)"));
        JsonNode saved = json(send("PUT", "/api/v1/policy", admin,
                "{\"retention_days_1m\":14,\"retention_days_5m\":90,\"retention_days_60m\":400,\"rate_limit_events_per_minute\":0}"));
        assertEquals(0, saved.get("rate_limit_events_per_minute").asInt());
        String device = json(send("POST", "/api/v1/devices", admin, "{\"name\":\"d\",\"platform\":\"android\"}")).get("token").asText();
        assertError(send("POST", "/api/v1/events/batch", device, batch()), 429, "rate_limited");
        APIGatewayV2HTTPResponse reset = send("PUT", "/api/v1/policy", admin,
                "{\"retention_days_1m\":14,\"retention_days_5m\":90,\"retention_days_60m\":400,\"rate_limit_events_per_minute\":null}");
        assertEquals(200, reset.getStatusCode(), reset.getBody());
        assertTrue(json(reset).get("rate_limit_events_per_minute").isNull());
        assertEquals(202, send("POST", "/api/v1/events/batch", device, batch()).getStatusCode());
    }

    /**
     * The quota's policy fields: validated, kept when a body leaves them out (an older client), enforced by ingest
     * at once; the month's metering counts what ingest accepted.
     */
    @Test
    void aQuotaInThePolicyReachesIngestAndTheMonthIsMetered() {
        UUID account = createAccount("Quota");
        String admin = token(account, Scope.ADMIN);
        String retention = "\"retention_days_1m\":14,\"retention_days_5m\":90,\"retention_days_60m\":400";
        for (String bad : new String[] {",\"monthly_event_quota\":-1", ",\"monthly_event_quota\":\"5\"", ",\"monthly_event_quota\":1.5",
            ",\"quota_mode\":\"strict\"", ",\"quota_mode\":null"}) {
            assertError(send("PUT", "/api/v1/policy", admin, "{" + retention + bad + "}"), 400, "invalid_request");
        }
        JsonNode fresh = json(send("GET", "/api/v1/policy", admin, null));
        assertTrue(fresh.get("monthly_event_quota").isNull());
        assertEquals("soft", fresh.get("quota_mode").asText());
        JsonNode saved = json(send("PUT", "/api/v1/policy", admin, "{" + retention + ",\"monthly_event_quota\":2,\"quota_mode\":\"hard\"}"));
        assertEquals(2, saved.get("monthly_event_quota").asLong());
        assertEquals("hard", saved.get("quota_mode").asText());
        JsonNode kept = json(send("PUT", "/api/v1/policy", admin, "{" + retention + ",\"rate_limit_events_per_minute\":null}"));
        assertEquals(2, kept.get("monthly_event_quota").asLong(), "a body without the quota fields leaves them as they are");
        assertEquals("hard", kept.get("quota_mode").asText());

        String device = json(send("POST", "/api/v1/devices", admin, "{\"name\":\"d\",\"platform\":\"android\"}")).get("token").asText();
        assertEquals(202, send("POST", "/api/v1/events/batch", device, batch()).getStatusCode());
        assertEquals(202, send("POST", "/api/v1/events/batch", device, batch()).getStatusCode());
        APIGatewayV2HTTPResponse refused = send("POST", "/api/v1/events/batch", device, batch());
        assertError(refused, 429, "quota_exceeded");
        assertTrue(Long.parseLong(refused.getHeaders().get("Retry-After")) >= 1);

        String reader = token(account, Scope.READ);
        String month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
        JsonNode metering = json(send("GET", "/api/v1/usage/metering?month=" + month, reader, null));
        assertEquals(month, metering.get("month").asText());
        assertEquals(2, metering.get("events_accepted").asLong());
        assertEquals(0, metering.get("events_counted").asLong(), "nothing drained here");
        assertEquals(month, json(send("GET", "/api/v1/usage/metering", reader, null)).get("month").asText(), "the current month by default");
        String thirteenBack = java.time.YearMonth.now(java.time.ZoneOffset.UTC).minusMonths(13).toString();
        String next = java.time.YearMonth.now(java.time.ZoneOffset.UTC).plusMonths(1).toString();
        for (String bad : new String[] {"2026-13", "november", thirteenBack, next}) {
            assertError(send("GET", "/api/v1/usage/metering?month=" + bad, reader, null), 400, "invalid_request");
        }
        assertEquals(0, json(send("GET", "/api/v1/usage/metering?month=" + month, token(createAccount("Other"), Scope.READ), null))
                .get("events_accepted").asLong(), "another account's count is its own");

        APIGatewayV2HTTPResponse lifted = send("PUT", "/api/v1/policy", admin, "{" + retention + ",\"monthly_event_quota\":null,\"quota_mode\":\"soft\"}");
        assertTrue(json(lifted).get("monthly_event_quota").isNull());
        assertEquals(202, send("POST", "/api/v1/events/batch", device, batch()).getStatusCode(), "no quota: accepted again");
    }

    /**
     * Webhooks through the API in production mode (the default): only public https receivers, the secret shown
     * once, admin-only, scoped to the account, with a delivery log.
     */
    @Test
    void webhooksAreRegisteredForPublicHttpsReceiversOnlyAndShowTheirSecretOnce() {
        UUID account = createAccount("Hooks");
        String admin = token(account, Scope.ADMIN);
        for (String[] bad : new String[][] {
            {"{\"url\":\"http://93.184.215.14/hook\",\"events\":[\"limit.warning\"]}", "https"},
            {"{\"url\":\"https://127.0.0.1/hook\",\"events\":[\"limit.warning\"]}", "public internet addresses only"},
            {"{\"url\":\"https://169.254.169.254/latest/meta-data\",\"events\":[\"limit.warning\"]}", "public internet addresses only"},
            {"{\"url\":\"https://10.0.0.7/hook\",\"events\":[\"limit.warning\"]}", "public internet addresses only"},
            {"{\"url\":\"https://[::1]/hook\",\"events\":[\"limit.warning\"]}", "public internet addresses only"},
            {"{\"url\":\"https://2130706433/hook\",\"events\":[\"limit.warning\"]}", "public internet addresses only"},
            {"{\"url\":\"https://no-such-host.invalid/hook\",\"events\":[\"limit.warning\"]}", "public internet addresses only"},
            {"{\"url\":\"https://user:pw@93.184.215.14/hook\",\"events\":[\"limit.warning\"]}", "user name"},
            {"{\"url\":\"https://93.184.215.14/hook\",\"events\":[]}", "events"},
            {"{\"url\":\"https://93.184.215.14/hook\",\"events\":[\"limit.sneeze\"]}", "events"},
            {"{\"events\":[\"limit.warning\"]}", "url"}}) {
            APIGatewayV2HTTPResponse r = send("POST", "/api/v1/webhooks", admin, bad[0]);
            assertError(r, 400, "invalid_request");
            assertTrue(json(r).get("message").asText().contains(bad[1]), r.getBody());
        }
        APIGatewayV2HTTPResponse made = send("POST", "/api/v1/webhooks", admin,
                "{\"url\":\"https://93.184.215.14/hook\",\"events\":[\"limit.warning\",\"quota.exceeded\",\"limit.warning\"]}");
        assertEquals(201, made.getStatusCode(), made.getBody());
        String id = json(made).get("webhook_id").asText();
        assertTrue(json(made).get("secret").asText().startsWith("whsec_"));
        assertEquals(2, json(made).get("events").size(), "each type once");
        JsonNode listed = json(send("GET", "/api/v1/webhooks", admin, null)).get("webhooks");
        assertEquals(1, listed.size());
        assertFalse(listed.get(0).has("secret"), "the secret is shown once, when made");
        assertFalse(json(send("GET", "/api/v1/webhooks/" + id, admin, null)).has("secret"));
        JsonNode log = json(send("GET", "/api/v1/webhooks/" + id + "/deliveries", admin, null));
        assertEquals(0, log.get("deliveries").size());

        String otherAdmin = token(createAccount("Other hooks"), Scope.ADMIN);
        assertError(send("GET", "/api/v1/webhooks/" + id, otherAdmin, null), 404, "not_found");
        assertError(send("GET", "/api/v1/webhooks/" + id + "/deliveries", otherAdmin, null), 404, "not_found");
        assertError(send("DELETE", "/api/v1/webhooks/" + id, otherAdmin, null), 404, "not_found");
        assertError(send("GET", "/api/v1/webhooks", token(account, Scope.READ), null), 403, "insufficient_scope");
        assertEquals(204, send("DELETE", "/api/v1/webhooks/" + id, admin, null).getStatusCode());
        assertError(send("GET", "/api/v1/webhooks/" + id, admin, null), 404, "not_found");
    }

    @Test
    void enrollmentChecksItsInput() {
        String admin = token(createAccount("Input"), Scope.ADMIN);
        for (String body : new String[] {"not json", "{\"name\":\"\",\"platform\":\"ios\"}", "{\"name\":\"x\"}",
            "{\"name\":\"x\",\"platform\":\"toaster\"}", "{\"name\":\"" + "n".repeat(201) + "\",\"platform\":\"ios\"}"}) {
            assertError(send("POST", "/api/v1/devices", admin, body), 400, "invalid_request");
        }
    }

    @Test
    void theSampleEventsOfEventsFolderWorkOnceTheyCarryATokenOfTheirScope() throws Exception {
        UUID account = createAccount("Samples");
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        for (String[] sample : new String[][] {{"api-usage-top.json", "200"}, {"api-enroll-device.json", "201"}}) {
            APIGatewayV2HTTPEvent event = mapper.readValue(java.nio.file.Files.readString(java.nio.file.Path.of("../../events", sample[0])),
                    APIGatewayV2HTTPEvent.class);
            Map<String, String> headers = new HashMap<>(event.getHeaders());
            headers.put("authorization", "Bearer " + token(account, Scope.ADMIN));
            event.setHeaders(headers);
            APIGatewayV2HTTPResponse r = api.handleRequest(event, null);
            assertEquals(Integer.parseInt(sample[1]), r.getStatusCode(), sample[0] + ": " + r.getBody());
        }
    }

    @Test
    void theSnapStartHooksPrimeWithoutWritingAndTheApiAnswersAfterRestore() {
        UUID account = createAccount("SnapStart");
        int before = json(send("GET", "/api/v1/devices", token(account, Scope.ADMIN), null)).get("devices").size();
        api.beforeCheckpoint(null);
        api.afterRestore(null);
        assertEquals(before, json(send("GET", "/api/v1/devices", token(account, Scope.ADMIN), null)).get("devices").size());
        assertEquals(200, send("GET", "/healthz", null, null).getStatusCode(), "Redis reconnected after restore");
    }

    @Test
    void healthAndMetrics() {
        APIGatewayV2HTTPResponse health = send("GET", "/healthz", null, null);
        assertEquals(200, health.getStatusCode(), health.getBody());
        assertEquals("ok", json(health).get("postgres").asText());
        assertEquals("ok", json(health).get("redis").asText());
        UUID account = createAccount("Metrics");
        String device = json(send("POST", "/api/v1/devices", token(account, Scope.ADMIN), "{\"name\":\"d\",\"platform\":\"ios\"}")).get("token").asText();
        send("POST", "/api/v1/events/batch", device, batch());
        JsonNode m = json(send("GET", "/metrics-lite", token(new UUID(0, 0), Scope.OPERATOR), null));
        for (String field : new String[] {"events_accepted", "events_rejected", "batches_duplicate", "events_drained",
            "events_deduplicated", "dlq_entries", "stream_lag", "stream_pending"}) {
            assertTrue(m.has(field), field + " in " + m);
        }
        assertTrue(m.get("events_accepted").asLong() >= 1);
        assertError(send("GET", "/api/v1/nothing-here", token(account, Scope.ADMIN), null), 404, "not_found");
    }
}
