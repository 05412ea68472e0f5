package io.nuscape.postgres;

import io.nuscape.core.audit.Change;
import io.nuscape.core.profile.Profile;
import io.nuscape.core.profile.ProfileStore;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link ProfileStore} on Postgres (V8); a profile's devices are those assigned to it now, erased (or being erased) ones left out. */
public final class PostgresProfileStore implements ProfileStore {
    private static final String SELECT = "SELECT p.profile_id, p.account_id, p.name, p.created_at,"
            + " coalesce(array_agg(d.device_id ORDER BY d.enrolled_at, d.device_id) FILTER (WHERE d.device_id IS NOT NULL), '{}')"
            + " FROM profiles p LEFT JOIN devices d ON d.account_id = p.account_id AND d.profile_id = p.profile_id"
            + " AND d.revoked_at IS NULL AND d.erased_at IS NULL"
            + " WHERE p.account_id = ?";

    private final ConnectionPool pool;

    public PostgresProfileStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Profile create(UUID accountId, String name, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            UUID id = UUID.randomUUID();
            try (PreparedStatement s = c.prepareStatement("INSERT INTO profiles (profile_id, account_id, name, created_at) VALUES (?, ?, ?, ?)")) {
                s.setObject(1, id);
                s.setObject(2, accountId);
                s.setString(3, name);
                s.setTimestamp(4, Timestamp.from(change.at()));
                s.executeUpdate();
            }
            AuditRows.append(c, accountId, change, "profile.created", "profile:" + id);
            return new Profile(id, accountId, name, change.at(), List.of());
        });
    }

    @Override
    public List<Profile> profiles(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement(SELECT + " GROUP BY p.profile_id ORDER BY p.created_at, p.profile_id")) {
            s.setObject(1, accountId);
            List<Profile> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(profile(rs));
                }
            }
            return out;
        }
    }

    @Override
    public Optional<Profile> profile(UUID accountId, UUID profileId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement(SELECT + " AND p.profile_id = ? GROUP BY p.profile_id")) {
            s.setObject(1, accountId);
            s.setObject(2, profileId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(profile(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Optional<Profile> rename(UUID accountId, UUID profileId, String name, Change change) throws SQLException {
        boolean found = Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE profiles SET name = ? WHERE account_id = ? AND profile_id = ?")) {
                s.setString(1, name);
                s.setObject(2, accountId);
                s.setObject(3, profileId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            AuditRows.append(c, accountId, change, "profile.renamed", "profile:" + profileId);
            return true;
        });
        return found ? profile(accountId, profileId) : Optional.empty();
    }

    @Override
    public boolean delete(UUID accountId, UUID profileId, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            // Its devices and open enrollment codes are unassigned by the foreign keys (V8); its limits go with it
            // (V11), each audited.
            List<UUID> limits = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("DELETE FROM limits WHERE account_id = ? AND profile_id = ? RETURNING limit_id")) {
                s.setObject(1, accountId);
                s.setObject(2, profileId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        limits.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM profiles WHERE account_id = ? AND profile_id = ?")) {
                s.setObject(1, accountId);
                s.setObject(2, profileId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            for (UUID limit : limits) {
                AuditRows.append(c, accountId, change, "limit.deleted", "limit:" + limit + " profile:" + profileId);
            }
            AuditRows.append(c, accountId, change, "profile.deleted", "profile:" + profileId);
            return true;
        });
    }

    private static Profile profile(ResultSet rs) throws SQLException {
        List<UUID> devices = new ArrayList<>();
        Array a = rs.getArray(5);
        for (Object o : (Object[]) a.getArray()) {
            devices.add((UUID) o);
        }
        return new Profile(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getTimestamp(4).toInstant(), devices);
    }
}
