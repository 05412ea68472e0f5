package io.nuscape.api;

import static io.nuscape.api.ProfilesAndCategoriesTest.device;
import static io.nuscape.api.ProfilesAndCategoriesTest.ok;
import static io.nuscape.api.ProfilesAndCategoriesTest.send;
import static io.nuscape.api.ProfilesAndCategoriesTest.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.auth.Scope;
import io.nuscape.core.category.Categories;
import io.nuscape.core.category.CategoryUsage;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.limit.Alert;
import io.nuscape.core.limit.LimitAlerts;
import io.nuscape.core.limit.LimitEvaluator;
import io.nuscape.core.profile.CombinedScreenTime;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresAlertStore;
import io.nuscape.postgres.PostgresCategoryStore;
import io.nuscape.postgres.PostgresLimitStore;
import io.nuscape.postgres.PostgresProfileStore;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.postgres.PostgresUsageReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Limit alerts from the marks drains leave, on real Postgres with the drainer's own store: crossed by one drain or by many
 * small ones, each alert recorded once a day, with two evaluators at once and after a crash before the commit.
 * The clock stands at 2026-11-02T03:00Z: 22:00 on November 1st in New York, a day of 25 hours.
 */
class LimitAlertsTest {
    static final Instant NOW = Instant.parse("2026-11-02T03:00:00Z");
    static ConnectionPool pool;
    static PostgresAlertStore store;
    static LimitAlerts alerts;

