package io.nuscape.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The schema on a real Postgres: migrations apply, are idempotent, and rollup partitions route rows. */
class MigratorTest {
    static TestDatabase db;
    static Migrator migrator;
    static Migrator.Result first;

    @BeforeAll
    static void migrate() throws SQLException {
        db = TestPostgres.newDatabase("migrator");
        migrator = new Migrator(new Database(db.jdbcUrl(), db.user(), db.password()));
        first = migrator.migrate();
    }

    @Test
    void appliesOnceAndIsIdempotent() throws SQLException {
        assertEquals(io.nuscape.testkit.Migrations.count(), first.migrationsApplied());
        assertTrue(first.partitionsCreated() > 70, "daily 1m partitions for 71 days plus monthly ones: " + first.partitionsCreated());
        Migrator.Result again = migrator.migrate();
        assertEquals(0, again.migrationsApplied());
        assertEquals(io.nuscape.testkit.Migrations.latest(), again.schemaVersion(), "the current version, also when nothing was applied");
        assertEquals(0, again.partitionsCreated());
    }

    @Test
    void everyTableTheArchitectureNamesExists() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (String t : List.of("accounts", "policies", "devices", "usage_1m", "usage_5m", "usage_60m", "event_dedupe", "dedupe_keys", "dedupe_keys_late", "erasure_requests")) {
                try (ResultSet rs = s.executeQuery("SELECT to_regclass('public." + t + "') IS NOT NULL")) {
                    rs.next();
                    assertTrue(rs.getBoolean(1), t);
                }
            }
        }
    }

    @Test
    void rollupRowsLandInTheirDayAndMonthPartitions() throws SQLException {
        UUID account = UUID.randomUUID();
        OffsetDateTime bucket = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        try (Connection c = db.connect()) {
            for (String table : List.of("usage_1m", "usage_5m", "usage_60m")) {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table
                        + " (account_id, device_id, bucket_start, kind, key, events, duration_ms) VALUES (?, ?, ?, 'app', 'k', 1, 10)"
                        + " ON CONFLICT (account_id, device_id, bucket_start, kind, key)"
                        + " DO UPDATE SET events = " + table + ".events + 1 RETURNING tableoid::regclass::text")) {
                    p.setObject(1, account);
                    p.setObject(2, UUID.randomUUID());
                    p.setObject(3, bucket);
                    try (ResultSet rs = p.executeQuery()) {
                        rs.next();
                        String expected = table + "_p" + (table.equals("usage_1m")
                                ? bucket.toLocalDate().toString().replace("-", "")
                                : bucket.toLocalDate().toString().substring(0, 7).replace("-", ""));
                        assertEquals(expected, rs.getString(1));
                    }
                }
            }
            // Far outside the prepared window there is no partition: the drainer must never meet this.
            try (PreparedStatement p = c.prepareStatement("INSERT INTO usage_1m (account_id, device_id, bucket_start, kind, key) VALUES (?, ?, ?, 'app', 'k')")) {
                p.setObject(1, account);
                p.setObject(2, UUID.randomUUID());
                p.setObject(3, OffsetDateTime.ofInstant(Instant.parse("2001-01-01T00:00:00Z"), ZoneOffset.UTC));
                assertThrows(SQLException.class, p::executeUpdate);
            }
        }
        assertEquals(4, migrator.ensurePartitions(LocalDate.of(2001, 1, 1), LocalDate.of(2001, 1, 1)),
                "for a day in the past: usage_1m's day, and the month of usage_5m, usage_60m and usage_presence");
        try (Connection c = db.connect(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT reloptions::text FROM pg_class WHERE relname = 'usage_presence_p200101'")) {
            assertTrue(rs.next());
            assertEquals("{fillfactor=70}", rs.getString(1), "presence rows are rewritten in place: room left on each page");
        }
    }

    @Test
    void dedupeKeysAreUniquePerDeviceAndEvent() throws SQLException {
        UUID device = UUID.randomUUID();
        UUID event = UUID.randomUUID();
        try (Connection c = db.connect();
             PreparedStatement p = c.prepareStatement("INSERT INTO dedupe_keys (device_id, event_id, day) VALUES (?, ?, current_date)"
                     + " ON CONFLICT DO NOTHING")) {
            p.setObject(1, device);
            p.setObject(2, event);
            assertEquals(1, p.executeUpdate());
            assertEquals(0, p.executeUpdate());
            p.setObject(1, UUID.randomUUID());
            assertEquals(1, p.executeUpdate(), "the same event id on another device is another event");
        }
    }
}
