package io.nuscape.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nuscape.core.event.EventIds;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.core.rollup.RollupStore;
import io.nuscape.testkit.MovableClock;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dedupe keys in daily partitions (V5) stay exact: a retry of an event counts nothing, whatever its id
 * (UUIDv7, v4 without a time, v7 from a wrong clock), whenever it comes within the window (same day, next
 * day, after the event turned late), for events uploaded days late, against keys of the V1 table, and
 * with drainers racing on the same late events.
 */
class DedupeKeysTest {
    static TestDatabase db;
    static Database drainer;
    static final UUID ACCOUNT = UUID.randomUUID();

    @BeforeAll
    static void migrate() throws SQLException {
        db = TestPostgres.newDatabase("dedupe");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        TestDatabase r = db.asRole("nuscape_drainer");
        drainer = new Database(r.jdbcUrl(), r.user(), r.password());
        sql("INSERT INTO accounts (account_id, name) VALUES ('" + ACCOUNT + "', 'a')");
    }

    static void sql(String statement) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static UUID device() throws SQLException {
        UUID d = UUID.randomUUID();
        sql("INSERT INTO devices (device_id, account_id, name, platform) VALUES ('" + d + "', '" + ACCOUNT + "', 'd', 'ios')");
        return d;
    }

    static List<DrainEvent> batch(UUID device, long receivedAt, UsageEvent... events) {
        List<DrainEvent> out = new ArrayList<>();
        for (UsageEvent e : events) {
            out.add(new DrainEvent(ACCOUNT, device, receivedAt, 0, e));
        }
        return out;
    }

    @Test
    void aRetryCountsNothingWhicheverDayItComesOn() throws Exception {
        Instant start = Instant.now();
        long ts = start.toEpochMilli() - 60_000;
        UUID[] ids = {EventIds.v7(ts), UUID.randomUUID(), EventIds.v7(Instant.parse("2019-03-01T00:00:00Z").toEpochMilli())};
        for (UUID id : ids) {
            MovableClock clock = new MovableClock(start);
            UUID device = device();
            UsageEvent event = new UsageEvent(id.toString(), ts, "app", "k", 1000);
            try (PostgresRollupStore store = new PostgresRollupStore(drainer, clock)) {
                assertEquals(1, store.apply(batch(device, ts, event)).counted(), "first time: " + id);
                // Same day, next day (still fresh), then late: the key is found in its day's partition.
                for (long hours : new long[] {0, 20, 10, 24, 30}) {
                    clock.advance(Duration.ofHours(hours));
                    RollupStore.Applied again = store.apply(batch(device, ts, event));
                    assertEquals(0, again.counted(), "retry of " + id + " at " + clock.instant());
                    assertEquals(1, again.duplicates());
                }
            }
        }
    }

    @Test
    void anEventUploadedDaysLateIsCountedOnceAcrossDays() throws Exception {
        MovableClock clock = new MovableClock(Instant.now());
        long ts = clock.instant().minus(Duration.ofDays(10)).toEpochMilli();
        UUID device = device();
        UsageEvent event = new UsageEvent(EventIds.v7(ts).toString(), ts, "app", "late", 1000);
        try (PostgresRollupStore store = new PostgresRollupStore(drainer, clock)) {
            assertEquals(1, store.apply(batch(device, clock.millis(), event)).counted());
            assertEquals(1, count("SELECT count(*) FROM dedupe_keys_late WHERE device_id = '" + device + "'"), "stored as late, under today");
            clock.advance(Duration.ofHours(30));
            assertEquals(0, store.apply(batch(device, clock.millis(), event)).counted());
        }
    }

    @Test
    void keysOfTheV1TableStillCountUntilRetentionDropsIt() throws Exception {
        MovableClock clock = new MovableClock(Instant.now());
        UUID device = device();
        long ts = clock.millis() - 1000;
        UsageEvent old = new UsageEvent(UUID.randomUUID().toString(), ts, "app", "v1", 1000);
        sql("INSERT INTO event_dedupe (device_id, event_id) VALUES ('" + device + "', '" + old.eventId() + "')");
        try (PostgresRollupStore store = new PostgresRollupStore(drainer, clock)) {
            assertEquals(0, store.apply(batch(device, ts, old)).counted(), "drained before the upgrade: not again");
            sql("DROP TABLE event_dedupe"); // what retention does once its newest key is past the window
            UsageEvent next = new UsageEvent(UUID.randomUUID().toString(), ts, "app", "v1", 1000);
            assertEquals(1, store.apply(batch(device, ts, next)).counted(), "the store learns the table is gone and goes on");
            assertEquals(0, store.apply(batch(device, ts, next)).counted());
        } finally {
            sql("CREATE TABLE IF NOT EXISTS event_dedupe (device_id uuid, event_id uuid, first_seen timestamptz DEFAULT now(),"
                    + " PRIMARY KEY (device_id, event_id))");
            sql("GRANT SELECT (device_id, event_id), INSERT (device_id, event_id) ON event_dedupe TO nuscape_drainer");
        }
    }

