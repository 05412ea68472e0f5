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
            StreamDrainer drainer = drainerThrough(f, proxy);
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
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

    /**
     * An outage of any length: every run reclaims the pending entries again (their delivery counts climb far
     * past the failure budget), yet none is given up or dead-lettered, and all are counted once it ends.
     */
    @Test
    void anOutageLongerThanTheFailureBudgetGivesNothingUp() throws Exception {
        try (DrainFixture f = new DrainFixture("longoutage"); TcpProxy proxy = new TcpProxy(f.db.port())) {
            StreamDrainer drainer = drainerThrough(f, proxy);
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
            for (int i = 0; i < 12; i++) {
                f.enqueue(account, device, List.of(event("k" + (i % 4), System.currentTimeMillis(), 100)), true);
            }
            proxy.cut();
            for (int run = 0; run < 10; run++) { // ten invocations, each after the entries went stale
                assertEquals("postgres_unavailable", drainer.run(0, () -> true).stoppedBy());
                Thread.sleep(SOON.toMillis() + 20);
            }
            long deliveries = f.stream.stalePending(0, Duration.ZERO, 100).stream().mapToLong(p -> p.deliveries()).max().orElse(0);
            assertTrue(deliveries > DrainFixture.options(SOON).maxFailures(), "delivered " + deliveries + " times");
            proxy.restore();
            Thread.sleep(SOON.toMillis() * 2);
            assertEquals(12, drainer.drainUntilIdle(0).eventsCounted());
            f.assertExactTotals();
            assertEquals(0, f.stream.stats(0).pending());
            assertEquals(0, xlen(f, f.keys.giveUps(0)), "nothing given up");
            assertEquals(0, xlen(f, f.keys.deadLetters(0)), "nothing dead-lettered");
        }
    }

    /**
     * The database answers but refuses the work for reasons of its own (here: a lock held by a migration,
     * 55P03; then read-only as after a failover, 25006): the drain stops and waits, and no entry is
     * charged, however often it happens.
     */
    @Test
    void aDatabaseThatAnswersButCannotWorkStopsTheDrainWithoutChargingEntries() throws Exception {
        try (DrainFixture f = new DrainFixture("refusing"); var admin = f.db.connect(); var locker = f.db.connect()) {
            String db = admin.getCatalog();
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
            for (int i = 0; i < 5; i++) {
                f.enqueue(account, device, List.of(event("k" + i, System.currentTimeMillis(), 10)), true);
            }
            try (var s = admin.createStatement()) {
                s.execute("ALTER DATABASE \"" + db + "\" SET lock_timeout = '200ms'");
            }
            locker.setAutoCommit(false);
            try (var s = locker.createStatement()) {
                s.execute("LOCK TABLE usage_1m IN ACCESS EXCLUSIVE MODE");
            }
            StreamDrainer drainer = f.drainer("c", SOON);
            for (int run = 0; run < 6; run++) {
                assertEquals("postgres_unavailable", drainer.run(0, () -> true).stoppedBy());
                Thread.sleep(SOON.toMillis() + 20);
            }
            locker.rollback();
            try (var s = admin.createStatement()) {
                s.execute("ALTER DATABASE \"" + db + "\" SET default_transaction_read_only = on");
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
            }
            for (int run = 0; run < 6; run++) {
                assertEquals("postgres_unavailable", drainer.run(0, () -> true).stoppedBy());
                Thread.sleep(SOON.toMillis() + 20);
            }
            try (var s = admin.createStatement()) {
                s.execute("ALTER DATABASE \"" + db + "\" RESET default_transaction_read_only");
                s.execute("ALTER DATABASE \"" + db + "\" RESET lock_timeout");
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
            }
            Thread.sleep(SOON.toMillis() * 2);
            assertEquals(5, drainer.drainUntilIdle(0).eventsCounted());
            f.assertExactTotals();
            assertEquals(0, xlen(f, f.keys.giveUps(0)));
            assertEquals(0, xlen(f, f.keys.deadLetters(0)));
        }
    }

    /** A drainer whose database connections go through the proxy, so a test can cut them. */
    static StreamDrainer drainerThrough(DrainFixture f, TcpProxy proxy) {
        TestDatabase viaProxy = f.role.throughPort(proxy.port());
        PostgresRollupStore store = new PostgresRollupStore(new Database(viaProxy.jdbcUrl(), viaProxy.user(), viaProxy.password()));
        f.closeables.add(store);
        return new StreamDrainer(f.stream, store, DrainFixture.options(SOON), "c", DrainFixture.QUIET, Clock.systemUTC());
    }

    static long xlen(DrainFixture f, String key) {
        return f.redis.commands().xlen(key);
    }

    @Test
    void redisStoppedEndsTheRunCleanlyAndSaysSo() throws Exception {
        try (EmbeddedRedis server = EmbeddedRedis.start(); DrainFixture f = new DrainFixture("redisoutage", server.url())) {
            UUID account = UUID.randomUUID();
            f.enqueue(account, f.device(account), List.of(event("k", System.currentTimeMillis(), 1)), true);
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
