package io.nuscape.alerts.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nuscape.alerts.AlertsHandler;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.audit.Change;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.limit.Limit;
import io.nuscape.core.limit.LimitTarget;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.drainer.DrainOptions;
import io.nuscape.drainer.StreamDrainer;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresLimitStore;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.postgres.PostgresWebhookStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventQueue;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.StreamKeys;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.DurablePostgres;
import io.nuscape.testkit.TestRedis;
import io.nuscape.webhooksender.HttpWebhookSender;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench alerts}: limits over many accounts, events arriving at a steady rate through the real
 * ingest script, the real drainer and the alerts function's rounds (one poller, as on AWS), webhooks to a
 * receiver on loopback. For every threshold a limit crosses, the time from the ingest of the batch that
 * crossed it to the receiver getting the alert; beside it, the floor: a plain signed post to the same
 * receiver, measured in the same run.
 * Usage: scripts/bench alerts [--accounts 1000] [--limits-per-account 10] [--events-per-s 10000] [--seconds 60]
 */
public final class AlertsBench {
    /** Each device sends a batch of this many one-minute events every {@link #PERIOD_MS}. */
    static final int EVENTS_PER_BATCH = 5;
    static final long PERIOD_MS = 5_000;
    static final long MINUTE = 60_000;
    static final long WARN_BEFORE = 5 * MINUTE;

