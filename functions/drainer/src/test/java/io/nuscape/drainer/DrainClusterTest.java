package io.nuscape.drainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.testkit.TestRedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Ingest and drain on a real Redis Cluster (3 masters, a replica each) with the stream split in 4 shards,
 * whose hash tags land on all three masters; ingest waits for one replica (NUSCAPE_REDIS_WAIT_REPLICAS=1).
 * Counts are checked against an independent tally, also while a shard's slot moves to another master.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrainClusterTest {
    static final int SHARDS = 4;
    static final Duration SOON = Duration.ofMillis(50);
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
    @Order(1) // before a slot moves: shards 0-3's hash tags sit on all three masters as the cluster was formed
    void shardsOnEveryMasterAreDrainedExactly() throws Exception {
        try (DrainFixture f = new DrainFixture("clusterdrain", cluster.url(), true, SHARDS, 1)) {
            Set<Integer> masters = new HashSet<>();
            for (int s = 0; s < SHARDS; s++) {
                masters.add(cluster.masterOf(cluster.slotOf(f.keys.stream(s))).port());
            }
            assertEquals(3, masters.size(), "the shards' streams live on every master");
            for (UUID account : DeviceLoad.accountPerShard(f.keys)) {
                UUID device = f.device(account);
                for (int b = 0; b < 20; b++) {
                    long now = System.currentTimeMillis();
                    f.enqueue(account, device, List.of(DrainFixture.event("a", now, 1000), DrainFixture.event("b", now - 5000, 70_000)), true);
                }
            }
            int counted = 0;
            for (int s = 0; s < SHARDS; s++) {
                counted += f.drainer("c", SOON).drainUntilIdle(s).eventsCounted();
            }
            assertEquals(SHARDS * 20 * 2, counted);
            f.assertExactTotals();
        }
    }

    @Test
    @Order(2)
    void aSlotMigratedWhileIngestingAndDrainingKeepsTotalsExact() throws Exception {
        try (DrainFixture f = new DrainFixture("clustermigrate", cluster.url(), true, SHARDS, 1)) {
            List<UUID> accounts = DeviceLoad.accountPerShard(f.keys);
            AtomicBoolean draining = new AtomicBoolean(true);
            List<Thread> drainers = new ArrayList<>();
            for (int s = 0; s < SHARDS; s++) {
                int shard = s;
                drainers.add(Thread.ofPlatform().start(() -> {
                    StreamDrainer d = f.drainer("d" + shard, SOON);
                    while (draining.get()) {
                        // run() stops on TRYAGAIN (a script's keys split between source and target) or any
                        // other unavailability; the schedule would start it again, as this loop does.
                        if (d.run(shard, draining::get).stoppedBy().equals("redis_unavailable")) {
                            pause(20); // not a busy loop on a 2-core machine
                        }
                    }
                }));
            }
            int slot = cluster.slotOf(f.keys.stream(0));
            DeviceLoad load = new DeviceLoad(f, accounts);
            Thread.sleep(1000);
            TestRedisCluster.Node before = cluster.masterOf(slot);
            // 10 keys a move, 50 ms apart: ingest and drain meet the slot half moved for a while.
            TestRedisCluster.Node after = cluster.migrateSlot(slot, 10, Duration.ofMillis(50));
            assertNotEquals(before.port(), after.port());
            Thread.sleep(1000);
            load.close();
            draining.set(false);
            for (Thread t : drainers) {
                t.join();
            }
            assertEquals(List.of(), load.failures, "every batch was accepted or answered 503, never failed");
            assertTrue(load.acknowledged.get() > 0);
            drainAll(f);
            f.assertExactTotals();
            assertEquals(0, f.count("SELECT count(*) FROM usage_1m WHERE events <= 0"));
        }
    }

    /** Drains every shard to empty, starting over where Redis was briefly unavailable. */
    static void drainAll(DrainFixture f) throws InterruptedException {
        for (int s = 0; s < f.keys.shards(); s++) {
            for (int attempt = 0; ; attempt++) {
                try {
                    f.drainer("final", SOON).drainUntilIdle(s);
                    break;
                } catch (QueueUnavailableException e) {
                    if (attempt > 50) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
