package io.nuscape.drainer.bench;

import io.nuscape.core.StructuredLog;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.EventIds;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.drainer.CycleReport;
import io.nuscape.drainer.DrainOptions;
import io.nuscape.drainer.StreamDrainer;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventQueue;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.StreamKeys;
import io.nuscape.testkit.DurablePostgres;
import io.nuscape.testkit.EmbeddedRedis;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.FreePort;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code scripts/bench drain}: fills the stream through the real ingest script, drains it to empty with the
 * real drainer into a durable Postgres (fsync on), checks every rollup total against the generator's own
 * tally, then measures the physical limit in the same run: the same number of (device_id, event_id) rows
 * inserted into a table indexed like the dedupe table, with the same statement shape.
 */
public final class DrainBench {
    public static void main(String[] args) throws Exception {
        int events = intArg(args, "--events", 1_000_000);
        int batch = intArg(args, "--batch", 50);
        int devices = intArg(args, "--devices", 1000);
        int keys = intArg(args, "--keys", 30);
        int drainers = intArg(args, "--drainers", 1);
        int readEntries = intArg(args, "--read-entries", 200);
        double duplicateShare = 0.01;

        try (EmbeddedRedis redisServer = EmbeddedRedis.start();
             DurablePostgres pg = DurablePostgres.start(Map.of("shared_buffers", "512MB", "max_wal_size", "4GB",
                     "checkpoint_timeout", "30min"))) {
            Database db = new Database(pg.jdbcUrl(), "postgres", "postgres");
            String durability;
            try (var c = db.connect()) {
                durability = DurablePostgres.durability(c);
            }
            new Migrator(db).migrate();
            StreamKeys streamKeys = new StreamKeys("bench", 1);
            RedisConnector redis = new RedisConnector(redisServer.url(), false, Duration.ofSeconds(5));
            RedisEventQueue queue = new RedisEventQueue(redis, streamKeys, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 3600, 1_000_000);
            RedisEventStream stream = new RedisEventStream(redis, streamKeys, 1_000_000);
            System.out.printf("bench drain: events=%d batch=%d devices=%d keys=%d drainers=%d read_entries=%d duplicates=%.0f%%; postgres as it reports: %s%n",
                    events, batch, devices, keys, drainers, readEntries, duplicateShare * 100, durability);

            // Generate and enqueue, keeping an independent tally: per (device, key) and per (device, key, hour).
            Random rnd = new Random(7);
            UUID[] deviceIds = new UUID[devices];
            UUID[] accountOf = new UUID[devices];
            UUID[] accounts = new UUID[Math.max(1, devices / 100)];
            for (int i = 0; i < accounts.length; i++) {
                accounts[i] = new UUID(rnd.nextLong(), rnd.nextLong());
            }
            Map<UUID, UUID> enrolled = new HashMap<>();
            for (int i = 0; i < devices; i++) {
                deviceIds[i] = new UUID(rnd.nextLong(), rnd.nextLong());
                accountOf[i] = accounts[i % accounts.length];
                enrolled.put(deviceIds[i], accountOf[i]);
            }
            try (var c = db.connect()) {
                Enrollment.enroll(c, enrolled); // the drainer counts only enrolled devices' events
            }
            long end = System.currentTimeMillis() - 60_000;
            long start = end - Duration.ofHours(2).toMillis();
            Map<String, long[]> tally = new HashMap<>();
            Map<String, Long> hourly = new HashMap<>();
            List<List<UsageEvent>> sentPerDevice = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                sentPerDevice.add(new ArrayList<>());
            }
            long t0 = System.nanoTime();
            int sent = 0;
            int duplicatesSent = 0;
            while (sent < events) {
                int d = rnd.nextInt(devices);
                List<UsageEvent> b = new ArrayList<>(batch);
                List<UsageEvent> history = sentPerDevice.get(d);
                for (int i = 0; i < batch && sent < events; i++, sent++) {
                    if (!history.isEmpty() && rnd.nextDouble() < duplicateShare) {
                        b.add(history.get(rnd.nextInt(history.size()))); // the same event again, in another batch
                        duplicatesSent++;
                        continue;
                    }
                    long ts = start + (long) (rnd.nextDouble() * (end - start));
                    long duration = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(180_000);
                    UsageEvent e = new UsageEvent(EventIds.v7(ts, rnd).toString(), ts, "app", "com.example.app" + rnd.nextInt(keys), duration);
                    b.add(e);
                    history.add(e);
                    long[] t = tally.computeIfAbsent(deviceIds[d] + "|" + e.key(), k -> new long[2]);
                    t[0]++;
                    t[1] += duration;
                    hourly.merge(deviceIds[d] + "|" + e.key() + "|" + Math.floorDiv(ts, 3_600_000L) * 3600, 1L, Long::sum);
                }
                queue.enqueue(new EnqueueRequest(accountOf[d], deviceIds[d], 0, Optional.empty(), b.size(), 0, b.size(),
                        EventCodec.encode(b), "", "{}", System.currentTimeMillis()));
            }
            System.out.printf("filled: %d events (%d repeated across batches) in %d entries, %.1f s%n", sent, duplicatesSent,
                    stream.stats(0).length(), (System.nanoTime() - t0) / 1e9);

            // Drain to empty.
            StructuredLog quiet = new StructuredLog("drainer", StructuredLog.Level.WARN, System.out);
            ExecutorService pool = Executors.newFixedThreadPool(drainers);
            List<Future<CycleReport>> runs = new ArrayList<>();
            List<PostgresRollupStore> stores = new ArrayList<>();
            long d0 = System.nanoTime();
            for (int i = 0; i < drainers; i++) {
                PostgresRollupStore store = new PostgresRollupStore(db);
                stores.add(store);
                StreamDrainer drainer = new StreamDrainer(stream, store,
                        new DrainOptions(readEntries, Duration.ofMillis(50), Duration.ofMinutes(5), 5, 50_000), "bench-" + i, quiet, Clock.systemUTC());
                runs.add(pool.submit(() -> drainer.drainUntilIdle(0)));
            }
            CycleReport total = CycleReport.EMPTY;
            for (Future<CycleReport> r : runs) {
                total = total.plus(r.get());
            }
            double drainSeconds = (System.nanoTime() - d0) / 1e9;
            pool.shutdown();
            stores.forEach(PostgresRollupStore::close);
            double eventsPerS = sent / drainSeconds;
            System.out.printf("drained: counted=%d duplicates=%d dlq=%d in %.2f s; stream length now %d, pending %d%n",
                    total.eventsCounted(), total.duplicates(), total.deadLetters(), drainSeconds, stream.stats(0).length(), stream.stats(0).pending());

            boolean exact = check(db, tally, hourly);

            // The physical limit: the same rows, the same statement shape, the same batch size, a fresh table
            // indexed like event_dedupe.
            double rawPerS = rawInsert(db, sent, readEntries * batch, rnd);
            String fsync;
            try (var c = db.connect()) {
                fsync = DurablePostgres.show(c, "fsync");
            }
            System.out.printf("drain: events_per_s=%.0f raw_insert_rows_per_s=%.0f ratio=%.2f exact=%s fsync=%s%n",
                    eventsPerS, rawPerS, eventsPerS / rawPerS, exact, fsync);
            redis.close();
            if (!exact) {
                System.exit(1);
            }
        }
    }

    private static boolean check(Database db, Map<String, long[]> tally, Map<String, Long> hourly) throws Exception {
        boolean exact = true;
        try (Connection c = db.connect()) {
            for (String table : List.of("usage_1m", "usage_5m", "usage_60m")) {
                Map<String, long[]> actual = new HashMap<>();
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT device_id, key, sum(events), sum(duration_ms) FROM " + table + " GROUP BY 1, 2")) {
                    while (rs.next()) {
                        actual.put(rs.getString(1) + "|" + rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4)});
                    }
                }
                boolean same = actual.size() == tally.size() && tally.entrySet().stream()
                        .allMatch(e -> actual.containsKey(e.getKey()) && Arrays.equals(e.getValue(), actual.get(e.getKey())));
                System.out.printf("check %s: %d (device, key) totals %s%n", table, tally.size(), same ? "exact" : "DIFFER");
                exact &= same;
            }
            Map<String, Long> hours = new HashMap<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT device_id, key, extract(epoch FROM bucket_start)::bigint, events FROM usage_60m WHERE events > 0")) {
                while (rs.next()) {
                    hours.put(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3), rs.getLong(4));
                }
            }
            boolean sameHours = hours.equals(hourly);
            System.out.printf("check usage_60m: %d (device, key, hour) event counts %s%n", hourly.size(), sameHours ? "exact" : "DIFFER");
            exact &= sameHours;
        }
        return exact;
    }

    private static double rawInsert(Database db, int rows, int perStatement, Random rnd) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE raw_dedupe (device_id uuid NOT NULL, event_id uuid NOT NULL, first_seen timestamptz NOT NULL DEFAULT now(),"
                    + " PRIMARY KEY (device_id, event_id))");
            s.execute("CREATE INDEX ON raw_dedupe USING brin (first_seen)");
            UUID[] devicePool = new UUID[1000];
            for (int i = 0; i < devicePool.length; i++) {
                devicePool[i] = new UUID(rnd.nextLong(), rnd.nextLong());
            }
            long t0 = System.nanoTime();
            int done = 0;
            try (PreparedStatement p = c.prepareStatement("INSERT INTO raw_dedupe (device_id, event_id) SELECT * FROM unnest(?::uuid[], ?::uuid[])"
                    + " ON CONFLICT DO NOTHING RETURNING device_id, event_id")) {
                while (done < rows) {
                    int n = Math.min(perStatement, rows - done);
                    UUID[][] pairs = new UUID[n][];
                    for (int i = 0; i < n; i++) {
                        // The same id form as the drained events (UUIDv7, the form clients are told to use).
                        pairs[i] = new UUID[] {devicePool[rnd.nextInt(devicePool.length)], EventIds.v7(System.currentTimeMillis(), rnd)};
                    }
                    Arrays.sort(pairs, Comparator.<UUID[], UUID>comparing(a -> a[0]).thenComparing(a -> a[1]));
                    UUID[] d = new UUID[n];
                    UUID[] e = new UUID[n];
                    for (int i = 0; i < n; i++) {
                        d[i] = pairs[i][0];
                        e[i] = pairs[i][1];
                    }
                    p.setArray(1, c.createArrayOf("uuid", d));
                    p.setArray(2, c.createArrayOf("uuid", e));
                    try (ResultSet rs = p.executeQuery()) {
                        while (rs.next()) {
                            rs.getObject(1);
                        }
                    }
                    done += n;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("raw insert: %d rows in %.2f s%n", rows, seconds);
            return rows / seconds;
        }
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
