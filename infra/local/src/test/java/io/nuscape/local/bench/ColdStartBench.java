package io.nuscape.local.bench;

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
 * platform's own part), against running Redis and Postgres. Median of seven runs each (or as many as the
 * second argument says). The JVMs get the flags Lambda's java21 runtime starts with (serial GC, tiered
 * compilation stopped at C1), so the figure is what Lambda would see without SnapStart.
 */
public final class ColdStartBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getenv().getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath();
        String probeDir = args[0];
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        try (EmbeddedRedis redis = EmbeddedRedis.start();
             DurablePostgres pg = DurablePostgres.start(java.util.Map.of())) {
            Database db = new Database(pg.jdbcUrl(), "postgres", "postgres");
            new Migrator(db).migrate();
            String keys = "[{\"kid\":\"cold\",\"alg\":\"HS256\",\"secret\":\"Y29sZHN0YXJ0LWJlbmNoLWtleS0wMDAwMDAwMDAwMDAwMA\"}]";
            TokenIssuer issuer = new TokenIssuer(KeySource.of(KeySet.parse(keys)), Optional.empty(), "nuscape", "nuscape");
            UUID account = UUID.randomUUID();
            String deviceToken = issuer.issue(account, UUID.randomUUID().toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
            String adminToken = issuer.issue(account, "admin", Set.of(Scope.ADMIN), 0, Instant.now(), Duration.ofHours(1));
            Path ingestBody = Files.createTempFile("ingest", ".json");
            Files.writeString(ingestBody, "{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + System.currentTimeMillis()
                    + ",\"kind\":\"app\",\"key\":\"cold\",\"duration_ms\":1}]}");
            Map<String, String> env = Map.of("NUSCAPE_REDIS_URL", redis.url(), "NUSCAPE_JWT_KEYS", keys, "NUSCAPE_LOG_LEVEL", "WARN",
                    "NUSCAPE_DATABASE_URL", db.url(), "NUSCAPE_DATABASE_USER", "postgres", "NUSCAPE_DATABASE_PASSWORD", "postgres",
                    "NUSCAPE_API_DB_CONNECTIONS", "1");
            long ingest = median(runs, root.resolve("functions/ingest/target/nuscape-ingest-lambda.jar"), probeDir,
                    "io.nuscape.ingest.IngestHandler", List.of("POST", "/api/v1/events/batch", deviceToken, ingestBody.toString()), env, 202);
            long api = median(runs, root.resolve("functions/api/target/nuscape-api-lambda.jar"), probeDir,
                    "io.nuscape.api.ApiHandler", List.of("GET", "/api/v1/devices", adminToken), env, 200);
            System.out.printf("coldstart: ingest_ms=%d api_ms=%d%n", ingest, api);
        }
    }

    private static long median(int runs, Path jar, String probeDir, String handler, List<String> event, Map<String, String> env,
                               int status)
            throws Exception {
        List<Long> times = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < runs; i++) {
            List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                    jar + File.pathSeparator + probeDir, ColdStartProbe.class.getName(), handler));
            command.addAll(event);
            ProcessBuilder pb = new ProcessBuilder(command);
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
}
