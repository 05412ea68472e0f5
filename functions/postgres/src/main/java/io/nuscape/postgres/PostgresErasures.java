package io.nuscape.postgres;

import io.nuscape.core.control.Erasure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The Postgres side of device erasure: a device's rollup and presence rows and dedupe keys go in bounded batches
 * (each committed on its own, so a killed run keeps its progress), its record keeps only what is needed
 * to drop late events and to report the request, and the request is marked done.
 */
public final class PostgresErasures {
    private final Database database;

    public PostgresErasures(Database database) {
        this.database = database;
    }

    /** Pending requests, oldest first. */
    public List<Erasure> pending(int limit) throws SQLException {
        List<Erasure> out = new ArrayList<>();
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("SELECT erasure_id, account_id, device_id, status, requested_at, completed_at"
                     + " FROM erasure_requests WHERE status = 'pending' ORDER BY requested_at LIMIT ?")) {
            s.setInt(1, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Erasure(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getTimestamp(5).toInstant(), null));
                }
            }
        }
        return out;
    }

    /** Deletes the device's rows of a rollup table or of presence ({@link RollupTable}), in committed batches; returns how many. */
    public long deleteRollups(RollupTable t, UUID account, UUID device, int batch, BooleanSupplier keepGoing) throws SQLException {
        // Rollup tables are partitioned: a ctid is unique only within its partition, so match (tableoid, ctid).
        String sql = "DELETE FROM " + t.name() + " WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM " + t.name()
                + " WHERE account_id = ? AND device_id = ? LIMIT ?)";
        return PostgresRetention.batchedDelete(database, sql, keepGoing, s -> {
            s.setObject(1, account);
            s.setObject(2, device);
            s.setInt(3, batch);
        });
    }

    /** Deletes the device's dedupe keys from the V5 tables and, while it exists, the V1 table. */
    public long deleteDedupeKeys(UUID device, int batch, BooleanSupplier keepGoing) throws SQLException {
        long deleted = 0;
        for (String table : dedupeTables()) {
            // Partitioned tables: a ctid is unique only within its partition, so match (tableoid, ctid).
            String sql = "DELETE FROM " + table + " WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM " + table
                    + " WHERE device_id = ? LIMIT ?)";
            deleted += PostgresRetention.batchedDelete(database, sql, keepGoing, s -> {
                s.setObject(1, device);
                s.setInt(2, batch);
            });
        }
        return deleted;
    }

    /** True when no rollup or presence row or dedupe key of the device is left (a drainer in flight at revocation may have added some). */
    public boolean nothingLeft(UUID account, UUID device) throws SQLException {
        StringBuilder sql = new StringBuilder("""
                SELECT EXISTS (SELECT 1 FROM usage_1m WHERE account_id = ? AND device_id = ?)
                    OR EXISTS (SELECT 1 FROM usage_5m WHERE account_id = ? AND device_id = ?)
                    OR EXISTS (SELECT 1 FROM usage_60m WHERE account_id = ? AND device_id = ?)
                    OR EXISTS (SELECT 1 FROM usage_presence WHERE account_id = ? AND device_id = ?)""");
        List<String> tables = dedupeTables();
        for (String t : tables) {
            sql.append(" OR EXISTS (SELECT 1 FROM ").append(t).append(" WHERE device_id = ?)");
        }
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < 4; i++) {
                s.setObject(i * 2 + 1, account);
                s.setObject(i * 2 + 2, device);
            }
            for (int i = 0; i < tables.size(); i++) {
                s.setObject(9 + i, device);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return !rs.getBoolean(1);
            }
        }
    }

    /** The dedupe tables that exist: the V5 ones, and V1's until retention drops it. */
    private List<String> dedupeTables() throws SQLException {
        List<String> tables = new ArrayList<>(List.of("dedupe_keys", "dedupe_keys_late"));
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement("SELECT to_regclass('event_dedupe') IS NOT NULL");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            if (rs.getBoolean(1)) {
                tables.add("event_dedupe");
            }
        }
        return tables;
    }

    /**
     * Keeps the device's id and account (late events are dropped by them) and nothing else; marks the request
     * done. Setting {@code erased_at} also deletes its presence and limits (triggers of V10 and V11).
     */
    public void complete(Erasure e, Instant now) throws SQLException {
        try (Connection c = database.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement d = c.prepareStatement("UPDATE devices SET name = NULL, platform = NULL, last_seen_at = NULL, profile_id = NULL,"
                    + " revoked_at = coalesce(revoked_at, ?), erased_at = coalesce(erased_at, ?) WHERE device_id = ? AND account_id = ?");
                 PreparedStatement g = c.prepareStatement("DELETE FROM device_token_supersessions WHERE device_id = ?");
                 PreparedStatement r = c.prepareStatement("UPDATE erasure_requests SET status = 'done', completed_at = ?,"
                         + " progress = '{\"step\":\"done\"}' WHERE erasure_id = ? AND status = 'pending'")) {
                java.sql.Timestamp t = java.sql.Timestamp.from(now);
                d.setTimestamp(1, t);
                d.setTimestamp(2, t);
                d.setObject(3, e.deviceId());
                d.setObject(4, e.accountId());
                d.executeUpdate();
                g.setObject(1, e.deviceId());
                g.executeUpdate();
                r.setTimestamp(1, t);
                r.setObject(2, e.erasureId());
                r.executeUpdate();
                c.commit();
            } catch (SQLException ex) {
                c.rollback();
                throw ex;
            }
        }
    }

    /** Records where a request stands (shown to operators; every step is safe to repeat). */
    public void progress(UUID erasureId, String step) throws SQLException {
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("UPDATE erasure_requests SET progress = jsonb_build_object('step', ?::text, 'at', now())"
                     + " WHERE erasure_id = ? AND status = 'pending'")) {
            s.setString(1, step);
            s.setObject(2, erasureId);
            s.executeUpdate();
        }
    }
}
