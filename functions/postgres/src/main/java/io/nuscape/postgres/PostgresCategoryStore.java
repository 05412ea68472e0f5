package io.nuscape.postgres;

import io.nuscape.core.audit.Change;
import io.nuscape.core.category.CategoryRule;
import io.nuscape.core.category.CategoryStore;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Locale;
import java.util.UUID;

/** {@link CategoryStore} on Postgres (V9). */
public final class PostgresCategoryStore implements CategoryStore {
    private final ConnectionPool pool;

    public PostgresCategoryStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public long version(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = l.connection().prepareStatement("SELECT version FROM category_rule_sets WHERE account_id = ?")) {
            s.setObject(1, accountId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    @Override
    public RuleSet rules(UUID accountId) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow()) {
            return read(l.connection(), accountId);
        }
    }

    /** Version and rules in one statement, so that they come from one snapshot and always belong together. */
    private static RuleSet read(Connection c, UUID accountId) throws SQLException {
        long version = 0;
        List<CategoryRule> rules = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT s.version, r.category, r.kind, r.match, r.pattern FROM category_rule_sets s"
                + " LEFT JOIN category_rules r ON r.account_id = s.account_id WHERE s.account_id = ? ORDER BY r.position")) {
            s.setObject(1, accountId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    version = rs.getLong(1);
                    if (rs.getString(2) != null) {
                        rules.add(new CategoryRule(rs.getString(2), rs.getString(3),
                                CategoryRule.Match.valueOf(rs.getString(4).toUpperCase(Locale.ROOT)), rs.getString(5)));
                    }
                }
            }
        }
        return new RuleSet(version, rules);
    }

    @Override
    public Optional<RuleSet> replace(UUID accountId, List<CategoryRule> rules, OptionalLong expectedVersion, Change change) throws SQLException {
        return Optional.ofNullable(Transaction.run(pool, c -> {
            // The set's row is locked first: two replacements one after the other, never interleaved; the version
            // it had is the new one less one, so a replacement made for another version is undone here.
            try (PreparedStatement s = c.prepareStatement("INSERT INTO category_rule_sets (account_id, version, updated_at) VALUES (?, 1, ?)"
                    + " ON CONFLICT (account_id) DO UPDATE SET version = category_rule_sets.version + 1, updated_at = EXCLUDED.updated_at"
                    + " RETURNING version")) {
                s.setObject(1, accountId);
                s.setTimestamp(2, Timestamp.from(change.at()));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (expectedVersion.isPresent() && rs.getLong(1) != expectedVersion.getAsLong() + 1) {
                        c.rollback();
                        return null;
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM category_rules WHERE account_id = ?")) {
                s.setObject(1, accountId);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO category_rules (account_id, position, category, kind, match, pattern)"
                    + " VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < rules.size(); i++) {
                    CategoryRule r = rules.get(i);
                    s.setObject(1, accountId);
                    s.setInt(2, i);
                    s.setString(3, r.category());
                    s.setString(4, r.kind());
                    s.setString(5, r.match().label());
                    s.setString(6, r.pattern());
                    s.addBatch();
                }
                s.executeBatch();
            }
            AuditRows.append(c, accountId, change, "categories.replaced", "account:" + accountId);
            return read(c, accountId);
        }));
    }
}
