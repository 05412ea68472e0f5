package io.nuscape.drainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.control.ControlPlaneStore;
import io.nuscape.core.control.Policy;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.core.queue.IngestRuleReconciler;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresControlPlaneStore;
import io.nuscape.postgres.PostgresIngestRules;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.RedisEventQueue;
import io.nuscape.redis.StreamKeys;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Ingest's Redis copy of revocations, token generations and rate limits is rebuilt from Postgres: after the
 * control plane's write to Redis failed, after Redis lost its data, after the shard count changed, and
 * across invocations when a full rewrite does not fit in one. Each case is checked the way it matters,
 * through the real ingest script: which tokens it refuses.
 */
class IngestRuleReconcilerTest {
    DrainFixture f;
    ConnectionPool ownerPool;
    ConnectionPool drainerPool;
    ControlPlaneStore control;
    UUID account;

    @BeforeEach
    void start(TestInfo info) throws Exception {
        f = new DrainFixture("rules_" + info.getTestMethod().orElseThrow().getName());
        ownerPool = new ConnectionPool(new Database(f.db.jdbcUrl(), f.db.user(), f.db.password()), 2, 2000);
        drainerPool = new ConnectionPool(f.database, 1, 2000);
        // The control plane's own store, without its Redis writes: as if every write after a commit had failed.
        control = new PostgresControlPlaneStore(ownerPool);
        account = control.createAccount("reconciled").accountId();
    }

    @AfterEach
    void stop() throws Exception {
        drainerPool.close();
        ownerPool.close();
        f.close();
    }

    IngestRuleReconciler reconciler(StreamKeys keys) {
        return new IngestRuleReconciler(new PostgresIngestRules(drainerPool), new RedisControlPlaneCache(f.redis, keys));
    }

    /** What ingest answers a one-event batch sent with a token of generation {@code gen}. */
    Class<?> ingest(StreamKeys keys, UUID acct, UUID device, long gen) {
        RedisEventQueue queue = new RedisEventQueue(f.redis, keys, 1_000_000, 1_000_000, 3600, 1000);
        byte[] events = EventCodec.encode(List.of(DrainFixture.event("k", System.currentTimeMillis(), 1)));
        EnqueueOutcome o = queue.enqueue(new EnqueueRequest(acct, device, gen, Optional.empty(), 1, 0, 1, events, "", "{}",
                System.currentTimeMillis()));
        return o.getClass();
    }

    UUID rotatedTwice() throws Exception {
        UUID device = control.enrollDevice(account, "phone", "android").deviceId();
        control.rotateToken(account, device);
        control.rotateToken(account, device);
        return device;
    }

    void loseRedisData(StreamKeys keys) {
        var c = f.redis.commands();
        for (String k : c.keys(keys.prefix() + ":*")) {
            c.del(k);
        }
    }

