package io.nuscape.drainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nuscape.core.StructuredLog;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.core.rollup.RollupStore;
import io.nuscape.core.stream.EventStream;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventQueue;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.StreamKeys;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import io.nuscape.testkit.TestRedis;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A migrated Postgres database and a Redis key prefix of one test class, the real ingest queue to fill
 * the stream, drainers to empty it, and an independent tally of what the rollups must hold.
 */
final class DrainFixture implements AutoCloseable {
    static final StructuredLog QUIET = new StructuredLog("drainer", StructuredLog.Level.WARN, System.out);

    final TestDatabase db;
    /** The drainer's least-privileged role (V2 migration); stores connect as it, {@link #db} is the owner. */
    final TestDatabase role;
    final Database database;
    final String redisUrl;
    final StreamKeys keys;
    final RedisConnector redis;
    final RedisEventQueue queue;
    final RedisEventStream stream;
    final List<AutoCloseable> closeables = new ArrayList<>();
    /** Expected totals per (device, key): [events, duration]. */
    final Map<String, long[]> expected = new HashMap<>();

    DrainFixture(String name) throws SQLException {
        this(name, TestRedis.url());
    }

    DrainFixture(String name, String redisUrl) throws SQLException {
        this(name, redisUrl, false, 1, 0);
    }

    /**
     * On a Redis Cluster ({@code cluster}) with the stream split in {@code shards}; {@code waitReplicas} > 0
     * makes the queue wait for that many replicas before it accepts (NUSCAPE_REDIS_WAIT_REPLICAS).
     */
    DrainFixture(String name, String redisUrl, boolean cluster, int shards, int waitReplicas) throws SQLException {
        this.db = TestPostgres.newDatabase(name);
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        this.role = db.asRole("nuscape_drainer");
        this.database = new Database(role.jdbcUrl(), role.user(), role.password());
        this.redisUrl = redisUrl;
        this.keys = new StreamKeys(TestRedis.uniquePrefix(name), shards);
        this.redis = new RedisConnector(redisUrl, cluster, Duration.ofSeconds(2));
        this.queue = new RedisEventQueue(redis, keys, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 3600, 100_000,
                waitReplicas, 1000);
        this.stream = new RedisEventStream(redis, keys, 100_000);
    }

    static DrainOptions options(Duration claimIdle) {
        return new DrainOptions(50, Duration.ofMillis(20), claimIdle, 3, 50_000);
    }

    StreamDrainer drainer(String consumer, Duration claimIdle) {
        PostgresRollupStore store = new PostgresRollupStore(database);
        closeables.add(store);
        return new StreamDrainer(stream, store, options(claimIdle), consumer, QUIET, Clock.systemUTC());
    }

    StreamDrainer drainer(String consumer, EventStream s, RollupStore store, Duration claimIdle) {
        return new StreamDrainer(s, store, options(claimIdle), consumer, QUIET, Clock.systemUTC());
    }

    /** A new device enrolled in {@code account} (made too if new): the drainer counts only enrolled devices' events. */
    UUID device(UUID account) throws SQLException {
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        return device;
    }

    static UsageEvent event(String key, long ts, long duration) {
        return new UsageEvent(UUID.randomUUID().toString(), ts, "app", key, duration);
    }

    /** Enqueues a batch through the real ingest script; {@code count} adds it to the expected tally. */
    void enqueue(UUID account, UUID device, List<UsageEvent> events, boolean count) {
        enqueue(account, device, events, count, System.currentTimeMillis());
    }

    /** As above, validated by an ingest whose clock read {@code validatedAt}. */
    void enqueue(UUID account, UUID device, List<UsageEvent> events, boolean count, long validatedAt) {
        enqueue(account, device, events, count, validatedAt, 0);
    }

    /** As above, sent with a token of the given generation. */
    void enqueue(UUID account, UUID device, List<UsageEvent> events, boolean count, long validatedAt, long tokenGeneration) {
        EnqueueOutcome o = queue.enqueue(new EnqueueRequest(account, device, tokenGeneration, Optional.empty(), events.size(), 0,
                events.size(), EventCodec.encode(events), "", "{}", validatedAt));
        assertEquals(EnqueueOutcome.Accepted.class, o.getClass());
        if (count) {
            expect(device, events);
        }
    }

    /** Adds events to the expected tally: they must be counted exactly once. */
    void expect(UUID device, List<UsageEvent> events) {
        synchronized (expected) {
            for (UsageEvent e : events) {
                long[] t = expected.computeIfAbsent(device + "|" + e.key(), k -> new long[2]);
                t[0]++;
                t[1] += e.durationMs();
            }
        }
    }

    /** Every granularity holds exactly the expected totals per (device, key). */
    void assertExactTotals() throws SQLException {
        for (Granularity g : Granularity.values()) {
            Map<String, long[]> actual = new HashMap<>();
            try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(
                    "SELECT device_id, key, sum(events), sum(duration_ms) FROM " + g.table() + " GROUP BY 1, 2");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    actual.put(rs.getString(1) + "|" + rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4)});
                }
            }
            assertEquals(expected.keySet(), actual.keySet(), g.table() + " keys");
            for (var e : expected.entrySet()) {
                long[] a = actual.get(e.getKey());
                assertEquals(e.getValue()[0], a[0], g.table() + " events of " + e.getKey());
                assertEquals(e.getValue()[1], a[1], g.table() + " duration of " + e.getKey());
            }
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The environment a DrainerHandler needs to drain this fixture's stream as the drainer's role. */
    Map<String, String> handlerEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_REDIS_URL", redisUrl);
        env.put("NUSCAPE_REDIS_PREFIX", keys.prefix());
        env.put("NUSCAPE_STREAM_SHARDS", Integer.toString(keys.shards()));
        env.put("NUSCAPE_DATABASE_URL", role.jdbcUrl());
        env.put("NUSCAPE_DATABASE_USER", role.user());
        env.put("NUSCAPE_DATABASE_PASSWORD", role.password());
        env.put("NUSCAPE_DRAIN_BLOCK_MS", "20");
        env.put("NUSCAPE_DRAIN_SAFETY_MARGIN_MS", "1000");
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        return env;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        redis.close();
    }
}
