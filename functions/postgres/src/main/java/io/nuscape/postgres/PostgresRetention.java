package io.nuscape.postgres;

import io.nuscape.core.rollup.Granularity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Retention on Postgres. Whole expired periods leave by {@code drop_usage_partition} (detach, waiting for
 * the parent's lock at most 5 s, then drop; a detach left pending by an older run is finalised);
 * accounts whose policy is shorter than the partitions keep lose their older rows by bounded batched
 * deletes; expired dedupe keys likewise. Every step is idempotent, so a killed run is finished by the next.
 */
public final class PostgresRetention {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

    private final Database database;

    public PostgresRetention(Database database) {
        this.database = database;
    }

    /** A partition of a rollup table and the end of the period it holds. */
    public record Partition(String name, Instant end, boolean attached, boolean detachPending) {
    }

    /** The rollup partitions of a table (attached, pending detach, or detached and not yet dropped). */
    public List<Partition> partitions(RollupTable t) throws SQLException {
        String sql = """
                SELECT c.relname, i.inhrelid IS NOT NULL, coalesce(i.inhdetachpending, false)
                FROM pg_class c
                LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
                WHERE c.relkind = 'r' AND c.relname LIKE ? AND c.relnamespace = 'public'::regnamespace
                ORDER BY c.relname""";
        List<Partition> out = new ArrayList<>();
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, t.name() + "\\_p%");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    out.add(new Partition(name, end(t, name.substring(name.lastIndexOf("_p") + 2)), rs.getBoolean(2), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    private static Instant end(RollupTable t, String suffix) {
        if (t.dailyPartitions()) {
            return LocalDate.parse(suffix, DAY).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        return LocalDate.parse(suffix + "01", DateTimeFormatter.ofPattern("yyyyMMdd")).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Detaches and drops every partition whose whole period ends at or before the cutoff; returns the rows they held (estimate). */
    public Result dropPartitionsBefore(RollupTable t, Instant cutoff, BooleanSupplier keepGoing) throws SQLException {
        long rows = 0;
        int dropped = 0;
        for (Partition p : partitions(t)) {
            if (!keepGoing.getAsBoolean()) {
                break;
            }
            if (p.end().isAfter(cutoff)) {
                continue;
            }
            try (Connection c = database.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                long held;
                try (ResultSet rs = s.executeQuery("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = '" + p.name() + "'")) {
                    held = rs.next() ? rs.getLong(1) : 0;
                }
                // Through the schema owner's SECURITY DEFINER function: this role owns no table (V2 migration).
                try (PreparedStatement drop = c.prepareStatement("SELECT drop_usage_partition(?, ?)")) {
                    drop.setString(1, t.name());
                    drop.setString(2, p.name());
                    drop.execute();
                } catch (SQLException e) {
                    if ("55P03".equals(e.getSQLState())) {
                        continue; // the parent's lock was busy past lock_timeout: the next run drops it
                    }
                    throw e;
                }
                rows += held;
                dropped++;
            }
        }
        return new Result(dropped, rows);
    }

    /** How many partitions went and how many rows they held. */
    public record Result(int partitions, long rows) {
    }

    /** Accounts whose policy sets a retention other than the given (default) days for the table's granularity, with their days. */
    public Map<UUID, Integer> accountsWithOwnRetention(RollupTable t, int defaultDays) throws SQLException {
        String column = policyColumn(t.retainedAs());
        Map<UUID, Integer> out = new LinkedHashMap<>();
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("SELECT account_id, " + column + " FROM policies WHERE " + column + " <> ? ORDER BY account_id")) {
            s.setInt(1, defaultDays);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1, UUID.class), rs.getInt(2));
                }
            }
        }
        return out;
    }

    /** The longest retention any account has for the table's granularity (the default included). */
    public int longestRetention(RollupTable t, int defaultDays) throws SQLException {
        String column = policyColumn(t.retainedAs());
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(" + column + "), 0) FROM policies")) {
            rs.next();
            return Math.max(defaultDays, rs.getInt(1));
        }
    }

    /** Deletes, in batches, an account's buckets that end at or before the cutoff; returns rows deleted. */
    public long deleteAccountBucketsBefore(RollupTable t, UUID account, Instant cutoff, int batch, BooleanSupplier keepGoing) throws SQLException {
        // A bucket is expired when its whole period is outside the window: start + size <= cutoff.
        Timestamp lastStart = Timestamp.from(cutoff.minusMillis(t.bucketMillis()));
        // Rollup tables are partitioned: a ctid is unique only within its partition, so match (tableoid, ctid).
        String sql = "DELETE FROM " + t.name() + " WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM " + t.name()
                + " WHERE account_id = ? AND bucket_start <= ? LIMIT ?)";
        return batchedDelete(sql, keepGoing, s -> {
            s.setObject(1, account);
            s.setTimestamp(2, lastStart);
            s.setInt(3, batch);
        });
    }

    /**
     * Deletes, in batches, buckets ending at or before the cutoff of accounts on the default retention
     * (no policy, or a policy with exactly the default), when some other account keeps the partitions longer.
     */
    public long deleteDefaultAccountsBucketsBefore(RollupTable t, Instant cutoff, int defaultDays, int batch, BooleanSupplier keepGoing)
            throws SQLException {
        String column = policyColumn(t.retainedAs());
        Timestamp lastStart = Timestamp.from(cutoff.minusMillis(t.bucketMillis()));
        // Rollup tables are partitioned: a ctid is unique only within its partition, so match (tableoid, ctid).
        String sql = "DELETE FROM " + t.name() + " WHERE (tableoid, ctid) IN (SELECT u.tableoid, u.ctid FROM " + t.name() + " u"
                + " WHERE u.bucket_start <= ? AND NOT EXISTS (SELECT 1 FROM policies p WHERE p.account_id = u.account_id AND p."
                + column + " <> ?) LIMIT ?)";
        return batchedDelete(sql, keepGoing, s -> {
            s.setTimestamp(1, lastStart);
            s.setInt(2, defaultDays);
            s.setInt(3, batch);
        });
    }

    /**
     * Deletes limit marks of UTC days before the day before yesterday: the alert evaluator raises alerts for
     * today and yesterday of a limit's zone only, which such days no longer reach (UTC-12 to UTC+14). Marks
     * left there mean no evaluator ran; they must not pile up.
     */
    public int expireLimitMarks(Instant now) throws SQLException {
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement("DELETE FROM limit_marks WHERE day < ?")) {
            s.setObject(1, LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(2));
            return s.executeUpdate();
        }
    }

    /**
     * Drops the dedupe tables whose keys are all past the window (migration V5 says why these margins keep
     * every key at least the window), one per transaction: a table whose lock is not had within the lock
     * timeout is left to the next run. Returns how many went.
     */
    public int expireDedupeKeys(Instant now, Duration window) throws SQLException {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        long windowDays = (window.toMillis() + 86_399_999L) / 86_400_000L;
        List<String> past = new ArrayList<>();
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement("SELECT dedupe_tables_past(?, ?, ?)")) {
            s.setObject(1, today.minusDays(windowDays + 2));
            s.setObject(2, today.minusDays(windowDays + 1));
            s.setObject(3, java.time.OffsetDateTime.ofInstant(now.minus(window), ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    past.add(rs.getString(1));
                }
            }
        }
        int dropped = 0;
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement("SELECT drop_dedupe_table(?)")) {
            c.setAutoCommit(true);
            for (String table : past) {
                s.setString(1, table);
                try {
                    s.execute();
                    dropped++;
                } catch (SQLException e) {
                    if (!"55P03".equals(e.getSQLState())) {
                        throw e;
                    }
                    // lock_not_available: drainers hold the parent; the next run drops it
                }
            }
        }
        return dropped;
    }

    interface Binder {
        void bind(PreparedStatement s) throws SQLException;
    }

    static long batchedDelete(Database database, String sql, BooleanSupplier keepGoing, Binder binder) throws SQLException {
        long total = 0;
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement(sql)) {
            c.setAutoCommit(true); // each batch commits alone: short locks, and a killed run keeps what it did
            while (keepGoing.getAsBoolean()) {
                binder.bind(s);
                int n = s.executeUpdate();
                total += n;
                if (n == 0) {
                    break;
                }
            }
        }
        return total;
    }

    /**
     * Deletes, in batches, audit entries older than their account's 60m retention (the audit log is kept as
     * long as the longest-kept usage data), but never younger than {@code defaultDays}: an admin shortening
     * the policy must not wipe the record of what was done; at most {@code maxDays}.
     */
    public long expireAuditEntries(Instant now, int defaultDays, int maxDays, int batch, BooleanSupplier keepGoing) throws SQLException {
        String sql = "DELETE FROM audit_log WHERE (account_id, at, entry_id) IN (SELECT a.account_id, a.at, a.entry_id FROM audit_log a"
                + " LEFT JOIN policies p ON p.account_id = a.account_id"
                + " WHERE a.at < CAST(? AS timestamptz) - make_interval(days => least(greatest(p.retention_days_60m, ?), ?)) LIMIT ?)";
        return batchedDelete(sql, keepGoing, s -> {
            s.setTimestamp(1, Timestamp.from(now));
            s.setInt(2, defaultDays);
            s.setInt(3, maxDays);
            s.setInt(4, batch);
        });
    }

    /**
     * Deletes sessions a day after they ended (expired or signed out; their refresh tokens go with them),
     * invited users who never accepted a day after their last invitation expired, and invitations and
     * enrollment codes a day after they expired, used or not.
     */
    public long expireSpentCredentials(Instant now, int batch, BooleanSupplier keepGoing) throws SQLException {
        Timestamp dayAgo = Timestamp.from(now.minus(Duration.ofDays(1)));
        long rows = batchedDelete("DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM sessions"
                + " WHERE expires_at < ? OR revoked_at < ? LIMIT ?)", keepGoing, s -> {
                    s.setTimestamp(1, dayAgo);
                    s.setTimestamp(2, dayAgo);
                    s.setInt(3, batch);
                });
        // Invited users who never accepted and whose every invitation ended a day ago: their email is free again.
        rows += batchedDelete("DELETE FROM users WHERE user_id IN (SELECT u.user_id FROM users u WHERE u.activated_at IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.user_id = u.user_id AND i.expires_at >= ?) LIMIT ?)", keepGoing, s -> {
                    s.setTimestamp(1, dayAgo);
                    s.setInt(2, batch);
                });
        for (String[] t : new String[][] {{"invitations", "token_hash"}, {"enrollment_codes", "code_hash"}}) {
            rows += batchedDelete("DELETE FROM " + t[0] + " WHERE " + t[1] + " IN (SELECT " + t[1] + " FROM " + t[0]
                    + " WHERE expires_at < ? LIMIT ?)", keepGoing, s -> {
                        s.setTimestamp(1, dayAgo);
                        s.setInt(2, batch);
                    });
        }
        return rows;
    }

    private long batchedDelete(String sql, BooleanSupplier keepGoing, Binder binder) throws SQLException {
        return batchedDelete(database, sql, keepGoing, binder);
    }

    /** The policies column holding a granularity's retention. */
    private static String policyColumn(Granularity g) {
        return switch (g) {
            case MINUTE -> "retention_days_1m";
            case FIVE_MINUTES -> "retention_days_5m";
            case HOUR -> "retention_days_60m";
        };
    }
}
