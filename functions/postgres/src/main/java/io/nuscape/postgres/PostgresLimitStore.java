package io.nuscape.postgres;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.Change;
import io.nuscape.core.limit.Limit;
import io.nuscape.core.limit.LimitStore;
import io.nuscape.core.limit.LimitTarget;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link LimitStore} on Postgres (V11); the composite foreign keys keep a limit on a profile or device of its own account. */
public final class PostgresLimitStore implements LimitStore {
    private static final String COLUMNS = "limit_id, account_id, profile_id, device_id, target, category, kind, key, daily_ms, tz,"
            + " warn_before_ms, created_at, updated_at";

    /** Enough for every person and device of a family or a school class many times over; each is evaluated on every drain that touches it. */
    static final int MAX_PER_ACCOUNT = 1000;

    private final ConnectionPool pool;

    public PostgresLimitStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Limit create(Limit limit, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM limits WHERE account_id = ?")) {
                s.setObject(1, limit.accountId());
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= MAX_PER_ACCOUNT) {
                        throw new ApiException(ErrorCode.CONFLICT, "an account has at most " + MAX_PER_ACCOUNT + " limits: delete one first");
                    }
                }
            }
            if (limit.deviceId() != null) {
                // An erased device (or one being erased) counts nothing any more: a limit on it would only mislead. The
                // row is locked so that an erasure completing now waits for this limit, whose deletion it then includes.
                try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM devices WHERE account_id = ? AND device_id = ?"
                        + " AND revoked_at IS NULL AND erased_at IS NULL FOR SHARE")) {
                    s.setObject(1, limit.accountId());
                    s.setObject(2, limit.deviceId());
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next()) {
                            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"device_id\" names no device of this account in use");
                        }
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO limits (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setObject(1, limit.limitId());
                s.setObject(2, limit.accountId());
                s.setObject(3, limit.profileId(), java.sql.Types.OTHER);
                s.setObject(4, limit.deviceId(), java.sql.Types.OTHER);
                String category = null;
                String kind = null;
                String key = null;
                String target = switch (limit.target()) {
                    case LimitTarget.All a -> "all";
                    case LimitTarget.Category cat -> {
                        category = cat.name();
                        yield "category";
                    }
                    case LimitTarget.Key k -> {
                        kind = k.kind();
                        key = k.key();
                        yield "key";
                    }
                };
                s.setString(5, target);
                s.setString(6, category);
                s.setString(7, kind);
                s.setString(8, key);
                s.setLong(9, limit.dailyMs());
                s.setString(10, limit.zone().getId());
                s.setArray(11, c.createArrayOf("bigint", limit.warnBeforeMs().toArray()));
                s.setTimestamp(12, Timestamp.from(limit.createdAt()));
                s.setTimestamp(13, Timestamp.from(limit.updatedAt()));
                s.executeUpdate();
            } catch (SQLException e) {
                String constraint = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                        ? p.getServerErrorMessage().getConstraint() : null;
                if ("23503".equals(e.getSQLState()) && "limits_profile_same_account".equals(constraint)) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST, "\"profile_id\" names no profile of this account");
                }
                throw warningsPastLimit(e);
            }
            markToday(c, limit, change.at());
            AuditRows.append(c, limit.accountId(), change, "limit.created", "limit:" + limit.limitId()
                    + (limit.profileId() != null ? " profile:" + limit.profileId() : " device:" + limit.deviceId()));
            return limit;
        });
    }

    @Override
    public List<Limit> limits(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + COLUMNS + " FROM limits WHERE account_id = ?"
                     + " ORDER BY created_at, limit_id")) {
            s.setObject(1, accountId);
            List<Limit> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(limit(rs));
                }
            }
            return out;
        }
    }

    @Override
    public Optional<Limit> limit(UUID accountId, UUID limitId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow()) {
            return read(l.connection(), accountId, limitId);
        }
    }

    private static Optional<Limit> read(Connection c, UUID accountId, UUID limitId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM limits WHERE account_id = ? AND limit_id = ?")) {
            s.setObject(1, accountId);
            s.setObject(2, limitId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(limit(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Optional<Limit> update(UUID accountId, UUID limitId, Long dailyMs, ZoneId zone, List<Long> warnBeforeMs, Change change)
            throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE limits SET daily_ms = coalesce(?, daily_ms), tz = coalesce(?, tz),"
                    + " warn_before_ms = coalesce(?, warn_before_ms), updated_at = ? WHERE account_id = ? AND limit_id = ?")) {
                s.setObject(1, dailyMs, java.sql.Types.BIGINT);
                s.setString(2, zone == null ? null : zone.getId());
                s.setArray(3, warnBeforeMs == null ? null : c.createArrayOf("bigint", warnBeforeMs.toArray()));
                s.setTimestamp(4, Timestamp.from(change.at()));
                s.setObject(5, accountId);
                s.setObject(6, limitId);
                if (s.executeUpdate() == 0) {
                    return Optional.<Limit>empty();
                }
            } catch (SQLException e) {
                throw warningsPastLimit(e);
            }
            AuditRows.append(c, accountId, change, "limit.changed", "limit:" + limitId);
            Optional<Limit> changed = read(c, accountId, limitId);
            if (changed.isPresent()) {
                markToday(c, changed.get(), change.at());
            }
            return changed;
        });
    }

    @Override
    public boolean delete(UUID accountId, UUID limitId, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM limits WHERE account_id = ? AND limit_id = ?")) {
                s.setObject(1, accountId);
                s.setObject(2, limitId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            AuditRows.append(c, accountId, change, "limit.deleted", "limit:" + limitId);
            return true;
        });
    }

    /**
     * The limits on the marked devices, and on the profiles those devices are in now (a revoked or erased device
     * counts for no profile), in one statement for every account: each device only with its own account.
     */
    private static final String TOUCHING = "SELECT " + COLUMNS + " FROM limits WHERE (account_id, device_id) IN (SELECT * FROM unnest(?::uuid[], ?::uuid[]))"
            + " UNION SELECT " + COLUMNS + " FROM limits WHERE (account_id, profile_id) IN (SELECT d.account_id, d.profile_id FROM devices d"
            + " JOIN unnest(?::uuid[], ?::uuid[]) AS m(a, dv) ON d.device_id = m.dv AND d.account_id = m.a"
            + " WHERE d.profile_id IS NOT NULL AND d.revoked_at IS NULL AND d.erased_at IS NULL)"
            + " ORDER BY created_at, limit_id";

    @Override
    public List<Limit> limitsTouching(java.util.Map<UUID, ? extends java.util.Collection<UUID>> devicesByAccount) throws SQLException {
        List<UUID> accounts = new ArrayList<>();
        List<UUID> devices = new ArrayList<>();
        devicesByAccount.forEach((account, ds) -> ds.forEach(d -> {
            accounts.add(account);
            devices.add(d);
        }));
        List<Limit> out = new ArrayList<>();
        if (devices.isEmpty()) {
            return out;
        }
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(TOUCHING)) {
            java.sql.Array a = l.connection().createArrayOf("uuid", accounts.toArray());
            java.sql.Array d = l.connection().createArrayOf("uuid", devices.toArray());
            s.setArray(1, a);
            s.setArray(2, d);
            s.setArray(3, a);
            s.setArray(4, d);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(limit(rs));
                }
            }
        }
        return out;
    }

    private static final String MARK_TODAY = """
            INSERT INTO limit_marks (device_id, day, account_id, marked_at)
            SELECT d.device_id, x.day, d.account_id, now() FROM devices d, unnest(?::date[]) AS x(day)
            WHERE d.account_id = ? AND (d.device_id = ? OR d.profile_id = ?) AND d.revoked_at IS NULL AND d.erased_at IS NULL
            ORDER BY d.device_id, x.day
            ON CONFLICT (device_id, day) DO UPDATE SET version = nextval('limit_mark_versions'),
                claimed_until = NULL""";

    /**
     * Marks the limit's devices on the UTC days its zone's today covers: a limit made or lowered past today's use
     * alerts at the evaluator's next run, not at the next drain.
     */
    private static void markToday(Connection c, Limit limit, java.time.Instant now) throws SQLException {
        java.time.LocalDate today = java.time.LocalDate.ofInstant(now, limit.zone());
        java.time.Instant start = today.atStartOfDay(limit.zone()).toInstant();
        java.time.Instant end = today.plusDays(1).atStartOfDay(limit.zone()).toInstant().minusMillis(1);
        List<java.sql.Date> days = new ArrayList<>();
        for (java.time.LocalDate d = java.time.LocalDate.ofInstant(start, java.time.ZoneOffset.UTC);
             !d.isAfter(java.time.LocalDate.ofInstant(end, java.time.ZoneOffset.UTC)); d = d.plusDays(1)) {
            days.add(java.sql.Date.valueOf(d));
        }
        try (PreparedStatement s = c.prepareStatement(MARK_TODAY)) {
            s.setArray(1, c.createArrayOf("date", days.toArray()));
            s.setObject(2, limit.accountId());
            s.setObject(3, limit.deviceId(), java.sql.Types.OTHER);
            s.setObject(4, limit.profileId(), java.sql.Types.OTHER);
            s.executeUpdate();
        }
    }

    /** V11's check that warnings come before the limit (a change of one without the other can break it): a 400. */
    private static SQLException warningsPastLimit(SQLException e) {
        String constraint = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getConstraint() : null;
        if ("23514".equals(e.getSQLState()) && "limits_warnings_before_limit".equals(constraint)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "every \"warn_before_ms\" must be less than \"daily_ms\": a warning comes before the limit");
        }
        return e;
    }

    private static Limit limit(ResultSet rs) throws SQLException {
        LimitTarget target = switch (rs.getString(5)) {
            case "all" -> new LimitTarget.All();
            case "category" -> new LimitTarget.Category(rs.getString(6));
            default -> new LimitTarget.Key(rs.getString(7), rs.getString(8));
        };
        List<Long> warnings = new ArrayList<>();
        Array a = rs.getArray(11);
        for (Object o : (Object[]) a.getArray()) {
            warnings.add(((Number) o).longValue());
        }
        return new Limit(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class), rs.getObject(4, UUID.class),
                target, rs.getLong(9), ZoneId.of(rs.getString(10)), warnings, rs.getTimestamp(12).toInstant(), rs.getTimestamp(13).toInstant());
    }
}
