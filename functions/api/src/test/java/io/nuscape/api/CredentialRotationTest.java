package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.drainer.DrainOptions;
import io.nuscape.drainer.StreamDrainer;
import io.nuscape.ingest.IngestFunction;
import io.nuscape.ingest.IngestHandler;
import io.nuscape.postgres.CredentialSource;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.DatabaseOptions;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.testkit.AwsEmulator;
import io.nuscape.testkit.DedicatedPostgres;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestRedis;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;

/**
 * A database password rotated under running functions: the API (its Lambda handler, real HTTP API v2
 * events) and the drainer (over the real store) connect as their own roles (V2) with secret-backed
 * credentials; each role's password changes in Postgres and in its secret (moto_server) and their backends
 * are terminated. Both go on without a
 * restart, the API with at most one 503 to retry, the drainer counting exactly.
 */
class CredentialRotationTest {
    static final TestKeys.Key KEY = TestKeys.hs256("rotation");

    final List<String> statuses = new ArrayList<>();

    static void sql(TestDatabase db, String statement) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static long count(TestDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String secret(String user, String password) {
        return "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}";
    }

    static APIGatewayV2HTTPEvent event(String method, String path, String token, String body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        headers.put("authorization", "Bearer " + token);
        return APIGatewayV2HTTPEvent.builder()
                .withRouteKey(method + " " + path).withRawPath(path).withRawQueryString("").withHeaders(headers).withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId(UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build()).build())
                .build();
    }

    static JsonNode json(APIGatewayV2HTTPResponse r) throws Exception {
        return Json.mapper().readTree(r.getBody());
    }

