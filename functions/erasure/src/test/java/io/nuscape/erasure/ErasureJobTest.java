package io.nuscape.erasure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.Range;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.control.Erasure;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.drainer.DrainOptions;
import io.nuscape.drainer.StreamDrainer;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresControlPlaneStore;
import io.nuscape.postgres.PostgresErasures;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.RedisDeviceSweeper;
import io.nuscape.redis.RedisEventQueue;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.StreamKeys;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import io.nuscape.testkit.TestRedis;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ARCHITECTURE.md's "erasure is complete", end to end on real Postgres and Redis with the real ingest script and drainer. */
class ErasureJobTest {
    static final StructuredLog QUIET = new StructuredLog("erasure", StructuredLog.Level.WARN, System.out);
    TestDatabase db;
    Database database;
    StreamKeys keys;
    RedisConnector redis;
    RedisEventQueue queue;
    RedisEventStream stream;
    RedisControlPlaneCache cache;
    PostgresControlPlaneStore control;
    ConnectionPool pool;
    PostgresRollupStore rollups;
    AbstractRedisClient client;
    RedisClusterCommands<String, String> raw;
    UUID account;
    UUID erased;
    UUID kept;

    PostgresErasures erasures;

    /** The Redis this class runs on; ErasureClusterTest runs the same tests on a Redis Cluster. */
    String redisUrl() {
        return TestRedis.url();
    }

    boolean cluster() {
        return false;
    }

    int shards() {
        return 1;
    }

    /** The stream shard of the test's account. */
    int shard() {
        return keys.shardOf(account);
    }

    Database as(String role) {
        TestDatabase r = db.asRole(role);
        return new Database(r.jdbcUrl(), r.user(), r.password());
    }

    @BeforeEach
    void start(org.junit.jupiter.api.TestInfo info) throws Exception {
        db = TestPostgres.newDatabase(info.getTestMethod().orElseThrow().getName());
        database = new Database(db.jdbcUrl(), db.user(), db.password());
        new Migrator(database).migrate();
        // Each part connects as its function's least-privileged role (V2 migration).
        Database api = as("nuscape_api");
        Database drainer = as("nuscape_drainer");
        erasures = new PostgresErasures(as("nuscape_erasure"));
        keys = new StreamKeys(TestRedis.uniquePrefix("erasure"), shards());
        redis = new RedisConnector(redisUrl(), cluster(), Duration.ofSeconds(2));
        queue = new RedisEventQueue(redis, keys, 1_000_000_000, 1_000_000, 3600, 100_000);
        stream = new RedisEventStream(redis, keys, 100_000);
        cache = new RedisControlPlaneCache(redis, keys);
        pool = new ConnectionPool(api, 2, 5000);
        control = new PostgresControlPlaneStore(pool);
        rollups = new PostgresRollupStore(drainer);
        if (cluster()) {
            RedisClusterClient c = RedisClusterClient.create(redisUrl());
            client = c;
            raw = c.connect().sync();
        } else {
            RedisClient c = RedisClient.create(redisUrl());
            client = c;
            raw = c.connect().sync();
        }
        account = control.createAccount("acme").accountId();
        erased = control.enrollDevice(account, "old phone", "android").deviceId();
        kept = control.enrollDevice(account, "laptop", "macos").deviceId();
    }

    @AfterEach
    void stop() {
        rollups.close();
        pool.close();
        redis.close();
        client.shutdown();
    }

