package io.nuscape.postgres;

import io.nuscape.core.Json;
import io.nuscape.core.limit.Alert;
import io.nuscape.core.limit.AlertStore;
import io.nuscape.core.limit.LimitMark;
import io.nuscape.postgres.internal.Transaction;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** {@link AlertStore} on Postgres (V12). */
public final class PostgresAlertStore implements AlertStore {
    /**
     * The oldest marks no lease holds, leased for {@link #LEASE} (V15): a mark another evaluator is claiming is
     * skipped, not waited for, and nothing stays locked while the marks are evaluated.
     */
    private static final String CLAIM = """
            UPDATE limit_marks m SET claimed_until = now() + interval '60 seconds'
            FROM (SELECT device_id, day FROM limit_marks WHERE claimed_until IS NULL OR claimed_until < now()
                  ORDER BY marked_at LIMIT ? FOR UPDATE SKIP LOCKED) c
            WHERE m.device_id = c.device_id AND m.day = c.day
            RETURNING m.account_id, m.device_id, m.day, m.version""";
    /** The claimed marks not marked again since (a later drain's stay for the next round). */
    private static final String DONE = """
            DELETE FROM limit_marks m USING unnest(?::uuid[], ?::date[], ?::bigint[]) AS v(d, y, n)
            WHERE m.device_id = v.d AND m.day = v.y AND m.version = v.n""";
    /** Those marked again go to the back of the line: devices marked by every drain must not starve the others. */
    private static final String REQUEUE = """
            UPDATE limit_marks m SET marked_at = now() FROM unnest(?::uuid[], ?::date[], ?::bigint[]) AS v(d, y, n)
            WHERE m.device_id = v.d AND m.day = v.y AND m.version <> v.n""";
    private static final String RECORD = """
            INSERT INTO alerts (alert_id, account_id, limit_id, type, day, threshold_ms, raised_at, details)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)
            ON CONFLICT (limit_id, type, day, threshold_ms) WHERE limit_id IS NOT NULL DO NOTHING""";
    /** V13's function: the drainer may record quota alerts and nothing else. */
    private static final String RECORD_QUOTA = "SELECT record_quota_alert(?, ?, ?, ?, ?, ?::jsonb)";
    private static final String MARK = """
            INSERT INTO limit_marks (device_id, day, account_id, marked_at)
            SELECT d, y, a, now() FROM unnest(?::uuid[], ?::date[], ?::uuid[]) AS v(d, y, a)
            ON CONFLICT (device_id, day) DO UPDATE SET version = nextval('limit_mark_versions'),
                claimed_until = NULL""";

    private final ConnectionPool pool;

