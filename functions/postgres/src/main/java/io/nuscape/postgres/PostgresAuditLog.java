package io.nuscape.postgres;

import io.nuscape.core.audit.AuditEntry;
import io.nuscape.core.audit.AuditLog;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** {@link AuditLog} on Postgres (V6): an index range read of the account's entries. */
public final class PostgresAuditLog implements AuditLog {
    private final ConnectionPool pool;

    public PostgresAuditLog(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public List<AuditEntry> entries(UUID accountId, Instant from, Instant to, int limit) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT at, actor, action, target FROM audit_log"
                     + " WHERE account_id = ? AND at >= ? AND at < ? ORDER BY at DESC, entry_id DESC LIMIT ?")) {
            s.setObject(1, accountId);
            s.setTimestamp(2, Timestamp.from(from));
            s.setTimestamp(3, Timestamp.from(to));
            s.setInt(4, limit);
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return out;
        }
    }
}
