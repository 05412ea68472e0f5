package io.nuscape.postgres;

import io.nuscape.core.audit.Change;
import io.nuscape.core.people.SessionStore;
import io.nuscape.core.people.User;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/** {@link SessionStore} on Postgres (V6). */
public final class PostgresSessionStore implements SessionStore {
    private final ConnectionPool pool;

    public PostgresSessionStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public void open(User user, UUID sessionId, byte[] refreshHash, Instant expiresAt, Change change) throws SQLException {
        Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO sessions (session_id, account_id, user_id, created_at, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
                s.setObject(1, sessionId);
                s.setObject(2, user.accountId());
                s.setObject(3, user.userId());
                s.setTimestamp(4, Timestamp.from(change.at()));
                s.setTimestamp(5, Timestamp.from(expiresAt));
                s.executeUpdate();
            }
            insertToken(c, refreshHash, sessionId, change.at());
            AuditRows.append(c, user.accountId(), change, "session.signed_in", "session:" + sessionId);
            return null;
        });
    }

    @Override
    public Refresh refresh(byte[] presentedHash, byte[] nextHash, Instant now) throws SQLException {
        return Transaction.run(pool, c -> {
            UUID session;
            boolean used;
            Instant expires;
            boolean revoked;
            UUID account;
            UUID userId;
            // Both rows locked: of two refreshes with one token, the second waits and then finds it used.
            try (PreparedStatement s = c.prepareStatement("SELECT s.session_id, r.used_at IS NOT NULL, s.expires_at,"
                    + " s.revoked_at IS NOT NULL, s.account_id, s.user_id FROM refresh_tokens r JOIN sessions s USING (session_id)"
                    + " WHERE r.token_hash = ? FOR UPDATE OF r, s")) {
                s.setBytes(1, presentedHash);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return new Refresh.Refused("unknown");
                    }
                    session = rs.getObject(1, UUID.class);
                    used = rs.getBoolean(2);
                    expires = rs.getTimestamp(3).toInstant();
                    revoked = rs.getBoolean(4);
                    account = rs.getObject(5, UUID.class);
                    userId = rs.getObject(6, UUID.class);
                }
            }
            if (revoked) {
                return new Refresh.Refused("revoked");
            }
            if (used) {
                try (PreparedStatement s = c.prepareStatement("UPDATE sessions SET revoked_at = ?, revoked_reason = 'reused' WHERE session_id = ?")) {
                    s.setTimestamp(1, Timestamp.from(now));
                    s.setObject(2, session);
                    s.executeUpdate();
                }
                AuditRows.append(c, account, new Change("user:" + userId, now), "session.reuse_detected", "session:" + session);
                return new Refresh.Refused("reused");
            }
            if (!now.isBefore(expires)) {
                return new Refresh.Refused("expired");
            }
            User user;
            try (PreparedStatement s = c.prepareStatement("SELECT " + PostgresUserStore.COLUMNS + " FROM users"
                    + " WHERE user_id = ? AND activated_at IS NOT NULL")) {
                s.setObject(1, userId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return new Refresh.Refused("unknown");
                    }
                    user = PostgresUserStore.user(rs);
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?")) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setBytes(2, presentedHash);
                s.executeUpdate();
            }
            insertToken(c, nextHash, session, now);
            return new Refresh.Rotated(user, session, expires);
        });
    }

    @Override
    public boolean close(byte[] presentedHash, Instant now) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE sessions SET revoked_at = coalesce(revoked_at, ?),"
                    + " revoked_reason = coalesce(revoked_reason, 'signed_out')"
                    + " WHERE session_id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?) RETURNING session_id, account_id, user_id")) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setBytes(2, presentedHash);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    AuditRows.append(c, rs.getObject(2, UUID.class), new Change("user:" + rs.getObject(3, UUID.class), now),
                            "session.signed_out", "session:" + rs.getObject(1, UUID.class));
                    return true;
                }
            }
        });
    }

    private static void insertToken(java.sql.Connection c, byte[] hash, UUID session, Instant at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)")) {
            s.setBytes(1, hash);
            s.setObject(2, session);
            s.setTimestamp(3, Timestamp.from(at));
            s.executeUpdate();
        }
    }
}