    public PostgresAlertStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public List<Alert> evaluateMarks(int max, MarkWork work) throws Exception {
        List<LimitMark> marks = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement(CLAIM)) {
                s.setInt(1, max);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        marks.add(new LimitMark(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, java.time.LocalDate.class)));
                        versions.add(rs.getLong(4));
                    }
                }
            }
            return null;
        });
        if (marks.isEmpty()) {
            return List.of();
        }
        List<Alert> raised;
        try {
            raised = work.alertsFor(marks);
        } catch (Exception e) {
            release(marks, versions); // for the next round; if even that fails, the leases run out
            throw e;
        }
        return Transaction.run(pool, c -> {
            List<Alert> recorded = record(c, RECORD, raised);
            for (String sql : List.of(DONE, REQUEUE)) {
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    s.setArray(1, c.createArrayOf("uuid", marks.stream().map(LimitMark::deviceId).toArray()));
                    s.setArray(2, c.createArrayOf("date", marks.stream().map(m -> java.sql.Date.valueOf(m.utcDay())).toArray()));
                    s.setArray(3, c.createArrayOf("bigint", versions.toArray()));
                    s.executeUpdate();
                }
            }
            return recorded;
        });
    }

    private void release(List<LimitMark> marks, List<Long> versions) {
        try {
            Transaction.run(pool, c -> {
                try (PreparedStatement s = c.prepareStatement("UPDATE limit_marks m SET claimed_until = NULL"
                        + " FROM unnest(?::uuid[], ?::date[], ?::bigint[]) AS v(d, y, n) WHERE m.device_id = v.d AND m.day = v.y AND m.version = v.n")) {
                    s.setArray(1, c.createArrayOf("uuid", marks.stream().map(LimitMark::deviceId).toArray()));
                    s.setArray(2, c.createArrayOf("date", marks.stream().map(m -> java.sql.Date.valueOf(m.utcDay())).toArray()));
                    s.setArray(3, c.createArrayOf("bigint", versions.toArray()));
                    s.executeUpdate();
                }
                return null;
            });
        } catch (SQLException ignored) {
            // the database is what failed: the leases run out and the marks come back then
        }
    }

    /** Inserts the alerts not recorded before (the statement's conflict target says which are the same); returns those inserted. */
    private static List<Alert> record(java.sql.Connection c, String sql, List<Alert> alerts) throws SQLException {
        List<Alert> recorded = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (Alert a : alerts) {
                s.setObject(1, a.alertId());
                s.setObject(2, a.accountId());
                s.setObject(3, a.limitId());
                s.setString(4, a.type());
                s.setObject(5, a.day());
                s.setLong(6, a.thresholdMs());
                s.setTimestamp(7, Timestamp.from(a.raisedAt()));
                s.setString(8, Json.write(a.details()));
                if (s.executeUpdate() == 1) {
                    recorded.add(a);
                }
            }
        }
        return recorded;
    }

    /**
     * Records quota alerts on the connection, in its transaction (the drainer's, with the entry that carried
     * the crossing): at most one of each type per account and month, however often the entry is drained.
     */
    static List<Alert> recordQuota(java.sql.Connection c, List<Alert> alerts) throws SQLException {
        List<Alert> recorded = new ArrayList<>();
        if (alerts.isEmpty()) {
            return recorded;
        }
        try (PreparedStatement s = c.prepareStatement(RECORD_QUOTA)) {
            for (Alert a : alerts) {
                s.setObject(1, a.alertId());
                s.setObject(2, a.accountId());
                s.setString(3, a.type());
                s.setObject(4, a.day());
                s.setTimestamp(5, Timestamp.from(a.raisedAt()));
                s.setString(6, Json.write(a.details()));
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        recorded.add(a);
                    }
                }
            }
        }
        return recorded;
    }

    /** A checked failure of the work, carried out of the transaction (which then rolls back). */
    private static final class WorkFailed extends RuntimeException {
        WorkFailed(Exception cause) {
            super(cause);
        }
    }

    private static final String UNPUBLISHED = """
            SELECT alert_id, account_id, limit_id, type, day, threshold_ms, raised_at, details FROM alerts
            WHERE published_at IS NULL AND raised_at > now() - interval '24 hours'
            ORDER BY raised_at LIMIT ? FOR UPDATE SKIP LOCKED""";

    @Override
    public int publishPending(int max, io.nuscape.core.limit.AlertBus bus) throws Exception {
        try {
            return Transaction.run(pool, c -> {
                List<Alert> pending = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement(UNPUBLISHED)) {
                    s.setInt(1, max);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            pending.add(new Alert(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                                    rs.getString(4), rs.getObject(5, java.time.LocalDate.class), rs.getLong(6),
                                    rs.getTimestamp(7).toInstant(), details(rs.getString(8))));
                        }
                    }
                }
                if (pending.isEmpty()) {
                    return 0;
                }
                java.util.Set<UUID> taken;
                try {
                    taken = bus.publish(pending);
                } catch (SQLException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new WorkFailed(e);
                }
                try (PreparedStatement s = c.prepareStatement("UPDATE alerts SET published_at = now() WHERE alert_id = ANY (?)")) {
                    s.setArray(1, c.createArrayOf("uuid", taken.toArray()));
                    s.executeUpdate();
                }
                return taken.size();
            });
        } catch (WorkFailed e) {
            throw (Exception) e.getCause();
        }
    }

    /** An alert's details column. */
    static java.util.Map<String, Object> details(String json) throws SQLException {
        try {
            return io.nuscape.core.Json.mapper().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("an alert's details are not JSON", "XX000", e);
        }
    }

    @Override
    public void mark(List<LimitMark> marks) throws SQLException {
        Transaction.run(pool, c -> {
            mark(c, marks);
            return null;
        });
    }

    /** Upserts the marks on the connection, in its transaction (the drainer's, with the counts they stand for). */
    static void mark(java.sql.Connection c, List<LimitMark> marks) throws SQLException {
        if (marks.isEmpty()) {
            return;
        }
        List<LimitMark> ordered = new ArrayList<>(new java.util.LinkedHashSet<>(marks)); // a row once per statement
        ordered.sort(Comparator.comparing(LimitMark::deviceId).thenComparing(LimitMark::utcDay)); // one lock order
        try (PreparedStatement s = c.prepareStatement(MARK)) {
            s.setArray(1, c.createArrayOf("uuid", ordered.stream().map(LimitMark::deviceId).toArray()));
            s.setArray(2, c.createArrayOf("date", ordered.stream().map(m -> java.sql.Date.valueOf(m.utcDay())).toArray()));
            s.setArray(3, c.createArrayOf("uuid", ordered.stream().map(LimitMark::accountId).toArray()));
            s.executeUpdate();
        }
    }
}
