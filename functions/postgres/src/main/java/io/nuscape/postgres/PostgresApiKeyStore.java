package io.nuscape.postgres;

import io.nuscape.core.audit.Change;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.people.ApiKey;
import io.nuscape.core.people.ApiKeyStore;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@link ApiKeyStore} on Postgres (V6). */
public final class PostgresApiKeyStore implements ApiKeyStore {
    private static final String COLUMNS = "api_key_id, account_id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at";

    private final ConnectionPool pool;

    public PostgresApiKeyStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public ApiKey create(UUID accountId, String name, Set<Scope> scopes, Instant expiresAt, byte[] keyHash, String prefix, Change change)
            throws SQLException {
        return Transaction.run(pool, c -> {
            ApiKey key;
            try (PreparedStatement s = c.prepareStatement("INSERT INTO api_keys (api_key_id, account_id, name, key_hash, key_prefix, scopes,"
                    + " created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + COLUMNS)) {
                s.setObject(1, UUID.randomUUID());
                s.setObject(2, accountId);
                s.setString(3, name);
                s.setBytes(4, keyHash);
                s.setString(5, prefix);
                s.setArray(6, c.createArrayOf("text", scopes.stream().map(Scope::claimValue).sorted().toArray()));
                s.setTimestamp(7, Timestamp.from(change.at()));
                s.setString(8, change.actor());
                s.setTimestamp(9, expiresAt == null ? null : Timestamp.from(expiresAt));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    key = key(rs);
                }
            }
            AuditRows.append(c, accountId, change, "api_key.created", key.actor());
            return key;
        });
    }

    @Override
    public List<ApiKey> keys(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + COLUMNS + " FROM api_keys WHERE account_id = ?"
                     + " ORDER BY created_at, api_key_id")) {
            s.setObject(1, accountId);
            List<ApiKey> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(key(rs));
                }
            }
            return out;
        }
    }

    @Override
    public boolean revoke(UUID accountId, UUID apiKeyId, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?)"
                    + " WHERE account_id = ? AND api_key_id = ?")) {
                s.setTimestamp(1, Timestamp.from(change.at()));
                s.setObject(2, accountId);
                s.setObject(3, apiKeyId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            AuditRows.append(c, accountId, change, "api_key.revoked", "api_key:" + apiKeyId);
            return true;
        });
    }

    @Override
    public Optional<ApiKey> find(byte[] keyHash) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = ?")) {
            s.setBytes(1, keyHash);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(key(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public void touch(UUID apiKeyId, Instant at) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("UPDATE api_keys SET last_used_at = ? WHERE api_key_id = ?"
                     + " AND (last_used_at IS NULL OR last_used_at <= ?)")) {
            s.setTimestamp(1, Timestamp.from(at));
            s.setObject(2, apiKeyId);
            s.setTimestamp(3, Timestamp.from(at.minusSeconds(60)));
            s.executeUpdate();
        }
    }

    private static ApiKey key(ResultSet rs) throws SQLException {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (Object s : (Object[]) rs.getArray(5).getArray()) {
            scopes.add(Scope.valueOf(((String) s).toUpperCase(Locale.ROOT)));
        }
        return new ApiKey(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), scopes,
                instant(rs, 6), instant(rs, 7), instant(rs, 8), instant(rs, 9));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
