package io.nuscape.drainer;

import static io.nuscape.drainer.DrainFixture.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.testkit.EmbeddedRedis;
import io.nuscape.testkit.TcpProxy;
import io.nuscape.testkit.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Postgres or Redis going away: nothing acknowledged without a commit, nothing lost, a clean stop. */
class OutageTest {
    static final Duration SOON = Duration.ofMillis(50);

    @Test
    void postgresStoppedMidCycleLeavesEntriesPendingAndTheyAreDrainedWhenItReturns() throws Exception {
        try (DrainFixture f = new DrainFixture("pgoutage"); TcpProxy proxy = new TcpProxy(f.db.port())) {
            TestDatabase viaProxy = f.role.throughPort(proxy.port());
            PostgresRollupStore store = new PostgresRollupStore(new Database(viaProxy.jdbcUrl(), viaProxy.user(), viaProxy.password()));
            f.closeables.add(store);
            StreamDrainer drainer = new StreamDrainer(f.stream, store, DrainFixture.options(SOON), "c", DrainFixture.QUIET, Clock.systemUTC());
            UUID account = UUID.randomUUID();
            UUID device = UUID.randomUUID();
            f.enqueue(account, device, List.of(event("first", System.currentTimeMillis(), 1)), true);
            assertEquals(1, drainer.drainUntilIdle(0).eventsCounted(), "a connection is open before the outage");

            for (int i = 0; i < 20; i++) {
                f.enqueue(account, device, List.of(event("k" + (i % 3), System.currentTimeMillis(), 100)), true);
            }
            proxy.cut();
            CycleReport during = drainer.run(0, () -> true);
            assertEquals("postgres_unavailable", during.stoppedBy());
            assertEquals(0, during.eventsCounted());
            assertTrue(f.stream.stats(0).pending() > 0, "what was read stays pending");

            proxy.restore();
            Thread.sleep(SOON.toMillis() * 2);
            CycleReport after = drainer.drainUntilIdle(0);
            assertEquals(20, after.eventsCounted());
            assertEquals(0, f.stream.stats(0).pending());
            f.assertExactTotals();
        }
    }

    @Test
    void redisStoppedEndsTheRunCleanlyAndSaysSo() throws Exception {
        try (EmbeddedRedis server = EmbeddedRedis.start(); DrainFixture f = new DrainFixture("redisoutage", server.url())) {
            f.enqueue(UUID.randomUUID(), UUID.randomUUID(), List.of(event("k", System.currentTimeMillis(), 1)), true);
            StreamDrainer drainer = f.drainer("c", SOON);
            assertEquals(1, drainer.drainUntilIdle(0).eventsCounted());
            server.stopServer();
            long t0 = System.nanoTime();
            CycleReport r = drainer.run(0, () -> true);
            assertEquals("redis_unavailable", r.stoppedBy());
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000, "the run must end promptly");
            server.startServer();
        }
    }
}