    /** Rotates the role's password in Postgres and in the secret, then ends every session of the role. */
    static void rotate(TestDatabase admin, SecretsManagerClient sdk, String arn, String role, String password) throws SQLException {
        sql(admin, "ALTER ROLE " + role + " PASSWORD '" + password + "'");
        sdk.putSecretValue(PutSecretValueRequest.builder().secretId(arn).secretString(secret(role, password)).build());
        long ended = count(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '" + role + "'");
        assertTrue(ended > 0, "sessions of " + role + " were open and are ended");
    }

    /** Calls the API; a 503 is retried once (what a client does with Retry-After), anything else must be 2xx. */
    APIGatewayV2HTTPResponse call(ApiHandler api, APIGatewayV2HTTPEvent e) {
        APIGatewayV2HTTPResponse r = api.handleRequest(e, null);
        statuses.add(Integer.toString(r.getStatusCode()));
        if (r.getStatusCode() == 503) {
            assertTrue(r.getHeaders().containsKey("Retry-After") || r.getHeaders().containsKey("retry-after"), r.getHeaders().toString());
            r = api.handleRequest(e, null);
            statuses.add(Integer.toString(r.getStatusCode()));
        }
        assertTrue(r.getStatusCode() < 300, r.getStatusCode() + " " + r.getBody());
        return r;
    }

    @Test
    void apiAndDrainerGoOnThroughAPasswordRotation() throws Exception {
        try (DedicatedPostgres pg = DedicatedPostgres.start(Map.of()); AwsEmulator aws = AwsEmulator.start(); SecretsManagerClient sdk = aws.secretsManager()) {
            TestDatabase admin = pg.newDatabase("rotation");
            new Migrator(new Database(admin.jdbcUrl(), admin.user(), admin.password())).migrate();
            // The functions' own roles (V2 migration), each with a password kept in a secret of its own.
            String apiRole = "nuscape_api";
            String drainerRole = "nuscape_drainer";
            sql(admin, "ALTER ROLE " + apiRole + " PASSWORD 'first-Pw1'");
            sql(admin, "ALTER ROLE " + drainerRole + " PASSWORD 'first-Pw1'");
            String apiArn = sdk.createSecret(CreateSecretRequest.builder().name("nuscape/api-" + UUID.randomUUID())
                    .secretString(secret(apiRole, "first-Pw1")).build()).arn();
            String drainerArn = sdk.createSecret(CreateSecretRequest.builder().name("nuscape/drainer-" + UUID.randomUUID())
                    .secretString(secret(drainerRole, "first-Pw1")).build()).arn();
            SecretsClient secrets = SecretsClient.create(Optional.of(aws.endpoint()), AwsEmulator.credentials(), Region.of(AwsEmulator.REGION));

            String url = admin.as(apiRole, "").jdbcUrl();
            Map<String, String> env = new HashMap<>();
            env.put("NUSCAPE_REDIS_URL", TestRedis.url());
            env.put("NUSCAPE_REDIS_PREFIX", TestRedis.uniquePrefix("rotation"));
            env.put("NUSCAPE_DATABASE_URL", url);
            env.put("NUSCAPE_DATABASE_SECRET_ARN", apiArn);
            env.put("NUSCAPE_API_DB_CONNECTIONS", "1");
            env.put("NUSCAPE_JWT_KEYS", TestKeys.keySet(KEY));
            env.put("NUSCAPE_LOG_LEVEL", "ERROR");
            Settings settings = Settings.from(env);
            KeySource keys = KeySource.of(KeySet.parse(TestKeys.keySet(KEY)));
            TokenIssuer issuer = new TokenIssuer(keys, Optional.empty(), "nuscape", "nuscape");
            String operator = issuer.issue(new UUID(0, 0), "op", Set.of(Scope.OPERATOR), 0, Instant.now(), Duration.ofHours(1));

            ApiFunction function = new ApiFunction(settings, keys,
                    new Database(url, CredentialSource.secret(() -> secrets, apiArn), DatabaseOptions.fromSettings(settings)));
            RedisConnector redis = new RedisConnector(settings);
            PostgresRollupStore store = new PostgresRollupStore(
                    new Database(url, CredentialSource.secret(() -> secrets, drainerArn), DatabaseOptions.fromSettings(settings)));
            try (ApiHandler api = new ApiHandler(function); IngestHandler ingest = new IngestHandler(new IngestFunction(settings)); store; redis) {
                StreamDrainer drainer = new StreamDrainer(new RedisEventStream(redis, settings), store,
                        new DrainOptions(50, Duration.ofMillis(20), Duration.ofMillis(200), 3, 50_000), "rotation",
                        new StructuredLog("drainer", StructuredLog.Level.ERROR, System.out), Clock.systemUTC());

                UUID account = UUID.fromString(json(call(api, event("POST", "/api/v1/accounts", operator, "{\"name\":\"Rotation\"}")))
                        .get("account_id").asText());
                String adminToken = issuer.issue(account, "admin", Set.of(Scope.ADMIN), 0, Instant.now(), Duration.ofHours(1));
                JsonNode device = json(call(api, event("POST", "/api/v1/devices", adminToken, "{\"name\":\"d\",\"platform\":\"web\"}")));
                String deviceToken = device.get("token").asText();
                int sent = 0;
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < 10; i++) {
                        String body = "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[{\"event_id\":\"" + UUID.randomUUID()
                                + "\",\"ts\":" + System.currentTimeMillis() + ",\"kind\":\"app\",\"key\":\"k" + i + "\",\"duration_ms\":10}]}";
                        assertEquals(202, ingest.handleRequest(event("POST", "/api/v1/events/batch", deviceToken, body), null).getStatusCode());
                        sent++;
                    }
                    assertEquals(10, drainer.drainUntilIdle(0).eventsCounted(), "round " + round + " drained in full");
                    call(api, event("GET", "/api/v1/devices", adminToken, null));
                    if (round < 2) {
                        // Re-reads after a refusal are rate limited (one per 5 s); real rotations are days apart.
                        Thread.sleep(CredentialSource.SECRET_REREAD_FLOOR.toMillis() + 100);
                        rotate(admin, sdk, apiArn, apiRole, "rotated-Pw" + round);
                        rotate(admin, sdk, drainerArn, drainerRole, "rotated-Pw" + round);
                    }
                }
                assertEquals(sent, count(admin, "SELECT sum(events) FROM usage_1m"), "every event counted once");
                assertEquals(sent, count(admin, "SELECT sum(events) FROM usage_60m"));
                assertEquals(0, count(admin, "SELECT (SELECT count(*) FROM dedupe_keys) + (SELECT count(*) FROM dedupe_keys_late)") - sent, "one dedupe key per event");
                System.out.println("API statuses through two rotations: " + statuses);
                assertTrue(statuses.stream().filter("503"::equals).count() <= 2, "at most one retried 503 per rotation: " + statuses);

                // A SnapStart restore re-reads the secret and drops pooled connections: after it, the first
                // request already succeeds.
                rotate(admin, sdk, apiArn, apiRole, "restored-Pw3");
                api.afterRestore(null);
                APIGatewayV2HTTPResponse first = api.handleRequest(event("GET", "/api/v1/devices", adminToken, null), null);
                assertEquals(200, first.getStatusCode(), first.getBody());
            }
        }
    }
}