    EnqueueOutcome send(UUID device, int events, boolean withRejected) {
        List<UsageEvent> list = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            list.add(new UsageEvent(UUID.randomUUID().toString(), System.currentTimeMillis() - i * 90_000L, "app", "k" + (i % 3), 120_000));
        }
        return queue.enqueue(new EnqueueRequest(account, device, 1, Optional.of(UUID.randomUUID().toString()), list.size(), withRejected ? 1 : 0, list.size() + 1,
                EventCodec.encode(list), withRejected ? "[{\"index\":9,\"reason\":\"kind must start with a lower-case letter\",\"event\":\"{}\"}]" : "",
                "{}", System.currentTimeMillis()));
    }

    StreamDrainer drainer() {
        return new StreamDrainer(stream, rollups, new DrainOptions(50, Duration.ofMillis(10), Duration.ofMillis(50), 3, 50_000), "d", QUIET, Clock.systemUTC());
    }

    ErasureJob job() {
        return new ErasureJob(erasures, cache, new RedisDeviceSweeper(redis, keys), 3, Clock.systemUTC(), QUIET);
    }

    String totals(UUID device) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (String t : new String[] {"usage_1m", "usage_5m", "usage_60m"}) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(events), 0), coalesce(sum(duration_ms), 0) FROM " + t
                        + " WHERE device_id = '" + device + "'")) {
                    rs.next();
                    b.append(t).append('=').append(rs.getLong(1)).append('/').append(rs.getLong(2)).append('/').append(rs.getLong(3)).append(' ');
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(bit_count(cells)), 0) FROM usage_presence WHERE device_id = '"
                    + device + "'")) {
                rs.next();
                b.append("usage_presence=").append(rs.getLong(1)).append('/').append(rs.getLong(2));
            }
        }
        return b.toString();
    }

    /** Every place the device's data could live: no table row, no stream or dead-letter entry, no name. */
    void assertNoTrace(UUID device) throws Exception {
        String id = device.toString();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (String t : new String[] {"usage_1m", "usage_5m", "usage_60m", "usage_presence"}) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + t + " WHERE device_id = '" + id + "'")) {
                    rs.next();
                    assertEquals(0, rs.getLong(1), t);
                }
            }
            for (String t : new String[] {"event_dedupe", "dedupe_keys", "dedupe_keys_late"}) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + t + " WHERE device_id = '" + id + "'")) {
                    rs.next();
                    assertEquals(0, rs.getLong(1), "dedupe keys in " + t);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT name, platform, last_seen_at, erased_at FROM devices WHERE device_id = '" + id + "'")) {
                assertTrue(rs.next(), "the id stays, to drop late events and report the request");
                assertEquals(null, rs.getString(1));
                assertEquals(null, rs.getString(2));
                assertEquals(null, rs.getTimestamp(3));
                assertTrue(rs.getTimestamp(4) != null);
            }
        }
        for (String key : new String[] {keys.stream(shard()), keys.deadLetters(shard()), keys.giveUps(shard())}) {
            for (StreamMessage<String, String> m : raw.xrange(key, Range.create("-", "+"))) {
                assertFalse(m.getBody().toString().contains(id), key + " still holds " + m.getBody());
            }
        }
        assertEquals(List.of(keys.device(shard(), account, device)), raw.keys(keys.prefix() + "*" + id + "*"),
                "no Redis key names the device but its revocation (batch answers hold its event ids)");
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM device_token_supersessions WHERE device_id = '" + id + "'")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "token history");
        }
    }

    @Test
    void afterErasureNoTraceIsLeftOtherDevicesAreUntouchedAndLateEventsAreDropped() throws Exception {
        send(erased, 20, true);
        send(kept, 20, true);
        drainer().drainUntilIdle(shard());
        String keptBefore = totals(kept);
        assertTrue(totals(erased).contains("usage_1m=") && !totals(erased).startsWith("usage_1m=0/"));
        assertFalse(totals(erased).contains("usage_presence=0/"), "the device has presence to erase: " + totals(erased));

        for (UUID d : List.of(erased, kept)) { // a limit on each: the erased device's goes with it
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO limits (limit_id, account_id, device_id, target, daily_ms, tz, created_at, updated_at) VALUES (gen_random_uuid(), '"
                        + account + "', '" + d + "', 'all', 3600000, 'UTC', now(), now())");
            }
        }
        Erasure e = control.requestErasure(account, erased).orElseThrow();
        cache.markErased(account, erased); // what DELETE /api/v1/devices/{id} does
        // Ingest refuses the device from now on...
        assertEquals(EnqueueOutcome.Revoked.class, send(erased, 1, false).getClass());
        // ...but entries queued just before the revocation are still in the stream.
        raw.xadd(keys.stream(shard()), java.util.Map.of("v", "1", "acct", account.toString(), "dev", erased.toString(), "batch", "",
                "gen", "1", "recv", Long.toString(System.currentTimeMillis()), "n", "1",
                "events", new String(EventCodec.encode(List.of(new UsageEvent(UUID.randomUUID().toString(), System.currentTimeMillis(), "app", "late", 5))))));

        ErasureJob.Report first = job().run(() -> true);
        assertEquals(0, first.completed(), "an undrained entry of the device keeps the request pending");
        assertEquals("pending", control.erasure(account, e.erasureId()).orElseThrow().status());

        assertEquals(0, drainer().drainUntilIdle(shard()).eventsCounted(), "the late events are dropped, not counted");
        ErasureJob.Report second = job().run(() -> true);
        assertEquals(1, second.completed());
        Erasure done = control.erasure(account, e.erasureId()).orElseThrow();
        assertEquals("done", done.status());
        assertTrue(done.completedAt() != null);

        assertNoTrace(erased);
        assertEquals(keptBefore, totals(kept), "the other device's totals are exactly what they were");
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE device_id = '" + erased + "'), count(*) FILTER (WHERE device_id = '" + kept
                     + "') FROM limits")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "the erased device's limits");
            assertEquals(1, rs.getLong(2), "the other device's limit stays");
        }
        assertEquals(EnqueueOutcome.Revoked.class, send(erased, 1, false).getClass(), "its tokens stay refused");
    }

    @Test
    void aRunKilledHalfwayIsFinishedByTheNextOne() throws Exception {
        send(erased, 60, true);
        send(kept, 10, false);
        drainer().drainUntilIdle(shard());
        String keptBefore = totals(kept);
        Erasure e = control.requestErasure(account, erased).orElseThrow();
        cache.markErased(account, erased);
        AtomicInteger budget = new AtomicInteger(5); // a few batches of 3 rows, then "time is up"
        ErasureJob.Report cut = job().run(() -> budget.decrementAndGet() > 0);
        assertEquals(0, cut.completed());
        assertEquals("pending", control.erasure(account, e.erasureId()).orElseThrow().status());
        assertFalse(totals(erased).startsWith("usage_1m=0/") && totals(erased).contains("usage_5m=0/"), "it stopped partway");

        assertEquals(1, job().run(() -> true).completed());
        assertNoTrace(erased);
        assertEquals(keptBefore, totals(kept));
        assertEquals(0, job().run(() -> true).completed(), "nothing left to do");
    }

    /** XRANGE calls the (standalone) server has answered so far, from its own command statistics. */
    long xrangeCalls() {
        return raw.info("commandstats").lines().filter(l -> l.startsWith("cmdstat_xrange:")).findFirst()
                .map(l -> Long.parseLong(l.substring(l.indexOf("calls=") + 6, l.indexOf(',')))).orElse(0L);
    }

    @Test
    void manyRequestsCostOnePassOverTheStreamsAndARunOutOfTimeLeavesThemPending() throws Exception {
        // An undrained backlog of another device: each pass over the stream reads all 2 500 entries (3 pages).
        for (int i = 0; i < 2500; i++) {
            send(kept, 1, false);
        }
        List<UUID> devices = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            UUID d = control.enrollDevice(account, "tablet " + i, "ios").deviceId();
            send(d, 2, true);
            control.requestErasure(account, d);
            cache.markErased(account, d);
            devices.add(d);
        }
        drainer().drainUntilIdle(shard()); // the backlog is drained too; refill it so the sweep has pages to read
        for (int i = 0; i < 2500; i++) {
            send(kept, 1, false);
        }

        AtomicInteger budget = new AtomicInteger(30);
        ErasureJob.Report cut = job().run(() -> budget.decrementAndGet() > 0);
        assertEquals(0, cut.completed(), "out of time: nothing is reported done");
        assertEquals(20, cut.stillPending());

        long before = xrangeCalls();
        ErasureJob.Report all = job().run(() -> true);
        assertEquals(20, all.completed());
        if (!cluster()) {
            // One pass: 3 pages of the stream, 1 of the dead letters, 1 of the give-ups; a pass per request was 100.
            assertTrue(xrangeCalls() - before <= 6, "XRANGE calls for 20 requests: " + (xrangeCalls() - before));
        }
        for (UUID d : devices) {
            assertNoTrace(d);
        }
    }
}