    @Test
    void writesThatNeverReachedRedisAreMadeByTheFirstRunAndLaterOnesByTheNext() throws Exception {
        UUID rotated = rotatedTwice();
        UUID erased = control.enrollDevice(account, "tablet", "ios").deviceId();
        control.requestErasure(account, erased);
        UUID plain = control.enrollDevice(account, "laptop", "macos").deviceId();
        UUID silenced = control.createAccount("silenced").accountId();
        control.putPolicy(silenced, new Policy(14, 90, 400, 0L));
        UUID silencedDevice = control.enrollDevice(silenced, "pc", "windows").deviceId();

        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, account, rotated, 1), "the copy does not know the rotation yet");
        IngestRuleReconciler.Report first = reconciler(f.keys).run(0, () -> true);
        assertTrue(first.fullPass() && first.complete(), "no mark yet: everything is written");
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, rotated, 2));
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, account, rotated, 3));
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, erased, 1));
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, account, plain, 1));
        assertEquals(EnqueueOutcome.RateLimited.class, ingest(f.keys, silenced, silencedDevice, 1));

        // Changes after the mark: found by the incremental read, no full rewrite.
        control.rotateToken(account, plain);
        control.putPolicy(silenced, new Policy(14, 90, 400, null));
        IngestRuleReconciler.Report next = reconciler(f.keys).run(0, () -> true);
        assertFalse(next.fullPass());
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, plain, 1));
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, silenced, silencedDevice, 1), "back to the platform default");

        // A hard quota set in Postgres whose write to Redis was lost: the next run brings it.
        control.putPolicy(silenced, new Policy(14, 90, 400, null, 1L, io.nuscape.core.control.QuotaMode.HARD));
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, silenced, silencedDevice, 1), "the copy has no quota yet");
        reconciler(f.keys).run(0, () -> true);
        assertEquals(EnqueueOutcome.QuotaExceeded.class, ingest(f.keys, silenced, silencedDevice, 1));
        control.putPolicy(silenced, new Policy(14, 90, 400, null));
        reconciler(f.keys).run(0, () -> true);
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, silenced, silencedDevice, 1), "the quota removed");
    }

    @Test
    void aCopyLostWithRedisIsRebuilt() throws Exception {
        UUID rotated = rotatedTwice();
        UUID erased = control.enrollDevice(account, "tablet", "ios").deviceId();
        control.requestErasure(account, erased);
        reconciler(f.keys).run(0, () -> true);
        loseRedisData(f.keys);
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, account, erased, 1), "the loss is real");

        IngestRuleReconciler.Report r = reconciler(f.keys).run(0, () -> true);
        assertTrue(r.fullPass(), "the mark went with the data, so the whole copy is rewritten");
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, erased, 1));
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, rotated, 2));
    }

    /** A run that read the mark before Redis lost its data must not vouch for the empty copy afterwards. */
    @Test
    void aMarkIsNeverWrittenOverOneTheRunDidNotSee() throws Exception {
        UUID rotated = rotatedTwice();
        reconciler(f.keys).run(0, () -> true);
        RedisControlPlaneCache cache = new RedisControlPlaneCache(f.redis, f.keys);
        var read = cache.reconcileMark(0);
        assertTrue(read.isPresent());
        loseRedisData(f.keys);
        assertFalse(cache.replaceReconcileMark(0, read, io.nuscape.core.queue.ReconcileMark.reconciledThrough(java.time.Instant.now())),
                "the mark it read is gone: no write");
        assertTrue(cache.reconcileMark(0).isEmpty());
        assertTrue(reconciler(f.keys).run(0, () -> true).fullPass(), "so the next run rewrites everything");
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, rotated, 2));

        // Two runs that read the same mark: only the first write lands.
        var mark = cache.reconcileMark(0);
        assertTrue(cache.replaceReconcileMark(0, mark, io.nuscape.core.queue.ReconcileMark.reconciledThrough(java.time.Instant.now())));
        assertFalse(cache.replaceReconcileMark(0, mark, io.nuscape.core.queue.ReconcileMark.reconciledThrough(java.time.Instant.now())));
    }

    @Test
    void aNewShardCountRewritesEveryRuleUnderTheNewKeys() throws Exception {
        StreamKeys resharded = new StreamKeys(f.keys.prefix(), 3);
        while (resharded.shardOf(account) == 0) {
            account = control.createAccount("moved").accountId(); // one whose keys move off shard 0
        }
        UUID rotated = rotatedTwice();
        reconciler(f.keys).run(0, () -> true);
        int shard = resharded.shardOf(account);
        assertEquals(EnqueueOutcome.Accepted.class, ingest(resharded, account, rotated, 1), "nobody wrote the new keys");

        for (int s = 0; s < 3; s++) {
            assertTrue(reconciler(resharded).run(s, () -> true).fullPass(), "a mark of the old layout vouches for nothing");
        }
        assertEquals(EnqueueOutcome.Revoked.class, ingest(resharded, account, rotated, 2));
        assertTrue(f.redis.commands().exists(resharded.device(shard, account, rotated)) == 1);
        for (int s = 0; s < 3; s++) {
            if (s != shard && s != 0) {
                assertEquals(0, f.redis.commands().exists(resharded.device(s, account, rotated)), "rules go to their own shard only");
            }
        }
    }

    @Test
    void aFullRewriteThatRunsOutOfTimeGoesOnWhereItStopped() throws Exception {
        int devices = 4500;
        try (var l = ownerPool.borrow(); Statement s = l.connection().createStatement()) {
            s.execute("INSERT INTO devices (device_id, account_id, token_generation)"
                    + " SELECT gen_random_uuid(), '" + account + "', 2 FROM generate_series(1, " + devices + ")");
        }
        UUID last;
        try (var l = ownerPool.borrow(); Statement s = l.connection().createStatement();
             var rs = s.executeQuery("SELECT max(device_id::text)::uuid FROM devices")) {
            rs.next();
            last = rs.getObject(1, UUID.class);
        }
        AtomicInteger pages = new AtomicInteger();
        IngestRuleReconciler.Report cut = reconciler(f.keys).run(0, () -> pages.getAndIncrement() < 1);
        assertFalse(cut.complete());
        assertEquals(2000, cut.devices());
        assertEquals(EnqueueOutcome.Accepted.class, ingest(f.keys, account, last, 1), "not written yet");

        IngestRuleReconciler.Report rest = reconciler(f.keys).run(0, () -> true);
        assertTrue(rest.fullPass() && rest.complete());
        assertEquals(devices - 2000, rest.devices(), "resumed after the last device written, not from the start");
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, last, 1));
        assertFalse(reconciler(f.keys).run(0, () -> true).fullPass());
    }

    @Test
    void aGenerationIsNeverLowered() throws Exception {
        UUID rotated = rotatedTwice();
        new RedisControlPlaneCache(f.redis, f.keys).setMinimumTokenGeneration(account, rotated, 9);
        reconciler(f.keys).run(0, () -> true);
        assertEquals(EnqueueOutcome.Revoked.class, ingest(f.keys, account, rotated, 8), "a later rotation's write is not undone");
    }
}
