package io.nuscape.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.StructuredLog;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRetention;
import io.nuscape.postgres.RollupTable;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retention at the bucket boundaries, per-account policies, partitions and dedupe keys, and a killed run. */
class RetentionJobTest {
    static final StructuredLog QUIET = new StructuredLog("retention", StructuredLog.Level.WARN, System.out);
    static final UUID DEFAULT = UUID.randomUUID();
    static final UUID SHORT = UUID.randomUUID();
    static final UUID LONG = UUID.randomUUID();

    record Fixture(TestDatabase db, Database database, Instant now, Set<String> expectedKept) {
    }

    /** Rows on both sides of every boundary; returns what must remain after retention. */
    static Fixture fixture(String name) throws Exception {
        TestDatabase db = TestPostgres.newDatabase(name);
        Migrator migrator = new Migrator(new Database(db.jdbcUrl(), db.user(), db.password()));
        migrator.migrate();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(30);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        migrator.ensurePartitions(today.minusDays(420), today);
        Set<String> kept = new TreeSet<>();
        try (Connection c = db.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO accounts (account_id, name) VALUES ('" + DEFAULT + "', 'd'), ('" + SHORT + "', 's'), ('" + LONG + "', 'l')");
                s.execute("INSERT INTO policies (account_id, retention_days_1m, retention_days_5m, retention_days_60m) VALUES "
                        + "('" + SHORT + "', 7, 30, 100), ('" + LONG + "', 30, 120, 420)");
            }
            Object[][] policies = {{DEFAULT, new int[] {14, 90, 400}}, {SHORT, new int[] {7, 30, 100}}, {LONG, new int[] {30, 120, 420}}};
            // The rollup tables and presence, which is kept as long as the 60m rollups.
            for (RollupTable t : RollupTable.ALL) {
                String insert = t == RollupTable.PRESENCE ? "INSERT INTO usage_presence VALUES (?, ?, ?, 'screen', repeat('1', 5760)::bit(5760))"
                        : "INSERT INTO " + t.name() + " VALUES (?, ?, ?, 'app', 'k', 1, 1)";
                try (PreparedStatement p = c.prepareStatement(insert)) {
                    for (Object[] policy : policies) {
                        UUID account = (UUID) policy[0];
                        int days = ((int[]) policy[1])[t.retainedAs().ordinal()];
                        long size = t.bucketMillis();
                        long cutoff = now.minus(Duration.ofDays(days)).toEpochMilli();
                        long inside = Math.floorDiv(cutoff, size) * size;   // straddles the cutoff: stays
                        long expired = inside - size;                       // ends exactly at or before the cutoff: goes
                        long older = expired - Duration.ofDays(t.dailyPartitions() ? 10 : 40).toMillis(); // a whole older partition
                        long recent = Math.floorDiv(now.toEpochMilli() - Duration.ofDays(1).toMillis(), size) * size;
                        for (long bucket : new long[] {inside, expired, older, recent}) {
                            if (bucket < now.minus(Duration.ofDays(419)).toEpochMilli()) {
                                continue;
                            }
                            p.setObject(1, account);
                            p.setObject(2, UUID.randomUUID());
                            p.setTimestamp(3, Timestamp.from(Instant.ofEpochMilli(bucket)));
                            p.addBatch();
                            if (bucket == inside || bucket == recent) {
                                kept.add(t.name() + "|" + account + "|" + Instant.ofEpochMilli(bucket));
                            }
                        }
                    }
                    p.executeBatch();
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO event_dedupe (device_id, event_id, first_seen) VALUES "
                        + "('" + UUID.randomUUID() + "', '" + UUID.randomUUID() + "', now() - interval '49 hours'),"
                        + "('" + UUID.randomUUID() + "', '" + UUID.randomUUID() + "', now() - interval '47 hours')");
                // V5 dedupe partitions on both sides of their boundaries (48 h window: 1m days kept from
                // today - 4, late ones from today - 3).
                migrator.ensureDedupePartitions(today.minusDays(6), today);
                for (int back : new int[] {3, 2}) { // limit marks: the day before yesterday still reaches some zone's yesterday
                    s.execute("INSERT INTO limit_marks VALUES (gen_random_uuid(), '" + today.minusDays(back) + "', gen_random_uuid(), now())");
                }
                for (int back : new int[] {5, 4, 3}) {
                    s.execute("INSERT INTO dedupe_keys VALUES (gen_random_uuid(), gen_random_uuid(), '" + today.minusDays(back) + "')");
                    s.execute("INSERT INTO dedupe_keys_late VALUES (gen_random_uuid(), gen_random_uuid(), '" + today.minusDays(back) + "')");
                }
            }
        }
        // Retention runs as its least-privileged role (V2 migration); the fixture above wrote as the owner.
        TestDatabase role = db.asRole("nuscape_retention");
        return new Fixture(db, new Database(role.jdbcUrl(), role.user(), role.password()), now, kept);
    }

    static RetentionJob job(Fixture f) {
        return new RetentionJob(new PostgresRetention(f.database()), new Migrator(f.database()), Duration.ofHours(48), 2, io.nuscape.core.control.RetentionLimits.DEFAULTS,
                Clock.fixed(f.now(), ZoneOffset.UTC), QUIET);
    }

    static Set<String> remaining(Fixture f) throws Exception {
        Set<String> out = new TreeSet<>();
        try (Connection c = f.db().connect(); Statement s = c.createStatement()) {
            for (RollupTable t : RollupTable.ALL) {
                try (ResultSet rs = s.executeQuery("SELECT account_id, bucket_start FROM " + t.name())) {
                    while (rs.next()) {
                        out.add(t.name() + "|" + rs.getString(1) + "|" + rs.getTimestamp(2).toInstant());
                    }
                }
            }
        }
        return out;
    }

    static long count(Fixture f, String sql) throws Exception {
        try (Connection c = f.db().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void dropsExactlyTheExpiredBucketsOfEachAccountAtEveryGranularityAndPresenceWithTheHourRollups() throws Exception {
        Fixture f = fixture("retention");
        RetentionJob.Report r = job(f).run(() -> true);
        assertTrue(r.finished());
        assertEquals(f.expectedKept(), remaining(f));
        assertEquals(2, count(f, "SELECT count(*) FROM event_dedupe"), "the V1 table stays whole while a key in it is inside the window");
        assertEquals(2, count(f, "SELECT count(*) FROM dedupe_keys"), "the partition of today - 5 went, today - 4 and - 3 stayed");
        assertEquals(1, count(f, "SELECT count(*) FROM dedupe_keys_late"), "late keys stored today - 3 stay, older ones went");
        assertEquals(5, r.dedupeTablesDropped(), "dedupe_keys of today - 6 and - 5, dedupe_keys_late of today - 6, - 5 and - 4");
        assertEquals(1, count(f, "SELECT count(*) FROM limit_marks"), "the mark of today - 3 went, today - 2 stayed");
        assertTrue(r.partitionsDropped() > 0);
        // Whole 1m days older than the longest 1m policy (30 days) are gone as partitions, younger ones stay.
        LocalDate today = LocalDate.ofInstant(f.now(), ZoneOffset.UTC);
        Set<String> names = new TreeSet<>();
        new PostgresRetention(f.database()).partitions(RollupTable.of(Granularity.MINUTE)).forEach(p -> names.add(p.name()));
        assertFalse(names.contains("usage_1m_p" + today.minusDays(32).toString().replace("-", "")));
        assertTrue(names.contains("usage_1m_p" + today.minusDays(29).toString().replace("-", "")));
        assertTrue(names.contains("usage_1m_p" + today.plusDays(30).toString().replace("-", "")), "coming partitions exist");
        // Idempotent: a second run changes nothing.
        RetentionJob.Report again = job(f).run(() -> true);
        assertEquals(0, again.partitionsDropped());
        assertEquals(0, again.dedupeTablesDropped());
        assertEquals(0, again.rowsExpired());
        assertEquals(f.expectedKept(), remaining(f));
    }

    /** The V1 dedupe table goes as a whole once its newest key is past the window, and only then. */
    @Test
    void theV1DedupeTableIsDroppedOnceItsNewestKeyIsPastTheWindow() throws Exception {
        Fixture f = fixture("retentionv1");
        job(f).run(() -> true);
        assertEquals(1, count(f, "SELECT count(*) FROM pg_class WHERE relname = 'event_dedupe'"));
        try (Connection c = f.db().connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM event_dedupe WHERE first_seen > now() - interval '48 hours'");
        }
        RetentionJob.Report r = job(f).run(() -> true);
        assertEquals(1, r.dedupeTablesDropped());
        assertEquals(0, count(f, "SELECT count(*) FROM pg_class WHERE relname = 'event_dedupe'"));
    }

    /**
     * A drainer holding dedupe_keys (a long transaction) makes the drop of its partitions wait at most the
     * lock timeout: those are skipped and left to the next run, the late table's partitions still go, and
     * the run does not fail.
     */
    @Test
    void aDedupePartitionWhoseParentIsBusyIsLeftToTheNextRun() throws Exception {
        Fixture f = fixture("retentionbusy");
        try (Connection busy = f.db().connect(); Statement s = busy.createStatement()) {
            busy.setAutoCommit(false);
            s.execute("LOCK TABLE dedupe_keys IN ACCESS SHARE MODE");
            int dropped = new PostgresRetention(f.database()).expireDedupeKeys(f.now(), Duration.ofHours(48));
            assertEquals(3, dropped, "the late table's three partitions; dedupe_keys' two waited out their lock timeout");
            busy.rollback();
        }
        assertEquals(2, new PostgresRetention(f.database()).expireDedupeKeys(f.now(), Duration.ofHours(48)), "the next run drops them");
    }

    /** A policy stored beyond today's platform maximum is held to the maximum, partitions included. */
    @Test
    void aPolicyBeyondThePlatformMaximumIsCappedByIt() throws Exception {
        Fixture f = fixture("retentioncap");
        var limits = new io.nuscape.core.control.RetentionLimits(20, 120, 420); // LONG keeps 1m for 30 days: now 20
        RetentionJob job = new RetentionJob(new PostgresRetention(f.database()), new Migrator(f.database()), Duration.ofHours(48), 2,
                limits, Clock.fixed(f.now(), ZoneOffset.UTC), QUIET);
        assertTrue(job.run(() -> true).finished());
        Set<String> expected = new TreeSet<>(f.expectedKept());
        long longsInside = Granularity.MINUTE.bucketOf(f.now().minus(Duration.ofDays(30)).toEpochMilli());
        assertTrue(expected.remove("usage_1m|" + LONG + "|" + java.time.Instant.ofEpochMilli(longsInside)));
        assertEquals(expected, remaining(f));
        LocalDate today = LocalDate.ofInstant(f.now(), ZoneOffset.UTC);
        Set<String> names = new TreeSet<>();
        new PostgresRetention(f.database()).partitions(RollupTable.of(Granularity.MINUTE)).forEach(p -> names.add(p.name()));
        assertFalse(names.contains("usage_1m_p" + today.minusDays(22).toString().replace("-", "")), "dropped past the maximum");
    }

    @Test
    void aRunKilledHalfwayIsFinishedByTheNextOne() throws Exception {
        Fixture f = fixture("retentionkilled");
        AtomicInteger budget = new AtomicInteger(4);
        RetentionJob.Report cut = job(f).run(() -> budget.decrementAndGet() > 0);
        assertFalse(cut.finished());
        assertFalse(remaining(f).equals(f.expectedKept()), "the first run stopped before the end");
        job(f).run(() -> true);
        assertEquals(f.expectedKept(), remaining(f));
    }

    /**
     * The audit log is kept as long as each account's 60m rollups (400 days by default, SHORT 100, LONG 420);
     * sessions, invitations and enrollment codes go a day after they ended, refresh tokens with their session.
     */
    @Test
    void auditEntriesFollowTheAccountsRetentionAndSpentCredentialsGoADayAfterTheyEnd() throws Exception {
        Fixture f = fixture("retentionaudit");
        try (Connection c = f.db().connect(); Statement s = c.createStatement()) {
            for (Object[] a : new Object[][] {{DEFAULT, 400}, {SHORT, 100}, {LONG, 420}}) {
                for (int days : new int[] {(int) a[1] + 1, (int) a[1] - 1, 401}) {
                    s.execute("INSERT INTO audit_log (account_id, at, actor, action, target) VALUES ('" + a[0] + "', timestamptz '"
                            + f.now() + "' - interval '" + days + " days', 'system', 'policy.changed', NULL)");
                }
            }
            UUID user = UUID.randomUUID();
            s.execute("INSERT INTO users (user_id, account_id, email, role, created_at) VALUES ('" + user + "', '" + DEFAULT
                    + "', 'a@example.com', 'admin', now())");
            String[][] sessions = {{"ended", "now() - interval '2 days'", "NULL"}, {"live", "now() + interval '2 days'", "NULL"},
                    {"signedout", "now() + interval '2 days'", "now() - interval '2 days'"}, {"justended", "now() - interval '1 hour'", "NULL"}};
            for (String[] x : sessions) {
                UUID id = UUID.nameUUIDFromBytes(x[0].getBytes());
                s.execute("INSERT INTO sessions (session_id, account_id, user_id, created_at, expires_at, revoked_at) VALUES ('" + id + "', '"
                        + DEFAULT + "', '" + user + "', now(), " + x[1] + ", " + x[2] + ")");
                s.execute("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (decode(md5('" + x[0] + "'), 'hex'), '" + id + "', now())");
            }
            UUID gone = UUID.randomUUID();
            s.execute("INSERT INTO users (user_id, account_id, email, role, created_at) VALUES ('" + gone + "', '" + DEFAULT
                    + "', 'gone@example.com', 'viewer', now() - interval '9 days')");
            s.execute("INSERT INTO invitations (token_hash, account_id, user_id, created_at, expires_at) VALUES (decode(md5('gone'), 'hex'), '"
                    + DEFAULT + "', '" + gone + "', now() - interval '9 days', now() - interval '2 days')");
            for (String[] x : new String[][] {{"old", "now() - interval '2 days'"}, {"new", "now() + interval '1 hour'"}}) {
                s.execute("INSERT INTO invitations (token_hash, account_id, user_id, created_at, expires_at) VALUES (decode(md5('" + x[0]
                        + "'), 'hex'), '" + DEFAULT + "', '" + user + "', now(), " + x[1] + ")");
                s.execute("INSERT INTO enrollment_codes (code_hash, account_id, created_at, created_by, expires_at) VALUES (decode(md5('"
                        + x[0] + "'), 'hex'), '" + DEFAULT + "', now(), 'system', " + x[1] + ")");
            }
        }
        assertTrue(job(f).run(() -> true).finished());
        // Kept for the account's 60m retention, and never less than the platform's 400 days: SHORT's 100-day
        // policy does not shorten its audit log.
        assertEquals(List.of(399), ages(f, DEFAULT));
        assertEquals(List.of(99, 101), ages(f, SHORT));
        assertEquals(List.of(401, 419), ages(f, LONG));
        assertEquals(2, count(f, "SELECT count(*) FROM sessions"), "the live one and the one that ended an hour ago");
        assertEquals(2, count(f, "SELECT count(*) FROM refresh_tokens"));
        assertEquals(1, count(f, "SELECT count(*) FROM invitations"));
        assertEquals(1, count(f, "SELECT count(*) FROM enrollment_codes"));
        assertEquals(0, count(f, "SELECT count(*) FROM users WHERE email = 'gone@example.com'"), "never accepted, invitation ended");
        assertEquals(1, count(f, "SELECT count(*) FROM users WHERE email = 'a@example.com'"), "its invitation is still open");
    }

    /** The audit entries' ages in whole days, oldest last. */
    static List<Integer> ages(Fixture f, UUID account) throws Exception {
        List<Integer> out = new ArrayList<>();
        try (Connection c = f.db().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT round(extract(epoch FROM timestamptz '" + f.now() + "' - at) / 86400)::int FROM audit_log WHERE account_id = '"
                        + account + "' ORDER BY at DESC")) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }
}