    @Test
    void drainersRacingOnTheSameLateEventsCountThemOnce() throws Exception {
        Instant now = Instant.now();
        UUID device = device();
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long ts = now.minus(Duration.ofDays(5)).toEpochMilli() + i;
            events.add(new UsageEvent((i % 2 == 0 ? EventIds.v7(ts) : UUID.randomUUID()).toString(), ts, "app", "race", 10));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> counted = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                counted.add(pool.submit(() -> {
                    try (PostgresRollupStore store = new PostgresRollupStore(drainer, new MovableClock(now))) {
                        return store.apply(batch(device, now.toEpochMilli(), events.toArray(UsageEvent[]::new))).counted();
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> f : counted) {
                total += f.get();
            }
            assertEquals(50, total, "each late event counted by exactly one drainer");
        } finally {
            pool.shutdown();
        }
        assertEquals(50 * 10, count("SELECT sum(duration_ms) FROM usage_1m WHERE device_id = '" + device + "'"));
    }

    /** Two drainers whose clocks lie on either side of midnight see the same event as late and as fresh. */
    @Test
    void drainersOnEitherSideOfMidnightCountAnEventOnce() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant midnight = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        long ts = midnight.minus(Duration.ofHours(30)).toEpochMilli(); // yesterday's day, before midnight
        UUID device = device();
        UsageEvent event = new UsageEvent(EventIds.v7(ts).toString(), ts, "app", "midnight", 1000);
        try (PostgresRollupStore after = new PostgresRollupStore(drainer, new MovableClock(midnight.plusSeconds(1)));
             PostgresRollupStore before = new PostgresRollupStore(drainer, new MovableClock(midnight.minusSeconds(1)))) {
            assertEquals(1, after.apply(batch(device, ts, event)).counted(), "late for the clock past midnight");
            assertEquals(0, before.apply(batch(device, ts, event)).counted(), "fresh for the clock before it: found among the late keys");
        }
        // And the other way round: stored fresh first, then seen late.
        UUID other = device();
        UsageEvent second = new UsageEvent(EventIds.v7(ts + 1).toString(), ts + 1, "app", "midnight", 1000);
        try (PostgresRollupStore after = new PostgresRollupStore(drainer, new MovableClock(midnight.plusSeconds(1)));
             PostgresRollupStore before = new PostgresRollupStore(drainer, new MovableClock(midnight.minusSeconds(1)))) {
            assertEquals(1, before.apply(batch(other, ts, second)).counted());
            assertEquals(0, after.apply(batch(other, ts, second)).counted());
        }
    }

    /** A drainer of the previous release (rollback, or still running in a deployment) dedupes by event_dedupe alone. */
    @Test
    void aDrainerOfThePreviousReleaseDoesNotCountAKeyTheNewTablesHold() throws Exception {
        MovableClock clock = new MovableClock(Instant.now());
        UUID device = device();
        long ts = clock.millis() - 1000;
        UsageEvent event = new UsageEvent(EventIds.v7(ts).toString(), ts, "app", "old", 1000);
        try (PostgresRollupStore store = new PostgresRollupStore(drainer, clock)) {
            assertEquals(1, store.apply(batch(device, ts, event)).counted());
        }
        String previousRelease = "INSERT INTO event_dedupe (device_id, event_id) SELECT * FROM unnest(?::uuid[], ?::uuid[])"
                + " ON CONFLICT DO NOTHING RETURNING device_id, event_id";
        try (Connection c = drainer.connect(); var p = c.prepareStatement(previousRelease)) {
            p.setArray(1, c.createArrayOf("uuid", new UUID[] {device, device}));
            p.setArray(2, c.createArrayOf("uuid", new UUID[] {UUID.fromString(event.eventId()), EventIds.v7(ts + 1)}));
            int returned = 0;
            try (var rs = p.executeQuery()) {
                while (rs.next()) {
                    org.junit.jupiter.api.Assertions.assertNotEquals(event.eventId(), rs.getString(2));
                    returned++;
                }
            }
            assertEquals(1, returned, "the key the new tables hold is left out, so the old drainer does not count it");
        }
    }

    @Test
    void theDedupeDayComesFromTheEventAlone() {
        long ts = Instant.parse("2026-11-23T23:59:00Z").toEpochMilli();
        assertEquals(LocalDate.of(2026, 11, 24), io.nuscape.postgres.internal.DedupeKeys.day(EventIds.v7(ts + 120_000), ts),
                "a v7 id within a day of its ts: the id's day");
        assertEquals(LocalDate.of(2026, 11, 23), io.nuscape.postgres.internal.DedupeKeys.day(EventIds.v7(ts - 3 * 86_400_000L), ts),
                "a v7 id from a wrong clock: the ts' day");
        assertEquals(LocalDate.of(2026, 11, 23), io.nuscape.postgres.internal.DedupeKeys.day(UUID.randomUUID(), ts), "v4: the ts' day");
        assertEquals(LocalDate.ofInstant(Instant.ofEpochMilli(ts), ZoneOffset.UTC), LocalDate.of(2026, 11, 23));
    }

    static long count(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
