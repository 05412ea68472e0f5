package io.nuscape.postgres;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.Change;
import io.nuscape.core.people.Role;
import io.nuscape.core.people.User;
import io.nuscape.core.people.UserStore;
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
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** {@link UserStore} on Postgres (V6): users and invitations; every statement filters by account in SQL. */
public final class PostgresUserStore implements UserStore {
    static final String COLUMNS = "user_id, account_id, email, role, created_at, activated_at";

    private final ConnectionPool pool;

    public PostgresUserStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Optional<Credentials> credentials(String email) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + COLUMNS + ", password_hash FROM users"
                     + " WHERE email = ? AND password_hash IS NOT NULL")) {
            s.setString(1, email);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new Credentials(user(rs), rs.getString(7))) : Optional.empty();
            }
        }
    }

    @Override
    public User invite(UUID accountId, String email, Role role, byte[] invitationHash, Instant expiresAt, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            User user;
            try (PreparedStatement s = c.prepareStatement("INSERT INTO users (user_id, account_id, email, role, created_at)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING " + COLUMNS)) {
                s.setObject(1, UUID.randomUUID());
                s.setObject(2, accountId);
                s.setString(3, email);
                s.setString(4, role.label());
                s.setTimestamp(5, Timestamp.from(change.at()));
                try (ResultSet rs = s.executeQuery()) {
                    user = rs.next() ? user(rs) : null;
                }
            }
            if (user == null) {
                user = reinvitable(c, accountId, email, role);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO invitations (token_hash, account_id, user_id, created_at, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
                s.setBytes(1, invitationHash);
                s.setObject(2, accountId);
                s.setObject(3, user.userId());
                s.setTimestamp(4, Timestamp.from(change.at()));
                s.setTimestamp(5, Timestamp.from(expiresAt));
                s.executeUpdate();
            }
            AuditRows.append(c, accountId, change, "user.invited", user.actor());
            return user;
        });
    }

    /**
     * A user of this account who never accepted is invited again (with the role asked now); anyone else with
     * the email is a 409 that does not say where the email is in use.
     */
    private static User reinvitable(Connection c, UUID accountId, String email, Role role) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE users SET role = ? WHERE email = ? AND account_id = ? AND activated_at IS NULL"
                + " RETURNING " + COLUMNS)) {
            s.setString(1, role.label());
            s.setString(2, email);
            s.setObject(3, accountId);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    return user(rs);
                }
            }
        }
        throw new ApiException(ErrorCode.CONFLICT, "this email already belongs to a user; use another address");
    }

    @Override
    public Optional<InvitationProblem> check(byte[] invitationHash, Instant now) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow()) {
            return problem(l.connection(), invitationHash, now, false).problem();
        }
    }

    @Override
    public Acceptance accept(byte[] invitationHash, String passwordHash, Instant now) throws SQLException {
        return Transaction.run(pool, c -> {
            Invitation i = problem(c, invitationHash, now, true);
            if (i.problem().isPresent()) {
                return new Acceptance(Optional.empty(), i.problem());
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE invitations SET accepted_at = ? WHERE token_hash = ?")) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setBytes(2, invitationHash);
                s.executeUpdate();
            }
            User user;
            try (PreparedStatement s = c.prepareStatement("UPDATE users SET password_hash = ?, activated_at = ?"
                    + " WHERE user_id = ? AND password_hash IS NULL RETURNING " + COLUMNS)) {
                s.setString(1, passwordHash);
                s.setTimestamp(2, Timestamp.from(now));
                s.setObject(3, i.userId());
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        c.rollback();
                        return new Acceptance(Optional.empty(), Optional.of(InvitationProblem.USED));
                    }
                    user = user(rs);
                }
            }
            AuditRows.append(c, user.accountId(), new Change(user.actor(), now), "invitation.accepted", user.actor());
            return new Acceptance(Optional.of(user), Optional.empty());
        });
    }

    private record Invitation(UUID userId, Optional<InvitationProblem> problem) {
    }

    private static Invitation problem(Connection c, byte[] hash, Instant now, boolean lock) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT user_id, expires_at, accepted_at FROM invitations WHERE token_hash = ?"
                + (lock ? " FOR UPDATE" : ""))) {
            s.setBytes(1, hash);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return new Invitation(null, Optional.of(InvitationProblem.UNKNOWN));
                }
                UUID user = rs.getObject(1, UUID.class);
                if (rs.getTimestamp(3) != null) {
                    return new Invitation(user, Optional.of(InvitationProblem.USED));
                }
                if (!now.isBefore(rs.getTimestamp(2).toInstant())) {
                    return new Invitation(user, Optional.of(InvitationProblem.EXPIRED));
                }
                return new Invitation(user, Optional.empty());
            }
        }
    }

    @Override
    public boolean emailTaken(String email) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT 1 FROM users WHERE email = ?")) {
            s.setString(1, email);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public List<User> users(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + COLUMNS + " FROM users WHERE account_id = ?"
                     + " ORDER BY created_at, user_id")) {
            s.setObject(1, accountId);
            List<User> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(user(rs));
                }
            }
            return out;
        }
    }

    @Override
    public Optional<User> user(UUID accountId, UUID userId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT " + COLUMNS + " FROM users WHERE account_id = ? AND user_id = ?")) {
            s.setObject(1, accountId);
            s.setObject(2, userId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(user(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Optional<User> changeRole(UUID accountId, UUID userId, Role role, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            if (role != Role.ADMIN) {
                keepAnAdmin(c, accountId, userId, "demoting");
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE users SET role = ? WHERE account_id = ? AND user_id = ?"
                    + " RETURNING " + COLUMNS + ", (SELECT role FROM users WHERE user_id = ?)")) {
                s.setString(1, role.label());
                s.setObject(2, accountId);
                s.setObject(3, userId);
                s.setObject(4, userId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<User>empty();
                    }
                    User user = user(rs);
                    if (!role.label().equals(rs.getString(7))) {
                        AuditRows.append(c, accountId, change, "user.role_changed", user.actor());
                    }
                    return Optional.of(user);
                }
            }
        });
    }

    @Override
    public boolean delete(UUID accountId, UUID userId, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            keepAnAdmin(c, accountId, userId, "deleting");
            try (PreparedStatement s = c.prepareStatement("DELETE FROM users WHERE account_id = ? AND user_id = ?")) {
                s.setObject(1, accountId);
                s.setObject(2, userId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            AuditRows.append(c, accountId, change, "user.deleted", "user:" + userId);
            return true;
        });
    }

    /**
     * Refuses a change that takes the account's last active admin away. The admins' rows stay locked until
     * commit, so two admins demoting each other at once cannot both pass: the second sees the first's change.
     */
    private static void keepAnAdmin(Connection c, UUID accountId, UUID userId, String doing) throws SQLException {
        List<UUID> admins = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT user_id FROM users WHERE account_id = ? AND role = 'admin'"
                + " AND activated_at IS NOT NULL FOR UPDATE")) {
            s.setObject(1, accountId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    admins.add(rs.getObject(1, UUID.class));
                }
            }
        }
        if (admins.equals(List.of(userId))) {
            throw new ApiException(ErrorCode.CONFLICT, doing + " this user would leave the account without an admin;"
                    + " make another user admin first");
        }
    }

    @Override
    public void replacePasswordHash(UUID userId, String oldHash, String newHash) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("UPDATE users SET password_hash = ? WHERE user_id = ? AND password_hash = ?")) {
            s.setString(1, newHash);
            s.setObject(2, userId);
            s.setString(3, oldHash);
            s.executeUpdate();
        }
    }

    /** A user from the first six columns, in the order of {@link #COLUMNS}. */
    static User user(ResultSet rs) throws SQLException {
        Timestamp activated = rs.getTimestamp(6);
        return new User(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                Role.valueOf(rs.getString(4).toUpperCase(Locale.ROOT)), rs.getTimestamp(5).toInstant(),
                activated == null ? null : activated.toInstant());
    }
}
