package io.nuscape.local.bench;

import io.nuscape.core.Json;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.DurablePostgres;
import io.nuscape.testkit.EmbeddedRedis;
import io.nuscape.testkit.FreePort;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code scripts/bench coldstart}: from process start to the first answer of the ingest and the API
 * handlers in fresh JVMs on their Lambda jars (what a cold start without SnapStart costs, minus the
 * platform's own part), against running Redis and Postgres. Median of five runs each.
 */
public final class ColdStartBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getenv().getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath();
        String probeDir = args[0];
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (EmbeddedRedis redis = EmbeddedRedis.start();
             DurablePostgres pg = DurablePostgres.start(java.util.Map.of())) {
            Database db = new Database(pg.jdbcUrl(), "postgres", "postgres");
            new Migrator(db).migrate();
            String keys = "[{\"kid\":\"cold\",\"alg\":\"HS256\",\"secret\":\"Y29sZHN0YXJ0LWJlbmNoLWtleS0wMDAwMDAwMDAwMDAwMA\"}]";
            TokenIssuer issuer = new TokenIssuer(KeySource.of(KeySet.parse(keys)), Optional.empty(), "nuscape", "nuscape");
            UUID account = UUID.randomUUID();
            String deviceToken = issuer.issue(account, UUID.randomUUID().toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
            String adminToken = issuer.issue(account, "admin", Set.of(Scope.ADMIN), 0, Instant.now(), Duration.ofHours(1));
            Path ingestEvent = Files.createTempFile("ingest", ".json");
            Files.writeString(ingestEvent, event("POST", "/api/v1/events/batch", deviceToken,
                    "{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + System.currentTimeMillis()
                            + ",\"kind\":\"app\",\"key\":\"cold\",\"duration_ms\":1}]}"));
            Path apiEvent = Files.createTempFile("api", ".json");
            Files.writeString(apiEvent, event("GET", "/api/v1/devices", adminToken, null));
            Map<String, String> env = Map.of("NUSCAPE_REDIS_URL", redis.url(), "NUSCAPE_JWT_KEYS", keys, "NUSCAPE_LOG_LEVEL", "WARN",
                    "NUSCAPE_DATABASE_URL", db.url(), "NUSCAPE_DATABASE_USER", "postgres", "NUSCAPE_DATABASE_PASSWORD", "postgres",
                    "NUSCAPE_API_DB_CONNECTIONS", "1");
            long ingest = median(runs, root.resolve("functions/ingest/target/nuscape-ingest-lambda.jar"), probeDir,
                    "io.nuscape.ingest.IngestHandler", ingestEvent, env, 202);
            long api = median(runs, root.resolve("functions/api/target/nuscape-api-lambda.jar"), probeDir,
                    "io.nuscape.api.ApiHandler", apiEvent, env, 200);
            System.out.printf("coldstart: ingest_ms=%d api_ms=%d%n", ingest, api);
        }
    }

    private static long median(int runs, Path jar, String probeDir, String handler, Path event, Map<String, String> env, int status)
            throws Exception {
        List<Long> times = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < runs; i++) {
            ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                    jar + File.pathSeparator + probeDir, ColdStartProbe.class.getName(), handler, event.toString());
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            long t0 = System.currentTimeMillis();
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            String line = out.lines().filter(l -> l.startsWith("ANSWER ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(handler + " gave no answer:\n" + out));
            String[] parts = line.split(" ");
            if (Integer.parseInt(parts[1]) != status) {
                throw new IllegalStateException(handler + " answered " + parts[1] + ":\n" + out);
            }
            long ms = Long.parseLong(parts[2]) - t0;
            times.add(ms);
            System.out.printf("%s run %d: %d ms%n", handler, i + 1, ms);
        }
        times.sort(null);
        return times.get(times.size() / 2);
    }

    private static String event(String method, String path, String token, String body) {
        var http = Map.of("method", method, "path", path);
        var ctx = Map.of("requestId", "cold", "http", http);
        var e = new java.util.LinkedHashMap<String, Object>();
        e.put("version", "2.0");
        e.put("routeKey", method + " " + path);
        e.put("rawPath", path);
        e.put("rawQueryString", "");
        e.put("headers", Map.of("authorization", "Bearer " + token, "content-type", "application/json"));
        e.put("requestContext", ctx);
        e.put("body", body);
        e.put("isBase64Encoded", false);
        return Json.write(e);
    }
}
