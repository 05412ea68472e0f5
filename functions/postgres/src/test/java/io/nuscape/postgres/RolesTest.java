package io.nuscape.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The functions' roles (V2 migration) on a real Postgres: each does its work, and what it has no business
 * doing fails with 42501 (insufficient privilege). The retention, erasure, drainer and API tests of their
 * own modules run their whole suites as these roles too.
 */
class RolesTest {
    static TestDatabase db;

    @BeforeAll
    static void migrate() throws SQLException {
        db = TestPostgres.newDatabase("roles");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
    }

    static Database as(String role) {
        TestDatabase r = db.asRole(role);
        return new Database(r.jdbcUrl(), r.user(), r.password());
    }

    static void forbidden(String role, String... statements) throws SQLException {
        try (Connection c = as(role).connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), role + ": " + sql);
                assertEquals("42501", e.getSQLState(), role + ": " + sql + " -> " + e.getMessage());
            }
        }
    }

    static String uuid() {
        return "'" + UUID.randomUUID() + "'";
    }

    @Test
    void theDrainerDrainsAndMakesPartitionsButTouchesNothingElse() throws SQLException {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        Database drainer = as("nuscape_drainer");
        long now = System.currentTimeMillis();
        try (PostgresRollupStore store = new PostgresRollupStore(drainer)) {
            long noon = LocalDate.now(ZoneOffset.UTC).minusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
            var applied = store.apply(List.of(new DrainEvent(account, device, now, 0, new UsageEvent(UUID.randomUUID().toString(), now, "app", "k", 5)),
                    new DrainEvent(account, device, now, 0, new UsageEvent(UUID.randomUUID().toString(), noon, "screen", "on", 60_000))));
            assertEquals(2, applied.counted());
            // A second drain of the same day ORs into the row (the UPDATE (cells) grant).
            assertEquals(1, store.apply(List.of(new DrainEvent(account, device, now, 0,
                    new UsageEvent(UUID.randomUUID().toString(), noon + 60_000, "screen", "on", 60_000)))).counted());
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT sum(bit_count(cells)) FROM usage_presence WHERE device_id = '" + device + "'")) {
            rs.next();
            assertEquals(8, rs.getLong(1), "two minutes of screen in presence");
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM limit_marks WHERE device_id = '" + device + "'")) {
            rs.next();
            assertTrue(rs.getLong(1) >= 1, "the drain marked the device for the alert evaluator");
        }
        LocalDate far = LocalDate.now(ZoneOffset.UTC).plusDays(60);
        assertTrue(new Migrator(drainer).ensurePartitions(far, far) > 0, "partitions made through the SECURITY DEFINER function");
        forbidden("nuscape_drainer",
                // Quota alerts only, through V13's function: a forged limit alert would go out to customers' webhooks.
                "INSERT INTO alerts (alert_id, account_id, type, day, raised_at, details) VALUES (gen_random_uuid(), " + uuid()
                        + ", 'limit.exceeded', current_date, now(), '{}')",
                "SELECT * FROM alerts",
                "SELECT * FROM webhooks",
                "SELECT * FROM webhook_deliveries",
                "UPDATE metering SET account_id = gen_random_uuid()",
                "SELECT * FROM users",
                "SELECT * FROM profiles",
                "SELECT * FROM limits",
                "SELECT * FROM category_rules",
                "SELECT * FROM api_keys",
                "SELECT * FROM audit_log",
                "DELETE FROM accounts",
                "SELECT name FROM devices",
                "UPDATE devices SET name = 'x'",
                "DELETE FROM usage_1m",
                "DELETE FROM usage_presence",
                "UPDATE usage_presence SET device_id = gen_random_uuid()",
                "DELETE FROM limit_marks",
                "SELECT * FROM alerts",
                "TRUNCATE event_dedupe",
                "SELECT * FROM policies",
                "DROP TABLE usage_1m",
                "CREATE TABLE mine (i int)",
                "SELECT drop_usage_partition('usage_1m', 'usage_1m_p20000101')");
    }

    @Test
    void theApiReadsAndRunsTheControlPlaneButNeverDropsOrTruncates() throws Exception {
        ConnectionPool pool = new ConnectionPool(as("nuscape_api"), 1, 1000);
        PostgresControlPlaneStore control = new PostgresControlPlaneStore(pool);
        UUID account = control.createAccount("roles").accountId();
        UUID device = control.enrollDevice(account, "d", "ios").deviceId();
        control.rotateToken(account, device);
        control.putPolicy(account, new io.nuscape.core.control.Policy(7, 30, 90, 100L));
        assertTrue(control.requestErasure(account, device).isPresent());
        assertEquals(1, control.devices(account).size());
        new PostgresUsageReader(pool).top(new io.nuscape.core.usage.UsageQuery(account, Instant.now().minusSeconds(3600), Instant.now(),
                Granularity.HOUR, java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty()), 10);
        new PostgresUsageReader(pool).presence(account, List.of(device), "screen", List.of(new io.nuscape.core.usage.UsageReader.PresenceSegment(
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS), 0, 5760)));
        pool.close();
        forbidden("nuscape_api",
                // The API shows a webhook's secret once, when it makes it; it never reads one back.
                "SELECT secret FROM webhooks",
                "UPDATE webhooks SET url = 'https://elsewhere.example/'",
                "UPDATE webhook_deliveries SET status = 'delivered'",
                "INSERT INTO alerts (alert_id, account_id, type, day, raised_at, details) VALUES (gen_random_uuid(), " + uuid()
                        + ", 'limit.exceeded', current_date, now(), '{}')",
                "SELECT record_quota_alert(gen_random_uuid(), gen_random_uuid(), 'quota.warning', date_trunc('month', now())::date, now(), '{}')",
                // A device or profile never moves to another account; rules are replaced, never edited in place.
                "UPDATE devices SET account_id = gen_random_uuid()",
                "UPDATE profiles SET account_id = gen_random_uuid()",
                // A limit keeps its account, its profile or device and its target; only its figures change.
                "UPDATE limits SET account_id = gen_random_uuid()",
                "UPDATE limits SET profile_id = NULL",
                "UPDATE limits SET target = 'all'",
                "UPDATE category_rules SET category = 'x'",
                // The audit log only grows through the API; keys and emails are never rewritten in place.
                "DELETE FROM audit_log",
                "UPDATE audit_log SET actor = 'x'",
                "TRUNCATE audit_log",
                "UPDATE api_keys SET key_hash = '\\x00'",
                "UPDATE users SET email = 'x@example.com'",
                "UPDATE refresh_tokens SET token_hash = '\\x00'",
                "DROP TABLE devices",
                "TRUNCATE usage_1m",
                "TRUNCATE accounts",
                "DELETE FROM accounts",
                "DELETE FROM usage_1m",
                "INSERT INTO usage_1m (account_id, device_id, bucket_start, kind, key) VALUES (" + uuid() + ", " + uuid() + ", now(), 'a', 'k')",
                "UPDATE usage_presence SET cells = cells",
                "DELETE FROM usage_presence",
                "SELECT * FROM event_dedupe",
                "UPDATE erasure_requests SET status = 'done', completed_at = now()",
                "CREATE TABLE mine (i int)",
                "SELECT ensure_usage_partitions(current_date, current_date)");
    }

    @Test
    void erasureTouchesNoPolicyAndNoAccount() throws SQLException {
        PostgresErasures erasures = new PostgresErasures(as("nuscape_erasure"));
        UUID device = UUID.randomUUID();
        assertEquals(0, erasures.deleteRollups(RollupTable.of(Granularity.MINUTE), UUID.randomUUID(), device, 100, () -> true));
        assertEquals(0, erasures.deleteRollups(RollupTable.PRESENCE, UUID.randomUUID(), device, 100, () -> true));
        assertTrue(erasures.nothingLeft(UUID.randomUUID(), device));
        assertEquals(0, erasures.deleteDedupeKeys(device, 100, () -> true));
        erasures.pending(10);
        forbidden("nuscape_erasure",
                "SELECT * FROM users",
                "SELECT * FROM audit_log",
                "SELECT * FROM policies",
                "UPDATE policies SET retention_days_1m = 1",
                "DELETE FROM policies",
                "DELETE FROM accounts",
                "DELETE FROM devices",
                "UPDATE devices SET token_generation = 1",
                "UPDATE usage_presence SET cells = cells",
                "UPDATE limits SET daily_ms = 1",
                "INSERT INTO usage_1m (account_id, device_id, bucket_start, kind, key) VALUES (" + uuid() + ", " + uuid() + ", now(), 'a', 'k')",
                "DROP TABLE usage_1m",
                "CREATE TABLE mine (i int)",
                "SELECT ensure_usage_partitions(current_date, current_date)");
    }

    /**
     * An erasure function of a release before V10 (V11, V12) knows nothing of presence (limits, alerts): completing
     * the erasure removes them, and the device's name in alerts, all the same.
     */
    @Test
    void completingAnErasureRemovesTheDevicesPresenceAndLimitsWhateverCodeCompletesIt() throws SQLException {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        Enrollment.enroll(db, account, other);
        long now = System.currentTimeMillis();
        long noon = LocalDate.now(ZoneOffset.UTC).minusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        try (PostgresRollupStore store = new PostgresRollupStore(new Database(db.jdbcUrl(), db.user(), db.password()))) {
            store.apply(List.of(new DrainEvent(account, device, now, 0, new UsageEvent(UUID.randomUUID().toString(), noon, "screen", "on", 600_000)),
                    new DrainEvent(account, other, now, 0, new UsageEvent(UUID.randomUUID().toString(), noon, "screen", "on", 600_000))));
        }
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (UUID d : List.of(device, other)) {
                s.execute("INSERT INTO limits (limit_id, account_id, device_id, target, daily_ms, tz, created_at, updated_at) VALUES (gen_random_uuid(), '"
                        + account + "', '" + d + "', 'all', 3600000, 'UTC', now(), now())");
            }
        }
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO limit_marks VALUES ('" + device + "', current_date, '" + account + "', now())");
            s.execute("INSERT INTO alerts (alert_id, account_id, type, day, raised_at, details) VALUES (gen_random_uuid(), '" + account
                    + "', 'limit.exceeded', current_date, now(), '{\"device_id\": \"" + device + "\", \"used_ms\": 5}')");
        }
        try (Connection c = as("nuscape_erasure").connect(); Statement s = c.createStatement()) {
            // What PostgresErasures.complete of any release does, after deleting the rollups it knows.
            s.executeUpdate("UPDATE devices SET revoked_at = now(), erased_at = now() WHERE device_id = '" + device + "'");
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT (SELECT count(*) FROM limit_marks WHERE device_id = '" + device + "'),"
                     + " (SELECT count(*) FROM alerts WHERE details::text LIKE '%" + device + "%'),"
                     + " (SELECT count(*) FROM alerts WHERE account_id = '" + account + "' AND details ->> 'used_ms' = '5')")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "its marks (V12's trigger)");
            assertEquals(0, rs.getLong(2), "no alert names it any more");
            assertEquals(1, rs.getLong(3), "the alert keeps its figures");
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FILTER (WHERE device_id = '" + device + "'), count(*) FILTER (WHERE device_id = '" + other
                     + "') FROM limits")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "the erased device's limits (V11's trigger)");
            assertEquals(1, rs.getLong(2));
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FILTER (WHERE device_id = '" + device + "'), count(*) FILTER (WHERE device_id = '" + other
                     + "') FROM usage_presence")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "the erased device's presence");
            assertEquals(1, rs.getLong(2), "the other device's stays");
        }
    }

    /** The drainer marks devices; the alert evaluator claims marks and records alerts, reads what limits count, and changes nothing else. */
    @Test
    void theAlertEvaluatorRecordsAlertsAndChangesNothingElse() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        try (ConnectionPool drainer = new ConnectionPool(as("nuscape_drainer"), 1, 1000)) {
            new PostgresAlertStore(drainer).mark(List.of(new io.nuscape.core.limit.LimitMark(account, device, LocalDate.now(ZoneOffset.UTC))));
        }
        try (ConnectionPool evaluator = new ConnectionPool(as("nuscape_alerts"), 1, 1000)) {
            var recorded = new PostgresAlertStore(evaluator).evaluateMarks(10, marks -> {
                assertEquals(1, marks.size());
                return List.of(new io.nuscape.core.limit.Alert(UUID.randomUUID(), account, null, "quota.warning", LocalDate.now(ZoneOffset.UTC), 0,
                        Instant.now(), java.util.Map.of("n", 1)));
            });
            assertEquals(1, recorded.size());
            new PostgresLimitStore(evaluator).limitsTouching(java.util.Map.of(account, List.of(device)));
        }
        forbidden("nuscape_alerts",
                "UPDATE webhooks SET url = 'https://elsewhere.example/'",
                "DELETE FROM webhook_deliveries",
                "UPDATE webhook_deliveries SET webhook_id = gen_random_uuid()",
                "SELECT * FROM metering",
                "SELECT * FROM users",
                "SELECT name FROM devices",
                "UPDATE limits SET daily_ms = 1",
                "DELETE FROM alerts",
                "UPDATE alerts SET details = '{}'",
                "INSERT INTO limit_marks (device_id, day, account_id, marked_at) VALUES (gen_random_uuid(), current_date, gen_random_uuid(), now())",
                "INSERT INTO usage_1m (account_id, device_id, bucket_start, kind, key) VALUES (" + uuid() + ", " + uuid() + ", now(), 'a', 'k')",
                "CREATE TABLE mine (i int)");
    }

    @Test
    void retentionDropsPartitionsOnlyThroughTheFunctionAndOnlyRollupPartitions() throws SQLException {
        LocalDate old = LocalDate.now(ZoneOffset.UTC).minusDays(500);
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).ensurePartitions(old, old);
        PostgresRetention retention = new PostgresRetention(as("nuscape_retention"));
        PostgresRetention.Result r = retention.dropPartitionsBefore(io.nuscape.postgres.RollupTable.of(Granularity.MINUTE), old.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), () -> true);
        assertEquals(1, r.partitions());
        Instant monthEnd = old.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        assertTrue(retention.dropPartitionsBefore(RollupTable.PRESENCE, monthEnd, () -> true).partitions() >= 1, "presence's month, through the function");
        String month = "usage_presence_p" + old.toString().substring(0, 7).replace("-", "");
        assertTrue(retention.partitions(RollupTable.PRESENCE).stream().noneMatch(p -> p.name().equals(month)), month);
        assertTrue(retention.partitions(io.nuscape.postgres.RollupTable.of(Granularity.MINUTE)).stream().noneMatch(p -> p.name().endsWith(old.toString().replace("-", ""))));
        try (Connection c = as("nuscape_retention").connect(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT drop_usage_partition('usage_1m', 'accounts')"));
            assertEquals("22023", e.getSQLState(), "only rollup partitions: " + e.getMessage());
        }
        String day = LocalDate.now(ZoneOffset.UTC).toString().replace("-", "");
        forbidden("nuscape_retention",
                "SELECT password_hash FROM users",
                "SELECT * FROM profiles",
                "SELECT * FROM limits",
                "SELECT * FROM category_rules",
                "SELECT key_hash FROM api_keys",
                "SELECT actor FROM audit_log",
                "INSERT INTO audit_log (account_id, at, actor, action) VALUES (gen_random_uuid(), now(), 'x', 'a.b')",
                "DROP TABLE usage_1m_p" + day,
                "ALTER TABLE usage_1m DETACH PARTITION usage_1m_p" + day,
                "DELETE FROM devices",
                "DELETE FROM accounts",
                "UPDATE usage_presence SET cells = cells",
                "UPDATE policies SET retention_days_1m = 1",
                "INSERT INTO usage_1m (account_id, device_id, bucket_start, kind, key) VALUES (" + uuid() + ", " + uuid() + ", now(), 'a', 'k')",
                "CREATE TABLE mine (i int)");
    }

    @Test
    void aPartitionDropThatFindsTheParentBusyGivesUpWithinItsLockTimeoutAndIsDoneByTheNextRun() throws Exception {
        LocalDate old = LocalDate.now(ZoneOffset.UTC).minusDays(600);
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).ensurePartitions(old, old);
        PostgresRetention retention = new PostgresRetention(as("nuscape_retention"));
        Instant cutoff = old.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        try (Connection reader = db.connect(); Statement s = reader.createStatement()) {
            reader.setAutoCommit(false);
            s.execute("LOCK TABLE usage_1m IN ACCESS SHARE MODE"); // a long dashboard read, say
            long t0 = System.nanoTime();
            assertEquals(0, retention.dropPartitionsBefore(io.nuscape.postgres.RollupTable.of(Granularity.MINUTE), cutoff, () -> true).partitions());
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waited >= 4_000 && waited < 15_000, "waited about lock_timeout (5 s): " + waited + " ms");
            reader.rollback();
        }
        assertEquals(1, retention.dropPartitionsBefore(io.nuscape.postgres.RollupTable.of(Granularity.MINUTE), cutoff, () -> true).partitions());
    }

    @Test
    void theMigrationRunsAgainInAnotherDatabaseOfTheSameClusterWhereTheRolesExist() throws SQLException {
        TestDatabase other = TestPostgres.newDatabase("roles_again");
        assertEquals(io.nuscape.testkit.Migrations.count(), new Migrator(new Database(other.jdbcUrl(), other.user(), other.password())).migrate().migrationsApplied());
        try (Connection c = other.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'nuscape\\_%' AND rolcanlogin AND NOT rolsuper")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 4);
        }
    }
}
