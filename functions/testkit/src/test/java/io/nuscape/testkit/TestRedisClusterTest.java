package io.nuscape.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.nuscape.testkit.internal.RespClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cluster the kit starts is a real one: three masters, slots that move with their keys, failover. */
class TestRedisClusterTest {
    @Test
    void formsMovesASlotWithItsKeysAndFailsOver() {
        try (TestRedisCluster cluster = TestRedisCluster.start()) {
            assertEquals(3, cluster.masters().size());
            int slot = cluster.slotOf("k:{7}");
            TestRedisCluster.Node before = cluster.masterOf(slot);
            try (RespClient r = new RespClient(before.port())) {
                for (int i = 0; i < 250; i++) {
                    r.call("SET", "k:{7}:" + i, "v" + i);
                }
            }
            TestRedisCluster.Node after = cluster.migrateSlot(slot, 100, Duration.ZERO);
            assertNotSame(before, after);
            try (RespClient r = new RespClient(after.port())) {
                assertEquals(250L, r.call("CLUSTER", "COUNTKEYSINSLOT", slot));
                assertEquals("v42", r.text("GET", "k:{7}:42"));
            }
            TestRedisCluster.Node promoted = cluster.killMasterOf(slot, Duration.ofSeconds(30));
            assertFalse(after.alive());
            try (RespClient r = new RespClient(promoted.port())) {
                // The replica had every key (nothing was written since), and now serves them.
                assertEquals("v42", r.text("GET", "k:{7}:42"));
            }
        }
    }
}
