package io.nuscape.retention;

import io.nuscape.core.StructuredLog;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.drainer.CycleReport;
import io.nuscape.drainer.DrainOptions;
import io.nuscape.drainer.StreamDrainer;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRetention;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventQueue;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.StreamKeys;
import io.nuscape.testkit.DurablePostgres;
import io.nuscape.testkit.EmbeddedRedis;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.FreePort;
import io.nuscape.testkit.RollupLoader;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench retention}: loads rollup rows over 400+ days (default 30 000 000; a part of each
 * granularity past its default retention), keeps a drainer draining a steady load, runs the retention job
 * and reports its time, the longest drain cycle during it beyond the usual one (the stall), and rows expired.
 */
public final class RetentionBench {
    public static void main(String[] args) throws Exception {
        long target = args.length > 0 ? Long.parseLong(args[0]) : 30_000_000L;
        try (EmbeddedRedis redisServer = EmbeddedRedis.start();
             DurablePostgres pg = DurablePostgres.start(Map.of("shared_buffers", "2GB", "max_wal_size", "8GB",
                     "checkpoint_timeout", "30min"))) {
            Database db = new Database(pg.jdbcUrl(), "postgres", "postgres");
            try (var c = db.connect()) {
                System.out.println("bench retention: postgres as it reports: " + DurablePostgres.durability(c));
            }
            Migrator migrator = new Migrator(db);
            migrator.migrate();
            Instant now = Instant.now();
            // The layout a daily retention keeps: 1m partitions for the recent days only, months for 5m and 60m.
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("SELECT ensure_usage_partitions(current_date - 21, current_date, ARRAY['usage_1m'])");
                s.execute("SELECT ensure_usage_partitions(current_date - 101, current_date, ARRAY['usage_5m'])");
                s.execute("SELECT ensure_usage_partitions(current_date - 421, current_date, ARRAY['usage_60m'])");
            }
            Random rnd = new Random(3);
            UUID[] accounts = new UUID[100];
            UUID[][] devices = new UUID[100][20];
            Map<UUID, UUID> accountOfDevice = new HashMap<>();
            for (int a = 0; a < accounts.length; a++) {
                accounts[a] = new UUID(rnd.nextLong(), rnd.nextLong());
                for (int d = 0; d < devices[a].length; d++) {
                    devices[a][d] = new UUID(rnd.nextLong(), rnd.nextLong());
                    accountOfDevice.put(devices[a][d], accounts[a]);
                }
            }
            long t0 = System.nanoTime();
            long rows = RollupLoader.copy(db.url(), "postgres", "postgres", "usage_1m", 60_000, target / 2, accounts, devices, 30,
                    now.minus(Duration.ofDays(20)), now, rnd);
            rows += RollupLoader.copy(db.url(), "postgres", "postgres", "usage_5m", 300_000, target / 3, accounts, devices, 30,
                    now.minus(Duration.ofDays(100)), now, rnd);
            rows += RollupLoader.copy(db.url(), "postgres", "postgres", "usage_60m", 3_600_000, target - rows, accounts, devices, 30,
                    now.minus(Duration.ofDays(420)), now, rnd);
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                Enrollment.enroll(c, accountOfDevice); // the drainer counts only enrolled devices' events
                s.execute("ANALYZE");
            }
            System.out.printf("loaded %d rollup rows over 420 days in %.0f s%n", rows, (System.nanoTime() - t0) / 1e9);

