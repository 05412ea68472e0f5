package io.nuscape.postgres;

import io.nuscape.core.control.AccountIngestLimits;
import io.nuscape.core.control.DeviceRevocation;
import io.nuscape.core.control.IngestRuleSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@link IngestRuleSource} on the control plane's tables. A device has something to enforce once it is
 * revoked or erased, or once a token of it was rotated away (its generation is then above 1); the
 * "changed since" reads use the partial indexes of V4 on those instants.
 */
public final class PostgresIngestRules implements IngestRuleSource {
    private static final String COLUMNS = "d.account_id, d.device_id, d.token_generation, d.revoked_at IS NOT NULL OR d.erased_at IS NOT NULL";
    private static final String PAGE = "SELECT " + COLUMNS + " FROM devices d"
            + " WHERE d.device_id > ? AND (d.token_generation > 1 OR d.revoked_at IS NOT NULL OR d.erased_at IS NOT NULL)"
            + " ORDER BY d.device_id LIMIT ?";
    private static final String CHANGED = "SELECT " + COLUMNS + " FROM devices d WHERE d.device_id IN ("
            + " SELECT device_id FROM devices WHERE revoked_at >= ?"
            + " UNION SELECT device_id FROM devices WHERE erased_at >= ?"
            + " UNION SELECT device_id FROM device_token_supersessions WHERE superseded_at >= ?)";
    private static final String RATES = "SELECT account_id, rate_limit_events_per_minute, monthly_event_quota, quota_mode FROM policies WHERE updated_at >= ?";

    private final ConnectionPool pool;

    public PostgresIngestRules(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Instant now() throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT now()");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    @Override
    public List<DeviceRevocation> revocations(UUID after, int limit) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(PAGE)) {
            s.setObject(1, after);
            s.setInt(2, limit);
            return revocations(s);
        }
    }

    @Override
    public List<DeviceRevocation> revocationsChangedSince(Instant since) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(CHANGED)) {
            OffsetDateTime t = utc(since);
            s.setObject(1, t);
            s.setObject(2, t);
            s.setObject(3, t);
            return revocations(s);
        }
    }

    @Override
    public List<AccountIngestLimits> ingestLimitsChangedSince(Instant since) throws SQLException {
        List<AccountIngestLimits> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(RATES)) {
            s.setObject(1, utc(since));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new AccountIngestLimits(rs.getObject(1, UUID.class), rs.getObject(2, Long.class), rs.getObject(3, Long.class),
                            io.nuscape.core.control.QuotaMode.parse(rs.getString(4)).orElseThrow()));
                }
            }
        }
        return out;
    }

    /** An instant as such, whatever this JVM's time zone: java.sql.Timestamp would read it in local time. */
    private static OffsetDateTime utc(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    private static List<DeviceRevocation> revocations(PreparedStatement s) throws SQLException {
        List<DeviceRevocation> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new DeviceRevocation(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getLong(3), rs.getBoolean(4)));
            }
        }
        return out;
    }
}