    @BeforeAll
    static void start() throws Exception {
        ProfilesAndCategoriesTest.start();
        // The evaluator as its own least-privileged role; the drains (which write the marks) as the drainer's.
        pool = new ConnectionPool(role("nuscape_alerts"), 4, 5_000);
        PostgresProfileStore profiles = new PostgresProfileStore(pool);
        PostgresUsageReader reader = new PostgresUsageReader(pool);
        LimitEvaluator evaluator = new LimitEvaluator(profiles, new CombinedScreenTime(profiles, reader), reader,
                new CategoryUsage(reader, new Categories(new PostgresCategoryStore(pool))));
        store = new PostgresAlertStore(pool);
        alerts = new LimitAlerts(store, new PostgresLimitStore(pool), evaluator, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        pool.close();
        ProfilesAndCategoriesTest.stop();
    }

    static Database role(String name) {
        var r = ProfilesAndCategoriesTest.db.asRole(name);
        return new Database(r.jdbcUrl(), r.user(), r.password());
    }

    static Database database() {
        return new Database(ProfilesAndCategoriesTest.db.jdbcUrl(), ProfilesAndCategoriesTest.db.user(), ProfilesAndCategoriesTest.db.password());
    }

    /** A family: a profile of two devices with a limit of an hour a day (warnings 15 and 5 minutes before), New York time. */
    record Family(UUID account, String profile, UUID phone, UUID tablet, String limit) {
        static Family make(String name) {
            UUID account = ProfilesAndCategoriesTest.account(name);
            String admin = token(account, Scope.ADMIN);
            String profile = ProfilesAndCategoriesTest.profile(admin, "Ana");
            UUID phone = UUID.fromString(device(admin, "Phone"));
            UUID tablet = UUID.fromString(device(admin, "Tablet"));
            for (UUID d : List.of(phone, tablet)) {
                ok(send("PATCH", "/api/v1/devices/" + d, admin, "{\"profile_id\":\"" + profile + "\"}"), 200);
            }
            String limit = ok(send("POST", "/api/v1/limits", admin, "{\"profile_id\":\"" + profile + "\",\"target\":{\"all\":true},"
                    + "\"daily_ms\":3600000,\"tz\":\"America/New_York\",\"warn_before_ms\":[900000,300000]}"), 201).get("limit_id").asText();
            try {
                // Making the limit marked its devices for the API's today (the real one), which the evaluator, its clock
                // on November 1st, finds nothing to alert about: take those marks out of the way of the test's own.
                assertEquals(List.of(), alerts.run(1_000));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return new Family(account, profile, phone, tablet, limit);
        }

        /** Drains screen time of the device, [start, start + minutes), as the drainer's role: the drain marks the device and day. */
        void use(UUID device, String start, int minutes) throws Exception {
            long ts = Instant.parse(start).toEpochMilli();
            try (PostgresRollupStore rollups = new PostgresRollupStore(role("nuscape_drainer"))) {
                rollups.apply(List.of(new DrainEvent(account, device, ts, 1, new UsageEvent(UUID.randomUUID().toString(), ts, "screen", "on",
                        minutes * 60_000L))));
            }
        }

        /** The alerts recorded for the limit, as "type threshold day", in order. */
        List<String> recorded() throws Exception {
            List<String> out = new ArrayList<>();
            try (Connection c = ProfilesAndCategoriesTest.db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT type, threshold_ms, day FROM alerts WHERE limit_id = '" + limit + "' ORDER BY raised_at, type,"
                         + " threshold_ms DESC")) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getString(3));
                }
            }
            return out;
        }
    }

    static long marksLeft() throws Exception {
        try (Connection c = ProfilesAndCategoriesTest.db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM limit_marks")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void oneDrainPastTheLimitRaisesExceededOnceAndNoWarnings() throws Exception {
        Family f = Family.make("One drain");
        f.use(f.phone, "2026-11-01T20:00:00Z", 70);
        List<Alert> raised = alerts.run(100);
        assertEquals(1, raised.size(), raised.toString());
        assertEquals("limit.exceeded", raised.get(0).type());
        assertEquals(4_200_000L, raised.get(0).details().get("used_ms"));
        assertEquals(List.of("limit.exceeded 0 2026-11-01"), f.recorded());
        f.use(f.tablet, "2026-11-01T21:30:00Z", 10);
        assertEquals(0, alerts.run(100).stream().filter(a -> a.limitId().toString().equals(f.limit)).count(), "exceeded once a day");
        assertEquals(0, marksLeft());
    }

    @Test
    void manySmallDrainsRaiseEachWarningThenExceededOnceEach() throws Exception {
        Family f = Family.make("Small drains");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 14; i++) { // 5 minutes at a time, alternating devices, 70 minutes in all, none at once
            f.use(i % 2 == 0 ? f.phone : f.tablet, Instant.parse("2026-11-01T14:00:00Z").plusSeconds(i * 300L).toString(), 5);
            for (Alert a : alerts.run(100)) {
                seen.add(a.type() + " " + a.thresholdMs() + " at " + a.details().get("used_ms"));
            }
        }
        assertEquals(List.of("limit.warning 900000 at 2700000", "limit.warning 300000 at 3300000", "limit.exceeded 0 at 3600000"), seen);
        assertEquals(3, f.recorded().size());
    }

    @Test
    void twoEvaluatorsAtOnceRecordEachAlertOnce() throws Exception {
        Family f = Family.make("Two evaluators");
        f.use(f.phone, "2026-11-01T15:00:00Z", 50);
        f.use(f.tablet, "2026-11-01T16:00:00Z", 20); // two marks: each evaluator claims one, both reach the profile's limit
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<Alert>>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> store.evaluateMarks(1, marks -> {
                    together.await(10, java.util.concurrent.TimeUnit.SECONDS); // both hold a claimed mark and evaluate before either records
                    return alerts.alertsFor(marks);
                })));
            }
            int recorded = 0;
            for (Future<List<Alert>> r : runs) {
                recorded += r.get().size();
            }
            assertEquals(1, recorded, "both raised limit.exceeded; one recorded it");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of("limit.exceeded 0 2026-11-01"), f.recorded());
        assertEquals(0, marksLeft());
    }

    @Test
    void aCrashBeforeTheCommitLeavesTheMarksAndTheNextRunRaisesTheAlert() throws Exception {
        Family f = Family.make("Crash");
        f.use(f.phone, "2026-11-01T18:00:00Z", 61);
        assertThrows(IllegalStateException.class, () -> store.evaluateMarks(100, marks -> {
            alerts.alertsFor(marks);
            throw new IllegalStateException("the evaluator dies before its commit");
        }));
        assertTrue(marksLeft() > 0, "the claimed marks came back");
        assertEquals(List.of(), f.recorded());
        assertEquals(1, alerts.run(100).size());
        assertEquals(List.of("limit.exceeded 0 2026-11-01"), f.recorded());
    }

    /**
     * A drain that marks a device while an evaluation of that device's marks runs neither waits for it (the
     * marks are leased, not locked) nor loses its mark: the round deletes only the marks as it claimed them.
     */
    @Test
    void aDrainDuringAnEvaluationNeitherWaitsNorLosesItsMark() throws Exception {
        Family f = Family.make("Concurrent drain");
        f.use(f.phone, "2026-11-01T15:00:00Z", 30);
        long[] drainMs = new long[1];
        store.evaluateMarks(100, marks -> {
            List<Alert> raised = alerts.alertsFor(marks); // 30 of 60 minutes: nothing
            var drain = java.util.concurrent.CompletableFuture.runAsync(() -> {
                long t0 = System.nanoTime();
                try {
                    f.use(f.phone, "2026-11-01T16:00:00Z", 40);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                drainMs[0] = (System.nanoTime() - t0) / 1_000_000;
            });
            drain.get(10, java.util.concurrent.TimeUnit.SECONDS); // before this round commits: it must not wait for it
            return raised;
        });
        assertTrue(drainMs[0] < 5_000, "the drain took " + drainMs[0] + " ms");
        assertTrue(marksLeft() > 0, "the drain's mark outlived the round that was running when it came");
        assertEquals(List.of(), f.recorded());
        alerts.run(100);
        assertEquals(List.of("limit.exceeded 0 2026-11-01"), f.recorded(), "70 of 60 minutes, raised at the next round");
        assertEquals(0, marksLeft());
    }

    /**
     * A mark deleted (retention, erasure, another evaluator) and made again while a round ran is a new mark with a
     * new version: the round that claimed the old one must not delete it.
     */
    @Test
    void aMarkMadeAgainDuringAnEvaluationOutlivesTheRoundThatClaimedTheOldOne() throws Exception {
        Family f = Family.make("Remade mark");
        f.use(f.phone, "2026-11-01T15:00:00Z", 30);
        store.evaluateMarks(100, marks -> {
            List<Alert> raised = alerts.alertsFor(marks);
            try (Connection c = ProfilesAndCategoriesTest.db.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM limit_marks");
            }
            f.use(f.phone, "2026-11-01T16:00:00Z", 40);
            return raised;
        });
        assertTrue(marksLeft() > 0, "the new mark is still there");
        alerts.run(100);
        assertEquals(List.of("limit.exceeded 0 2026-11-01"), f.recorded());
    }

    @Test
    void aLimitLoweredMidDayPastTodaysUseAlertsWithoutWaitingForADrain() throws Exception {
        Family f = Family.make("Lowered");
        f.use(f.phone, "2026-11-01T15:00:00Z", 30);
        assertEquals(List.of(), alerts.run(100).stream().filter(a -> a.limitId().toString().equals(f.limit)).toList(), "30 of 60 minutes");
        // The admin lowers the limit to 20 minutes at 22:00 New York time (the API's store, as its role).
        try (ConnectionPool api = new ConnectionPool(role("nuscape_api"), 1, 5_000)) {
            new PostgresLimitStore(api).update(f.account, UUID.fromString(f.limit), 1_200_000L, null, List.of(), new io.nuscape.core.audit.Change("user:x", NOW));
        }
        List<Alert> raised = alerts.run(100);
        assertEquals(List.of("limit.exceeded"), raised.stream().map(Alert::type).toList());
        assertEquals(List.of("limit.exceeded 0 2026-11-01"), f.recorded());
    }

    @Test
    void lateEventsOfOlderDaysCountButAlertNobody() throws Exception {
        Family f = Family.make("Late");
        f.use(f.phone, "2026-10-25T15:00:00Z", 90);
        assertEquals(List.of(), alerts.run(100).stream().filter(a -> a.limitId().toString().equals(f.limit)).toList());
        assertEquals(0, marksLeft(), "the mark is spent");
    }
}
