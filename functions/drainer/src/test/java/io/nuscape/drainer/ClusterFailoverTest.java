package io.nuscape.drainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nuscape.testkit.TestRedisCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A master of a real Redis Cluster SIGKILLed while devices upload: with NUSCAPE_REDIS_WAIT_REPLICAS=1 every
 * batch acknowledged before, during and after the failover is counted exactly once (devices send 503s
 * again with the same batch id), and no batch is counted twice. A cluster of its own: it loses a node.
 * The killed node then comes back empty and rejoins as the replica of its successor.
 */
class ClusterFailoverTest {
    static TestRedisCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aMasterKilledUnderLoadLosesNoAcknowledgedBatchAndCountsNoneTwice() throws Exception {
        try (DrainFixture f = new DrainFixture("clusterfailover", cluster.url(), true, 4, 1)) {
            // Two devices per shard, so that every master takes writes when one dies.
            List<java.util.UUID> accounts = new java.util.ArrayList<>(DeviceLoad.accountPerShard(f.keys));
            accounts.addAll(DeviceLoad.accountPerShard(f.keys));
            DeviceLoad load = new DeviceLoad(f, accounts);
            awaitAcknowledged(load, 500);
            int slot = cluster.slotOf(f.keys.stream(0));
            TestRedisCluster.Node killed = cluster.masterOf(slot);
            TestRedisCluster.Node promoted = cluster.killMasterOf(slot, Duration.ofSeconds(30));
            assertFalse(killed.alive());
            // The promoted replica has no replica of its own: its shard answers 503 (WAIT cannot be met) until
            // the dead node is replaced, as ElastiCache replaces it; the others go on meanwhile.
            cluster.restart(killed);
            int afterPromotion = load.acknowledged.get();
            awaitAcknowledged(load, afterPromotion + 500);
            load.close();
            assertEquals(List.of(), load.failures, "every batch was accepted or answered 503, never failed");
            assertTrue(load.unavailable.get() > 0, "the failover was felt (503s)");
            DrainClusterTest.drainAll(f);
            f.assertExactTotals();
            System.out.printf("failover: acknowledged=%d duplicates=%d unavailable=%d promoted=%d%n",
                    load.acknowledged.get(), load.duplicates.get(), load.unavailable.get(), promoted.port());
        }
    }

    /** Waits until the devices have had {@code count} batches acknowledged in all (on a busy machine, slowly). */
    static void awaitAcknowledged(DeviceLoad load, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (load.acknowledged.get() < count) {
            if (System.nanoTime() > deadline || !load.failures.isEmpty()) {
                fail("only " + load.acknowledged + " batches acknowledged, " + load.unavailable + " answered 503; "
                        + load.failures);
            }
            Thread.sleep(20);
        }
    }
}
