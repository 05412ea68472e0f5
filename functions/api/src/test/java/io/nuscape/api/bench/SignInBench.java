package io.nuscape.api.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.api.ApiHandler;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.people.PasswordHasher;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.DurablePostgres;
import io.nuscape.testkit.EmbeddedRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code scripts/bench signin [n]}: sign-in in-process through the API handler with the production Argon2id
 * parameters, on embedded Postgres and Redis: the right password, a wrong one and an unknown email,
 * interleaved, beside one bare Argon2id verification (the physical limit: the hash is the work).
 */
public final class SignInBench {
    private static final String PASSWORD = "bench password that is long";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        try (EmbeddedRedis redis = EmbeddedRedis.start(); DurablePostgres pg = DurablePostgres.start(Map.of())) {
            Database db = new Database(pg.jdbcUrl(), "postgres", "postgres");
            new Migrator(db).migrate();
            String keys = "[{\"kid\":\"s\",\"alg\":\"HS256\",\"secret\":\"c2lnbmluLWJlbmNoLWtleS0wMDAwMDAwMDAwMDAwMDAwMDA\"}]";
            // No throttle in the way: every attempt must reach the hash.
            Settings settings = Settings.from(Map.of("NUSCAPE_REDIS_URL", redis.url(), "NUSCAPE_JWT_KEYS", keys, "NUSCAPE_LOG_LEVEL", "WARN",
                    "NUSCAPE_DATABASE_URL", db.url(), "NUSCAPE_DATABASE_USER", "postgres", "NUSCAPE_DATABASE_PASSWORD", "postgres",
                    "NUSCAPE_SIGNIN_FAILURES_PER_EMAIL", "1000", "NUSCAPE_SIGNIN_FAILURES_PER_ADDRESS", "100000"));
            TokenIssuer issuer = new TokenIssuer(KeySource.of(KeySet.parse(keys)), Optional.empty(), "nuscape", "nuscape");
            String operator = issuer.issue(new UUID(0, 0), "bench", Set.of(Scope.OPERATOR), 0, Instant.now(), Duration.ofHours(1));
            try (ApiHandler api = new ApiHandler(settings)) {
                var created = Json.mapper().readTree(call(api, "/api/v1/accounts", operator,
                        "{\"name\":\"bench\",\"admin_email\":\"bench@example.com\"}").getBody());
                String url = created.get("invitation").get("url").asText();
                String token = url.substring(url.indexOf("#invitation=") + 12);
                expect(call(api, "/api/v1/invitations/" + token + "/accept", null, "{\"password\":\"" + PASSWORD + "\"}"), 201);

                List<Long> right = new ArrayList<>();
                List<Long> wrong = new ArrayList<>();
                List<Long> unknown = new ArrayList<>();
                for (int i = 0; i < n + 10; i++) {
                    boolean counted = i >= 10; // the first rounds warm the JIT
                    long a = timed(api, "bench@example.com", PASSWORD, 201);
                    long b = timed(api, "bench@example.com", "not the password " + i, 401);
                    long c = timed(api, "nobody" + i + "@example.com", "not the password " + i, 401);
                    if (counted) {
                        right.add(a);
                        wrong.add(b);
                        unknown.add(c);
                    }
                }
                PasswordHasher hasher = new PasswordHasher(settings.people().argon2());
                String hash = hasher.hash(PASSWORD);
                List<Long> bare = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    hasher.verify(PASSWORD, hash);
                    bare.add((System.nanoTime() - t0) / 1000);
                }
                for (List<Long> l : List.of(right, wrong, unknown, bare)) {
                    l.sort(null);
                }
                System.out.printf("signin: %d of each, Argon2id m=%d KiB t=%d p=%d, on %d CPUs%n", n, settings.people().argon2().memoryKib(),
                        settings.people().argon2().iterations(), settings.people().argon2().parallelism(), Runtime.getRuntime().availableProcessors());
                System.out.printf("signin: p50_ms=%.1f p99_ms=%.1f wrong_password_p50_ms=%.1f wrong_password_p99_ms=%.1f unknown_email_p50_ms=%.1f"
                                + " unknown_email_p99_ms=%.1f hash_p50_ms=%.1f ratio_p50=%.2f%n",
                        pct(right, .5), pct(right, .99), pct(wrong, .5), pct(wrong, .99), pct(unknown, .5), pct(unknown, .99), pct(bare, .5),
                        pct(right, .5) / pct(bare, .5));
            }
        }
    }

    private static long timed(ApiHandler api, String email, String password, int status) {
        long t0 = System.nanoTime();
        APIGatewayV2HTTPResponse r = call(api, "/api/v1/sessions", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        long micros = (System.nanoTime() - t0) / 1000;
        expect(r, status);
        return micros;
    }

    private static APIGatewayV2HTTPResponse call(ApiHandler api, String path, String bearer, String body) {
        Map<String, String> headers = bearer == null ? Map.of("content-type", "application/json", "host", "bench.example.com")
                : Map.of("content-type", "application/json", "host", "bench.example.com", "authorization", "Bearer " + bearer);
        return api.handleRequest(APIGatewayV2HTTPEvent.builder().withRawPath(path).withRawQueryString("").withHeaders(headers).withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("b")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath(path).withSourceIp("192.0.2.1")
                                .build()).build()).build(), null);
    }

    private static void expect(APIGatewayV2HTTPResponse r, int status) {
        if (r.getStatusCode() != status) {
            throw new IllegalStateException("expected " + status + ", got " + r.getStatusCode() + ": " + r.getBody());
        }
    }

    private static double pct(List<Long> sortedMicros, double p) {
        return sortedMicros.get(Math.min(sortedMicros.size() - 1, (int) Math.ceil(sortedMicros.size() * p) - 1)) / 1000.0;
    }
}
