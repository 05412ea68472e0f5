package io.nuscape.postgres;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.Change;
import io.nuscape.core.control.Account;
import io.nuscape.core.control.ControlPlaneStore;
import io.nuscape.core.control.Device;
import io.nuscape.core.control.Erasure;
import io.nuscape.core.control.Policy;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link ControlPlaneStore} on Postgres; every statement filters by the caller's account in SQL. */
public final class PostgresControlPlaneStore implements ControlPlaneStore {
    private static final String DEVICE_COLUMNS =
            "device_id, account_id, name, platform, enrolled_at, last_seen_at, token_generation, revoked_at, erased_at, profile_id";
    private static final String NO_SUCH_PROFILE = "\"profile_id\" names no profile of this account";

    private final ConnectionPool pool;

    public PostgresControlPlaneStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Account createAccount(String name, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO accounts (account_id, name) VALUES (?, ?) RETURNING account_id, name, created_at")) {
                s.setObject(1, UUID.randomUUID());
                s.setString(2, name);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    Account a = new Account(rs.getObject(1, UUID.class), rs.getString(2), instant(rs, 3));
                    AuditRows.append(c, a.accountId(), change, "account.created", "account:" + a.accountId());
                    return a;
                }
            }
        });
    }

    @Override
    public Device enrollDevice(UUID accountId, String name, String platform, Change change) throws SQLException {
        return Transaction.run(pool, c -> insertDevice(c, accountId, name, platform, null, change));
    }

    private static Device insertDevice(Connection c, UUID accountId, String name, String platform, UUID profileId, Change change)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO devices (device_id, account_id, name, platform, profile_id)"
                + " SELECT ?, account_id, ?, ?, ? FROM accounts WHERE account_id = ? RETURNING " + DEVICE_COLUMNS)) {
            s.setObject(1, UUID.randomUUID());
            s.setString(2, name);
            s.setString(3, platform);
            s.setObject(4, profileId);
            s.setObject(5, accountId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("account " + accountId + " does not exist", "23503");
                }
                Device d = device(rs);
                AuditRows.append(c, accountId, change, "device.enrolled", "device:" + d.deviceId());
                return d;
            }
        }
    }

    @Override
    public List<Device> devices(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + DEVICE_COLUMNS
                     + " FROM devices WHERE account_id = ? ORDER BY enrolled_at, device_id")) {
            s.setObject(1, accountId);
            List<Device> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(device(rs));
                }
            }
            return out;
        }
    }

    @Override
    public Optional<Long> rotateToken(UUID accountId, UUID deviceId, Change change) throws SQLException {
        return Transaction.run(pool, c -> raiseGeneration(c, accountId, deviceId, null, change, "device.token_rotated"));
    }

    @Override
    public Optional<Long> renewToken(UUID accountId, UUID deviceId, long generation, Change change) throws SQLException {
        return Transaction.run(pool, c -> raiseGeneration(c, accountId, deviceId, generation, change, "device.token_renewed"));
    }

    private static Optional<Long> raiseGeneration(Connection c, UUID accountId, UUID deviceId, Long expected, Change change, String action)
            throws SQLException {
        // The generation rotated away is recorded with the time, in the same statement: the drainer drops
        // events that came with it afterwards (V3), whatever Redis' copy of min_gen says.
        try (PreparedStatement s = c.prepareStatement("""
                WITH rotated AS (UPDATE devices SET token_generation = token_generation + 1
                                 WHERE device_id = ? AND account_id = ? AND revoked_at IS NULL AND erased_at IS NULL
                                   AND (token_generation = ? OR ? IS NULL)
                                 RETURNING device_id, token_generation),
                     recorded AS (INSERT INTO device_token_supersessions (device_id, generation)
                                  SELECT device_id, token_generation - 1 FROM rotated ON CONFLICT DO NOTHING)
                SELECT token_generation FROM rotated""")) {
            s.setObject(1, deviceId);
            s.setObject(2, accountId);
            if (expected == null) {
                s.setNull(3, java.sql.Types.BIGINT);
                s.setNull(4, java.sql.Types.BIGINT);
            } else {
                s.setLong(3, expected);
                s.setLong(4, expected);
            }
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long generation = rs.getLong(1);
                AuditRows.append(c, accountId, change, action, "device:" + deviceId);
                return Optional.of(generation);
            }
        }
    }

    @Override
    public Optional<Device> updateDevice(UUID accountId, UUID deviceId, DevicePatch patch, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE devices SET name = coalesce(?, name),"
                    + " profile_id = CASE WHEN ? THEN ? ELSE profile_id END"
                    + " WHERE device_id = ? AND account_id = ? AND revoked_at IS NULL AND erased_at IS NULL RETURNING " + DEVICE_COLUMNS)) {
                s.setString(1, patch.name());
                s.setBoolean(2, patch.assignProfile());
                s.setObject(3, patch.profileId(), java.sql.Types.OTHER);
                s.setObject(4, deviceId);
                s.setObject(5, accountId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Device>empty();
                    }
                    Device d = device(rs);
                    if (patch.name() != null) {
                        AuditRows.append(c, accountId, change, "device.renamed", "device:" + deviceId);
                    }
                    if (patch.assignProfile()) {
                        AuditRows.append(c, accountId, change, "device.assigned", "device:" + deviceId + " profile:"
                                + (patch.profileId() == null ? "none" : patch.profileId()));
                    }
                    return Optional.of(d);
                }
            } catch (SQLException e) {
                throw noSuchProfile(e);
            }
        });
    }

    /** A foreign key of (account, profile) that failed: the profile is not the account's. */
    private static SQLException noSuchProfile(SQLException e) {
        String constraint = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getConstraint() : null;
        if ("23503".equals(e.getSQLState())
                && ("devices_profile_same_account".equals(constraint) || "enrollment_codes_profile_same_account".equals(constraint))) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, NO_SUCH_PROFILE);
        }
        return e;
    }

    @Override
    public Optional<Erasure> requestErasure(UUID accountId, UUID deviceId, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement revoke = c.prepareStatement("UPDATE devices SET revoked_at = coalesce(revoked_at, now())"
                    + " WHERE device_id = ? AND account_id = ? RETURNING device_id")) {
                revoke.setObject(1, deviceId);
                revoke.setObject(2, accountId);
                try (ResultSet rs = revoke.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Erasure>empty();
                    }
                }
            }
            Optional<Erasure> existing = query(c, "SELECT erasure_id, account_id, device_id, status, requested_at, completed_at"
                    + " FROM erasure_requests WHERE account_id = ? AND device_id = ? ORDER BY requested_at DESC LIMIT 1", accountId, deviceId);
            if (existing.isPresent()) {
                return existing;
            }
            Optional<Erasure> created = query(c, "INSERT INTO erasure_requests (erasure_id, account_id, device_id) VALUES (?, ?, ?)"
                    + " RETURNING erasure_id, account_id, device_id, status, requested_at, completed_at", UUID.randomUUID(), accountId, deviceId);
            AuditRows.append(c, accountId, change, "device.erasure_requested", "device:" + deviceId);
            return created;
        });
    }

    @Override
    public void createEnrollmentCode(UUID accountId, byte[] codeHash, UUID profileId, Instant expiresAt, Change change) throws SQLException {
        Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO enrollment_codes (code_hash, account_id, profile_id, created_at,"
                    + " created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                s.setBytes(1, codeHash);
                s.setObject(2, accountId);
                s.setObject(3, profileId);
                s.setTimestamp(4, Timestamp.from(change.at()));
                s.setString(5, change.actor());
                s.setTimestamp(6, Timestamp.from(expiresAt));
                s.executeUpdate();
            } catch (SQLException e) {
                throw noSuchProfile(e);
            }
            AuditRows.append(c, accountId, change, "enrollment_code.created", null);
            return null;
        });
    }

    @Override
    public Optional<Device> enrollWithCode(byte[] codeHash, String name, String platform, Instant now) throws SQLException {
        return Transaction.run(pool, c -> {
            UUID account;
            UUID profile;
            try (PreparedStatement s = c.prepareStatement("UPDATE enrollment_codes SET used_at = ?"
                    + " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING account_id, profile_id")) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setBytes(2, codeHash);
                s.setTimestamp(3, Timestamp.from(now));
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Device>empty();
                    }
                    account = rs.getObject(1, UUID.class);
                    profile = rs.getObject(2, UUID.class);
                }
            }
            Device d = insertDevice(c, account, name, platform, profile, new Change("enrollment_code", now));
            try (PreparedStatement s = c.prepareStatement("UPDATE enrollment_codes SET device_id = ? WHERE code_hash = ?")) {
                s.setObject(1, d.deviceId());
                s.setBytes(2, codeHash);
                s.executeUpdate();
            }
            return Optional.of(d);
        });
    }

    @Override
    public Optional<Erasure> erasure(UUID accountId, UUID erasureId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow()) {
            return query(l.connection(), "SELECT erasure_id, account_id, device_id, status, requested_at, completed_at"
                    + " FROM erasure_requests WHERE erasure_id = ? AND account_id = ?", erasureId, accountId);
        }
    }

    @Override
    public Policy policy(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT retention_days_1m, retention_days_5m, retention_days_60m,"
                     + " rate_limit_events_per_minute, monthly_event_quota, quota_mode FROM policies WHERE account_id = ?")) {
            s.setObject(1, accountId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? policy(rs) : Policy.DEFAULTS;
            }
        }
    }

    @Override
    public Policy putPolicy(UUID accountId, Policy p, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO policies (account_id, retention_days_1m, retention_days_5m,"
                + " retention_days_60m, rate_limit_events_per_minute, monthly_event_quota, quota_mode)"
                + " SELECT account_id, ?, ?, ?, ?, ?, ? FROM accounts WHERE account_id = ?"
                + " ON CONFLICT (account_id) DO UPDATE SET retention_days_1m = EXCLUDED.retention_days_1m,"
                + " retention_days_5m = EXCLUDED.retention_days_5m, retention_days_60m = EXCLUDED.retention_days_60m,"
                + " rate_limit_events_per_minute = EXCLUDED.rate_limit_events_per_minute,"
                + " monthly_event_quota = EXCLUDED.monthly_event_quota, quota_mode = EXCLUDED.quota_mode, updated_at = now()"
                + " RETURNING retention_days_1m, retention_days_5m, retention_days_60m, rate_limit_events_per_minute,"
                + " monthly_event_quota, quota_mode")) {
                s.setInt(1, p.retentionDays1m());
                s.setInt(2, p.retentionDays5m());
                s.setInt(3, p.retentionDays60m());
                if (p.rateLimitEventsPerMinute() == null) {
                    s.setNull(4, java.sql.Types.BIGINT);
                } else {
                    s.setLong(4, p.rateLimitEventsPerMinute());
                }
                s.setObject(5, p.monthlyEventQuota(), java.sql.Types.BIGINT);
                s.setString(6, p.quotaMode().text());
                s.setObject(7, accountId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("account " + accountId + " does not exist", "23503");
                    }
                    Policy saved = policy(rs);
                    AuditRows.append(c, accountId, change, "policy.changed", "account:" + accountId);
                    return saved;
                }
            }
        });
    }

    private static Optional<Erasure> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new Erasure(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getObject(3, UUID.class), rs.getString(4), instant(rs, 5), instant(rs, 6))) : Optional.empty();
            }
        }
    }

    private static Policy policy(ResultSet rs) throws SQLException {
        long rate = rs.getLong(4);
        Long rateLimit = rs.wasNull() ? null : rate; // wasNull speaks of the last column read: ask right away
        return new Policy(rs.getInt(1), rs.getInt(2), rs.getInt(3), rateLimit, rs.getObject(5, Long.class),
                io.nuscape.core.control.QuotaMode.parse(rs.getString(6)).orElseThrow());
    }

    private static Device device(ResultSet rs) throws SQLException {
        return new Device(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                instant(rs, 5), instant(rs, 6), rs.getLong(7), instant(rs, 8), instant(rs, 9), rs.getObject(10, UUID.class));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
