package io.nuscape.postgres.internal;

import io.nuscape.core.audit.Change;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.UUID;

/** Appends to the audit log inside the caller's transaction, so a change and its entry commit together. */
public final class AuditRows {
    private AuditRows() {
    }

    public static void append(Connection c, UUID accountId, Change change, String action, String target) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO audit_log (account_id, at, actor, action, target) VALUES (?, ?, ?, ?, ?)")) {
            s.setObject(1, accountId);
            s.setTimestamp(2, Timestamp.from(change.at()));
            s.setString(3, change.actor());
            s.setString(4, action);
            s.setString(5, target);
            s.executeUpdate();
        }
    }
}
