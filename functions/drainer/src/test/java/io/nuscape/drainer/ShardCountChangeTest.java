package io.nuscape.drainer;

import static io.nuscape.drainer.DrainFixture.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.Settings;
import io.nuscape.core.control.ControlPlaneStore;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresControlPlaneStore;
import io.nuscape.redis.StreamKeys;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * NUSCAPE_STREAM_SHARDS lowered from 2 to 1: the entries the second shard's stream still holds were
 * accepted, so shard 0's drainer drains them (exactly once, with the rest), and ingest's copy of the
 * rules is rewritten under the keys the accounts moved to.
 */
class ShardCountChangeTest {
    @Test
    void entriesOfARetiredShardAreDrainedAndRulesFollowTheAccounts() throws Exception {
        try (DrainFixture f = new DrainFixture("reshard", io.nuscape.testkit.TestRedis.url(), false, 2, 0);
             ConnectionPool pool = new ConnectionPool(new Database(f.db.jdbcUrl(), f.db.user(), f.db.password()), 1, 2000)) {
            ControlPlaneStore control = new PostgresControlPlaneStore(pool);
            UUID onShard1 = control.createAccount("one").accountId();
            while (f.keys.shardOf(onShard1) != 1) {
                onShard1 = control.createAccount("one").accountId();
            }
            UUID onShard0 = control.createAccount("zero").accountId();
            while (f.keys.shardOf(onShard0) != 0) {
                onShard0 = control.createAccount("zero").accountId();
            }
            UUID device1 = control.enrollDevice(onShard1, "a", "ios").deviceId();
            UUID device0 = control.enrollDevice(onShard0, "b", "ios").deviceId();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 5; i++) {
                f.enqueue(onShard1, device1, List.of(event("k", now - i, 10), event("j", now - i, 20)), true);
                f.enqueue(onShard0, device0, List.of(event("k", now - i, 30)), true);
            }
            UUID revoked = control.enrollDevice(onShard1, "c", "ios").deviceId();
            control.requestErasure(onShard1, revoked);

            Map<String, String> env = f.handlerEnvironment();
            env.put("NUSCAPE_STREAM_SHARDS", "1");
            Map<String, Object> summary;
            try (DrainerHandler handler = new DrainerHandler(Settings.from(env))) {
                AtomicInteger calls = new AtomicInteger();
                summary = handler.handleRequest(Map.of("shard", 0), new FakeContext(() -> calls.incrementAndGet() < 40 ? 60_000 : 500));
            }
            assertEquals(List.of(1), summary.get("retired_shards_drained"));
            f.assertExactTotals();
            assertEquals(0, f.redis.commands().xlen(f.keys.stream(1)), "the retired stream is empty");

            // A give-up left on the retired shard keeps it remembered (scripts/redrive puts it back there) and
            // redrive visits it.
            io.nuscape.redis.RedisEventStream oneShard = new io.nuscape.redis.RedisEventStream(f.redis, new StreamKeys(f.keys.prefix(), 1), 1000);
            assertEquals(List.of(), oneShard.retiredShardsWithEntries(), "drained: nothing left on shard 1");
            f.redis.commands().xadd(f.keys.giveUps(1), Map.of("acct", onShard1.toString().getBytes()));
            assertEquals(List.of(1), oneShard.retiredShardsWithEntries());
            assertEquals(2, oneShard.shardsToVisit());

            StreamKeys now1 = new StreamKeys(f.keys.prefix(), 1);
            assertTrue(f.redis.commands().hexists(now1.device(0, onShard1, revoked), "erased"),
                    "the revocation was rewritten under the account's new key");
        }
    }
}