            // A steady load and a drainer on it; cycle times before and during retention.
            StreamKeys keys = new StreamKeys("bench", 1);
            RedisConnector redis = new RedisConnector(redisServer.url(), false, Duration.ofSeconds(5));
            RedisEventQueue queue = new RedisEventQueue(redis, keys, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 3600, 100_000);
            RedisEventStream stream = new RedisEventStream(redis, keys, 100_000);
            AtomicBoolean running = new AtomicBoolean(true);
            Thread producer = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    List<UsageEvent> events = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        events.add(new UsageEvent(UUID.randomUUID().toString(), System.currentTimeMillis() - i * 1000L, "app", "k" + (i % 30), 1000));
                    }
                    int a = rnd.nextInt(accounts.length);
                    queue.enqueue(new EnqueueRequest(accounts[a], devices[a][rnd.nextInt(20)], 0, Optional.empty(), 50, 0, 50,
                            EventCodec.encode(events), "", "{}", System.currentTimeMillis()));
                    sleep(10); // about 5 000 events/s
                }
            });
            StructuredLog quiet = new StructuredLog("bench", StructuredLog.Level.WARN, System.out);
            List<long[]> cycles = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicLong drained = new AtomicLong();
            try (PostgresRollupStore store = new PostgresRollupStore(db)) {
                StreamDrainer drainer = new StreamDrainer(stream, store, new DrainOptions(50, Duration.ofMillis(50), Duration.ofMinutes(1), 5, 50_000),
                        "bench", quiet, Clock.systemUTC());
                stream.ensureGroup(0);
                Thread drain = Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        long s = System.nanoTime();
                        CycleReport r = drainer.cycle(0);
                        long e = System.nanoTime();
                        cycles.add(new long[] {s, e});
                        drained.addAndGet(r.eventsCounted());
                    }
                });
                Thread.sleep(5000);
                long before = percentileMillis(cycles, 0, System.nanoTime(), 0.99);
                RetentionJob job = new RetentionJob(new PostgresRetention(db), migrator, Duration.ofHours(48), 50_000, io.nuscape.core.control.RetentionLimits.DEFAULTS, Clock.systemUTC(), quiet);
                long r0 = System.nanoTime();
                RetentionJob.Report report = job.run(() -> true);
                long r1 = System.nanoTime();
                Thread.sleep(1000);
                // The next scheduled run (template: cron 00:05 UTC), once caught up: what a daily run costs.
                Instant nextRun = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).atTime(0, 5).toInstant(java.time.ZoneOffset.UTC);
                RetentionJob nextDay = new RetentionJob(new PostgresRetention(db), migrator, Duration.ofHours(48), 50_000, io.nuscape.core.control.RetentionLimits.DEFAULTS,
                        Clock.fixed(nextRun, java.time.ZoneOffset.UTC), quiet);
                long n0 = System.nanoTime();
                RetentionJob.Report daily = nextDay.run(() -> true);
                long n1 = System.nanoTime();
                Thread.sleep(500);
                running.set(false);
                producer.join();
                drain.join();
                long during = maxOverlapping(cycles, r0, r1);
                long duringDaily = maxOverlapping(cycles, n0, n1);
                System.out.printf("next scheduled run (00:05 UTC): run_ms=%d max_drain_stall_ms=%d rows_expired=%d partitions_dropped=%d%n",
                        (n1 - n0) / 1_000_000, Math.max(0, duringDaily - before), daily.rowsExpired(), daily.partitionsDropped());
                System.out.printf("retention: %d partitions dropped, %d rows expired (partitions by estimate, the rest exactly); "
                        + "drain cycles p99 before %d ms, longest during %d ms; %d events drained meanwhile%n",
                        report.partitionsDropped(), report.rowsExpired(), before, during, drained.get());
                System.out.printf("retention: run_ms=%d max_drain_stall_ms=%d rows_expired=%d%n",
                        (r1 - r0) / 1_000_000, Math.max(0, during - before), report.rowsExpired());
            }
            redis.close();
        }
    }

    private static long percentileMillis(List<long[]> cycles, long from, long to, double p) {
        List<Long> d = new ArrayList<>();
        synchronized (cycles) {
            for (long[] c : cycles) {
                if (c[0] >= from && c[1] <= to) {
                    d.add((c[1] - c[0]) / 1_000_000);
                }
            }
        }
        d.sort(null);
        return d.isEmpty() ? 0 : d.get(Math.min(d.size() - 1, (int) (d.size() * p)));
    }

    private static long maxOverlapping(List<long[]> cycles, long from, long to) {
        long max = 0;
        synchronized (cycles) {
            for (long[] c : cycles) {
                if (c[1] >= from && c[0] <= to) {
                    max = Math.max(max, (c[1] - c[0]) / 1_000_000);
                }
            }
        }
        return max;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