    public static void main(String[] args) throws Exception {
        int accounts = intArg(args, "--accounts", 1000);
        int perAccount = intArg(args, "--limits-per-account", 10);
        int eventsPerSecond = intArg(args, "--events-per-s", 10_000);
        int seconds = intArg(args, "--seconds", 60);
        int devices = accounts * perAccount; // one limit per device, on its key "k"
        long batchesPerSecond = Math.max(1, eventsPerSecond / EVENTS_PER_BATCH);
        long periodMs = Math.max(1, devices * 1000L / batchesPerSecond); // how often each device sends
        int batchesPerDevice = (int) Math.max(1, seconds * 1000L / periodMs);
        System.out.printf("bench alerts: %d accounts, %d limits (one a device, on one key), %d events/s (%d batches/s of %d),"
                + " %d s: each device sends every %d ms, %d batches%n", accounts, devices, eventsPerSecond, batchesPerSecond,
                EVENTS_PER_BATCH, seconds, periodMs, batchesPerDevice);

        // Durable, as every benchmark's Postgres (README "Benchmarks"): each recorded alert is a real commit.
        DurablePostgres pg = DurablePostgres.start(Map.of("shared_buffers", "512MB", "max_wal_size", "4GB"));
        TestDatabase db = new TestDatabase(pg.jdbcUrl(), "postgres", "postgres");
        try (Connection c = db.connect()) {
            System.out.println("bench alerts: postgres as it reports: " + DurablePostgres.durability(c));
        }
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        Random rnd = new Random(42);
        UUID[] accountIds = new UUID[accounts];
        UUID[] deviceIds = new UUID[devices];
        long[] dailyMs = new long[devices];
        Map<UUID, Integer> deviceOfLimit = new HashMap<>();

        // Receiver: first arrival per (limit, type), and every post counted.
        Map<String, Long> arrived = new ConcurrentHashMap<>();
        AtomicLong posts = new AtomicLong();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        receiver.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", ex -> {
            long at = System.currentTimeMillis();
            JsonNode body = Json.mapper().readTree(ex.getRequestBody().readAllBytes());
            if (body.has("limit_id")) {
                posts.incrementAndGet();
                arrived.putIfAbsent(body.get("limit_id").asText() + " " + body.get("type").asText(), at);
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        URI hook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");

        long setup = System.nanoTime();
        try (ConnectionPool owner = new ConnectionPool(new Database(db.jdbcUrl(), db.user(), db.password()), 4, 10_000)) {
            PostgresLimitStore limits = new PostgresLimitStore(owner);
            PostgresWebhookStore webhooks = new PostgresWebhookStore(owner);
            Map<UUID, UUID> accountOfDevice = new HashMap<>();
            for (int a = 0; a < accounts; a++) {
                accountIds[a] = new UUID(rnd.nextLong(), rnd.nextLong());
                for (int i = 0; i < perAccount; i++) {
                    int d = a * perAccount + i;
                    deviceIds[d] = new UUID(rnd.nextLong(), rnd.nextLong());
                    accountOfDevice.put(deviceIds[d], accountIds[a]);
                }
            }
            try (Connection c = db.connect()) {
                Enrollment.enroll(c, accountOfDevice);
            }
            Instant now = Instant.now();
            for (int a = 0; a < accounts; a++) {
                webhooks.create(accountIds[a], hook, List.of("limit.warning", "limit.exceeded"), "whsec_bench_" + a, Change.system(now));
                for (int i = 0; i < perAccount; i++) {
                    int d = a * perAccount + i;
                    // Crossed somewhere in the run: between 10 min and the run's whole use (one minute an event).
                    long most = Math.max(11, (long) batchesPerDevice * EVENTS_PER_BATCH);
                    dailyMs[d] = (10 + rnd.nextLong(most - 9)) * MINUTE;
                    Limit l = new Limit(UUID.randomUUID(), accountIds[a], null, deviceIds[d], new LimitTarget.Key("app", "k"), dailyMs[d],
                            ZoneOffset.UTC, List.of(WARN_BEFORE), now, now);
                    limits.create(l, Change.system(now));
                    deviceOfLimit.put(l.limitId(), d);
                }
            }
            // A limit made marks its device for today: start from no marks, as before any drain.
            try (Connection c = db.connect()) {
                c.createStatement().execute("DELETE FROM limit_marks");
            }
        }
        System.out.printf("setup: %.1f s%n", (System.nanoTime() - setup) / 1e9);

        // The floor: the same signed post, straight to the receiver.
        HttpWebhookSender direct = new HttpWebhookSender(io.nuscape.core.webhook.ReceiverGuard.LOCAL, Duration.ofSeconds(5));
        long[] floor = new long[300];
        for (int i = 0; i < floor.length; i++) {
            long t0 = System.nanoTime();
            direct.post(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/floor"), Map.of("Content-Type", "application/json"),
                    "{\"x\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            floor[i] = System.nanoTime() - t0;
        }

        StreamKeys keys = new StreamKeys(TestRedis.uniquePrefix("alertsbench"), 1);
        RedisConnector redis = new RedisConnector(TestRedis.url(), false, Duration.ofSeconds(5));
        RedisEventQueue queue = new RedisEventQueue(redis, keys, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 3600, 100_000);
        RedisEventStream stream = new RedisEventStream(redis, keys, 100_000);
        stream.ensureGroup(0);
        TestDatabase drainerRole = db.asRole("nuscape_drainer");
        TestDatabase alertsRole = db.asRole("nuscape_alerts");
        AtomicBoolean stop = new AtomicBoolean();
        StructuredLog quiet = new StructuredLog("bench", StructuredLog.Level.ERROR, System.out);
        PostgresRollupStore store = new PostgresRollupStore(new Database(drainerRole.jdbcUrl(), drainerRole.user(), drainerRole.password()));
        StreamDrainer drainer = new StreamDrainer(stream, store, new DrainOptions(200, Duration.ofMillis(50), Duration.ofSeconds(30), 5, 50_000),
                "bench", quiet, Clock.systemUTC());
        Thread draining = Thread.ofPlatform().name("drainer").start(() -> drainer.run(0, () -> !stop.get()));
        Settings alertSettings = Settings.from(Map.of("NUSCAPE_DATABASE_URL", alertsRole.jdbcUrl(), "NUSCAPE_DATABASE_USER", alertsRole.user(),
                "NUSCAPE_DATABASE_PASSWORD", alertsRole.password(), "NUSCAPE_WEBHOOK_ALLOW_PRIVATE", "true", "NUSCAPE_LOG_LEVEL", "ERROR"));
        AlertsHandler alerts = new AlertsHandler(alertSettings, Clock.systemUTC());
        Map<String, Object>[] alertSummary = new Map[1];
        Thread alerting = Thread.ofPlatform().name("alerts").start(() -> alertSummary[0] = alerts.run(() -> !stop.get()));

        // The events: each device's batches in turn, paced to the rate; consecutive minutes of one day.
        Instant started = Instant.now();
        Instant dayStart = started.truncatedTo(ChronoUnit.DAYS);
        Instant base = Duration.between(dayStart, started).toMinutes() > batchesPerDevice * EVENTS_PER_BATCH + 10 ? dayStart
                : dayStart.minus(Duration.ofHours(23)); // early in a UTC day: yesterday's, which the evaluator also looks at
        long[] crossedWarnAt = new long[devices];
        long[] crossedLimitAt = new long[devices];
        long[] used = new long[devices];
        long sent = 0;
        long t0 = System.currentTimeMillis();
        for (int round = 0; round < batchesPerDevice; round++) {
            for (int d = 0; d < devices; d++) {
                long due = t0 + (long) round * periodMs + (long) d * periodMs / devices;
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                List<UsageEvent> events = new ArrayList<>(EVENTS_PER_BATCH);
                for (int e = 0; e < EVENTS_PER_BATCH; e++) {
                    long minute = (long) round * EVENTS_PER_BATCH + e;
                    events.add(new UsageEvent(UUID.randomUUID().toString(), base.toEpochMilli() + minute * MINUTE, "app", "k", MINUTE));
                }
                long now = System.currentTimeMillis();
                EnqueueOutcome o = queue.enqueue(new EnqueueRequest(accountIds[d / perAccount], deviceIds[d], 0, Optional.empty(), EVENTS_PER_BATCH, 0,
                        EVENTS_PER_BATCH, EventCodec.encode(events), "", "{}", now));
                if (!(o instanceof EnqueueOutcome.Accepted)) {
                    throw new IllegalStateException("ingest answered " + o);
                }
                sent += EVENTS_PER_BATCH;
                long before = used[d];
                used[d] += EVENTS_PER_BATCH * MINUTE;
                if (before < dailyMs[d] - WARN_BEFORE && used[d] >= dailyMs[d] - WARN_BEFORE) {
                    crossedWarnAt[d] = now;
                }
                if (before < dailyMs[d] && used[d] >= dailyMs[d]) {
                    crossedLimitAt[d] = now;
                }
            }
        }
        long sendMs = System.currentTimeMillis() - t0;
        System.out.printf("sent %d events in %.1f s: %.0f events/s%n", sent, sendMs / 1000.0, sent * 1000.0 / sendMs);

        // What must arrive: a warning where the use passed limit - 5 min first (unless the same batch also passed
        // the limit: then the evaluator sees it exceeded and raises only that), and every limit passed.
        Map<String, Long> expected = new HashMap<>();
        for (var e : deviceOfLimit.entrySet()) {
            int d = e.getValue();
            if (crossedLimitAt[d] > 0) {
                expected.put(e.getKey() + " limit.exceeded", crossedLimitAt[d]);
            }
            if (crossedWarnAt[d] > 0 && crossedWarnAt[d] != crossedLimitAt[d]) {
                expected.put(e.getKey() + " limit.warning", crossedWarnAt[d]);
            }
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline && !arrived.keySet().containsAll(expected.keySet())) {
            Thread.sleep(200);
        }
        stop.set(true);
        draining.join();
        alerting.join();
        alerts.close();
        store.close();
        redis.close();
        receiver.stop(0);

        // Where the time went: crossing -> recorded (drain and evaluation), recorded -> received (delivery).
        Map<String, Long> raised = new HashMap<>();
        try (Connection c = db.connect(); var rs = c.createStatement().executeQuery("SELECT limit_id, type, raised_at FROM alerts WHERE limit_id IS NOT NULL")) {
            while (rs.next()) {
                raised.put(rs.getString(1) + " " + rs.getString(2), rs.getTimestamp(3).getTime());
            }
        }
        long[] toRecord = expected.entrySet().stream().filter(e -> raised.containsKey(e.getKey()))
                .mapToLong(e -> raised.get(e.getKey()) - e.getValue()).sorted().toArray();
        long[] toReceive = raised.entrySet().stream().filter(e -> arrived.containsKey(e.getKey()))
                .mapToLong(e -> arrived.get(e.getKey()) - e.getValue()).sorted().toArray();
        if (toRecord.length > 0 && toReceive.length > 0) {
            System.out.printf("crossing -> recorded: p50 %d ms, p95 %d ms; recorded -> received: p50 %d ms, p95 %d ms%n",
                    toRecord[toRecord.length / 2], toRecord[(int) (toRecord.length * 0.95)], toReceive[toReceive.length / 2],
                    toReceive[(int) (toReceive.length * 0.95)]);
        }
        long[] latencies = expected.entrySet().stream().filter(e -> arrived.containsKey(e.getKey()))
                .mapToLong(e -> arrived.get(e.getKey()) - e.getValue()).sorted().toArray();
        long missed = expected.keySet().stream().filter(k -> !arrived.containsKey(k)).count();
        long unexpected = arrived.keySet().stream().filter(k -> !expected.containsKey(k)).count();
        long duplicated = posts.get() - arrived.size();
        Arrays.sort(floor);
        double floorP95 = floor[(int) (floor.length * 0.95)] / 1e6;
        long p95 = latencies.length == 0 ? -1 : latencies[Math.min(latencies.length - 1, (int) Math.ceil(latencies.length * 0.95) - 1)];
        long p50 = latencies.length == 0 ? -1 : latencies[latencies.length / 2];
        long max = latencies.length == 0 ? -1 : latencies[latencies.length - 1];
        System.out.printf("expected alerts %d, delivered %d (p50 %d ms, max %d ms), unexpected %d; alerts function: %s%n", expected.size(),
                latencies.length, p50, max, unexpected, alertSummary[0]);
        System.out.printf("floor: a signed post straight to the same receiver, p95 %.2f ms; ratio %.0f%n", floorP95, p95 / Math.max(0.001, floorP95));
        System.out.printf("alerts: p95_crossing_to_delivery_ms=%d missed=%d duplicated=%d%n", p95, missed, duplicated);
        pg.close();
        System.exit(missed == 0 && p95 >= 0 ? 0 : 1);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
