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
import io.nuscape.testkit.MemoryBudget;
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
 * inserted into a table indexed like the dedupe table, with the same statement shape. {@code --prefill-keys}
 * first stores that many dedupe keys of the past 48 hours for the devices (a production-like table),
 * {@code --ids v4} uses random ids instead of UUIDv7, {@code --memory-mb} holds Postgres to a memory budget
 * (page cache included) with a cgroup, as root.
 */
public final class DrainBench {
    public static void main(String[] args) throws Exception {
        int events = intArg(args, "--events", 1_000_000);
        int batch = intArg(args, "--batch", 50);
        int devices = intArg(args, "--devices", 1000);
        int keys = intArg(args, "--keys", 30);
        int drainers = intArg(args, "--drainers", 1);
        int readEntries = intArg(args, "--read-entries", 200);
        long prefillKeys = Long.parseLong(stringArg(args, "--prefill-keys", "0"));
        boolean v7 = !stringArg(args, "--ids", "v7").equals("v4");
        int memoryMb = intArg(args, "--memory-mb", 0);
        double duplicateShare = 0.01;

        MemoryBudget budget = null;
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
            System.out.printf("bench drain: events=%d batch=%d devices=%d keys=%d drainers=%d read_entries=%d duplicates=%.0f%% ids=%s"
                    + " prefill_keys=%d memory_mb=%s; postgres as it reports: %s%n", events, batch, devices, keys, drainers, readEntries,
                    duplicateShare * 100, v7 ? "v7" : "v4", prefillKeys, memoryMb > 0 ? memoryMb : "unbounded", durability);

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
            if (prefillKeys > 0) {
                prefill(db, deviceIds, prefillKeys, v7);
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
                    UUID id = v7 ? EventIds.v7(ts, rnd) : v4(rnd);
                    UsageEvent e = new UsageEvent(id.toString(), ts, "app", "com.example.app" + rnd.nextInt(keys), duration);
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

            // Drain to empty, within the memory budget if one was asked for (what the prefill left cached is dropped).
            if (memoryMb > 0) {
                try (var c = db.connect()) {
                    budget = MemoryBudget.apply(c, memoryMb);
                }
            }
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

            if (budget != null) {
                System.out.printf("memory: postgres held %d MB of its %d MB budget after the drain%n",
                        budget.usedBytes() / (1024 * 1024), budget.limitBytes() / (1024 * 1024));
            }
            boolean exact = check(db, tally, hourly);

            // The physical limit: the same rows, the same statement shape, the same batch size, a fresh table
            // indexed like event_dedupe.
            double rawPerS = rawInsert(db, sent, readEntries * batch, rnd, v7);
            String fsync;
            try (var c = db.connect()) {
                fsync = DurablePostgres.show(c, "fsync");
            }
            System.out.printf("drain: events_per_s=%.0f raw_insert_rows_per_s=%.0f ratio=%.2f exact=%s prefill_keys=%d ids=%s memory_mb=%s fsync=%s%n",
                    eventsPerS, rawPerS, eventsPerS / rawPerS, exact, prefillKeys, v7 ? "v7" : "v4", memoryMb > 0 ? memoryMb : "unbounded", fsync);
            redis.close();
            if (!exact) {
                System.exit(1);
            }
        } finally {
            if (budget != null) {
                budget.close(); // the server has stopped: its empty cgroup goes
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
            // Presence's storage: a row per (device, kind, UTC day) in use.
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(bit_count(cells)), 0),"
                    + " (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'usage_presence'::regclass)"
                    + " FROM usage_presence")) {
                rs.next();
                long rows = rs.getLong(1);
                double perRow = rows == 0 ? 0 : rs.getDouble(3) / rows;
                System.out.printf("presence: %d rows (device, kind, day), %d cells set, %.0f bytes a row with its index%n", rows, rs.getLong(2), perRow);
            }
        }
        return exact;
    }

    private static double rawInsert(Database db, int rows, int perStatement, Random rnd, boolean v7) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE raw_dedupe (device_id uuid NOT NULL, event_id uuid NOT NULL, day date NOT NULL DEFAULT current_date,"
                    + " PRIMARY KEY (device_id, event_id, day))");
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
                        // The same id form as the drained events.
                        pairs[i] = new UUID[] {devicePool[rnd.nextInt(devicePool.length)], v7 ? EventIds.v7(System.currentTimeMillis(), rnd) : v4(rnd)};
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

    /** A random UUIDv4 from the benchmark's seeded generator. */
    static UUID v4(Random rnd) {
        return new UUID((rnd.nextLong() & ~0xF000L) | 0x4000L, (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
    }

    /**
     * Dedupe keys a drain of the past 48 hours would have left for these devices (the window), in the
     * partitions of their days: v7 ids carry their time; v4 ids go to the day of their event.
     */
    private static void prefill(Database db, UUID[] devices, long keys, boolean v7) throws Exception {
        long t0 = System.nanoTime();
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        new Migrator(db).ensureDedupePartitions(today.minusDays(3), today);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION pg_temp.v7(ms bigint) RETURNS uuid LANGUAGE sql AS 'SELECT encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), ''hex'')::uuid"
                    + " FROM (SELECT overlay(uuid_send(gen_random_uuid()) placing substring(int8send(ms) from 3) from 1 for 6) AS b) x'");
            long now = System.currentTimeMillis() - 3 * 3_600_000L; // older than the drained events' times
            long chunk = 1_000_000;
            try (PreparedStatement p = c.prepareStatement("INSERT INTO dedupe_keys (device_id, event_id, day)"
                    + " SELECT d, " + (v7 ? "pg_temp.v7(ms)" : "gen_random_uuid()") + ", (to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC')::date"
                    + " FROM (SELECT (?::uuid[])[1 + (i % ?)] AS d, ? - (random() * 172800000)::bigint AS ms FROM generate_series(1, ?) i) x")) {
                for (long done = 0; done < keys; done += chunk) {
                    p.setArray(1, c.createArrayOf("uuid", devices));
                    p.setInt(2, devices.length);
                    p.setLong(3, now);
                    p.setLong(4, Math.min(chunk, keys - done));
                    p.executeUpdate();
                    System.out.printf("prefill: %d of %d keys, %.0f s%n", Math.min(done + chunk, keys), keys, (System.nanoTime() - t0) / 1e9);
                }
            }
            s.execute("VACUUM ANALYZE dedupe_keys");
            s.execute("CHECKPOINT");
            try (ResultSet rs = s.executeQuery("SELECT pg_size_pretty(pg_total_relation_size('dedupe_keys')),"
                    + " (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'dedupe_keys'::regclass)")) {
                rs.next();
                System.out.printf("prefill: %d keys (%s) in %.0f s, table and indexes %s%n", keys, v7 ? "v7" : "v4",
                        (System.nanoTime() - t0) / 1e9, rs.getString(2));
            }
        }
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
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
