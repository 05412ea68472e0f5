package io.nuscape.postgres;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.Change;
import io.nuscape.core.limit.Alert;
import io.nuscape.core.webhook.Delivery;
import io.nuscape.core.webhook.DueDelivery;
import io.nuscape.core.webhook.Webhook;
import io.nuscape.core.webhook.WebhookStore;
import io.nuscape.postgres.internal.AuditRows;
import io.nuscape.postgres.internal.Transaction;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@link WebhookStore} on Postgres (V14): deliveries are queued by a trigger on alerts, claimed with SKIP LOCKED. */
public final class PostgresWebhookStore implements WebhookStore {
    private static final String COLUMNS = "webhook_id, account_id, url, events, created_at";
    private static final String DELIVERY = """
            SELECT d.delivery_id, d.webhook_id, d.alert_id, a.type, d.status, d.attempts, d.created_at, d.next_attempt_at,
                   d.last_attempt_at, d.last_status, d.last_error, d.completed_at
            FROM webhook_deliveries d JOIN alerts a ON a.alert_id = d.alert_id""";
    /**
     * Pushing next_attempt_at past the lease is the claim: other deliverers skip locked rows now and see the row
     * as not due until the lease ends.
     */
    private static final String CLAIM = """
            UPDATE webhook_deliveries d SET next_attempt_at = ?, claim_id = gen_random_uuid()
            FROM (SELECT delivery_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
                  ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) due, webhooks w, alerts a
            WHERE d.delivery_id = due.delivery_id AND w.webhook_id = d.webhook_id AND a.alert_id = d.alert_id
            RETURNING d.delivery_id, d.webhook_id, w.url, w.secret, d.attempts, d.created_at,
                      a.alert_id, a.account_id, a.limit_id, a.type, a.day, a.threshold_ms, a.raised_at, a.details, d.claim_id""";
    private static final String GIVE_UP = """
            UPDATE webhook_deliveries SET status = 'failed', completed_at = ?, claim_id = NULL,
                   last_error = coalesce(last_error, 'no attempt finished') || ' (gave up: 24 h passed)'
            WHERE status = 'pending' AND created_at < ?""";

    private final ConnectionPool pool;

    public PostgresWebhookStore(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Webhook create(UUID accountId, URI url, List<String> events, String secret, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            // Registrations of one account take turns (a lock for the transaction), so two at once cannot both pass the count.
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, accountId.getMostSignificantBits() ^ accountId.getLeastSignificantBits() ^ 0x5745424bL);
                lock.execute();
            }
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM webhooks WHERE account_id = ?")) {
                s.setObject(1, accountId);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && rs.getLong(1) >= Webhook.MAX_PER_ACCOUNT) {
                        throw new ApiException(ErrorCode.CONFLICT, "an account has at most " + Webhook.MAX_PER_ACCOUNT + " webhooks: delete one first");
                    }
                }
            }
            Webhook w = new Webhook(UUID.randomUUID(), accountId, url, List.copyOf(events), change.at());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO webhooks (" + COLUMNS + ", secret) VALUES (?, ?, ?, ?, ?, ?)")) {
                s.setObject(1, w.webhookId());
                s.setObject(2, accountId);
                s.setString(3, url.toString());
                s.setArray(4, c.createArrayOf("text", events.toArray()));
                s.setTimestamp(5, Timestamp.from(w.createdAt()));
                s.setString(6, secret);
                s.executeUpdate();
            }
            AuditRows.append(c, accountId, change, "webhook.created", "webhook:" + w.webhookId());
            return w;
        });
    }

    @Override
    public List<Webhook> list(UUID accountId) throws SQLException {
        return webhooks("SELECT " + COLUMNS + " FROM webhooks WHERE account_id = ? ORDER BY created_at, webhook_id", accountId);
    }

    @Override
    public Optional<Webhook> find(UUID accountId, UUID webhookId) throws SQLException {
        return webhooks("SELECT " + COLUMNS + " FROM webhooks WHERE account_id = ? AND webhook_id = ?", accountId, webhookId)
                .stream().findFirst();
    }

    @Override
    public boolean delete(UUID accountId, UUID webhookId, Change change) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM webhooks WHERE account_id = ? AND webhook_id = ?")) {
                s.setObject(1, accountId);
                s.setObject(2, webhookId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            AuditRows.append(c, accountId, change, "webhook.deleted", "webhook:" + webhookId);
            return true;
        });
    }

    @Override
    public List<Delivery> deliveries(UUID accountId, UUID webhookId, int limit) throws SQLException {
        List<Delivery> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(DELIVERY
                + " WHERE d.webhook_id = ? AND d.account_id = ? ORDER BY d.created_at DESC, d.delivery_id LIMIT ?")) {
            s.setObject(1, webhookId);
            s.setObject(2, accountId);
            s.setInt(3, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Delivery(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getInt(6), instant(rs, 7), instant(rs, 8), instant(rs, 9),
                            rs.getObject(10, Integer.class), rs.getString(11), instant(rs, 12)));
                }
            }
        }
        return out;
    }

    @Override
    public List<DueDelivery> claimDue(Instant now, int max, Duration lease, Instant giveUpBefore) throws SQLException {
        return Transaction.run(pool, c -> {
            try (PreparedStatement s = c.prepareStatement(GIVE_UP)) {
                s.setTimestamp(1, Timestamp.from(now));
                s.setTimestamp(2, Timestamp.from(giveUpBefore));
                s.executeUpdate();
            }
            List<DueDelivery> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(CLAIM)) {
                s.setTimestamp(1, Timestamp.from(now.plus(lease)));
                s.setTimestamp(2, Timestamp.from(now));
                s.setInt(3, max);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> details = PostgresAlertStore.details(rs.getString(14));
                        Alert alert = new Alert(rs.getObject(7, UUID.class), rs.getObject(8, UUID.class), rs.getObject(9, UUID.class),
                                rs.getString(10), rs.getObject(11, LocalDate.class), rs.getLong(12), instant(rs, 13), details);
                        out.add(new DueDelivery(rs.getObject(1, UUID.class), rs.getObject(15, UUID.class), rs.getObject(2, UUID.class),
                                URI.create(rs.getString(3)),
                                rs.getString(4), alert, rs.getInt(5), instant(rs, 6)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void recordAttempt(DueDelivery claimed, Instant at, Integer httpStatus, String error, boolean succeeded, Optional<Instant> next)
            throws SQLException {
        String status = succeeded ? "delivered" : next.isPresent() ? "pending" : "failed";
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?, status = ?,"
                        + " next_attempt_at = coalesce(?, next_attempt_at), completed_at = ?, claim_id = NULL"
                        + " WHERE delivery_id = ? AND claim_id = ? AND status = 'pending'")) {
            s.setTimestamp(1, Timestamp.from(at));
            s.setObject(2, httpStatus, java.sql.Types.INTEGER);
            s.setString(3, error);
            s.setString(4, status);
            s.setTimestamp(5, next.map(Timestamp::from).orElse(null));
            s.setTimestamp(6, status.equals("pending") ? null : Timestamp.from(at));
            s.setObject(7, claimed.deliveryId());
            s.setObject(8, claimed.claimId());
            s.executeUpdate();
        }
    }

    private List<Webhook> webhooks(String sql, Object... params) throws SQLException {
        List<Webhook> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = l.connection().prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Webhook(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), URI.create(rs.getString(3)),
                            Arrays.asList((String[]) rs.getArray(4).getArray()), instant(rs, 5)));
                }
            }
        }
        return out;
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
