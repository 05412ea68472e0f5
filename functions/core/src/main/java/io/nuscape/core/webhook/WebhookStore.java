package io.nuscape.core.webhook;

import io.nuscape.core.audit.Change;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Webhooks and their delivery log. Recording an alert queues its deliveries in the same transaction (the
 * database does it, whoever records the alert); {@link #claimDue} hands each due delivery to one deliverer at a
 * time for a lease, after which an unfinished one is due again. The Postgres adapter lives in
 * {@code nuscape-postgres}.
 */
public interface WebhookStore {
    /** Registers a webhook; throws {@link io.nuscape.core.ApiException} conflict past {@link Webhook#MAX_PER_ACCOUNT}. */
    Webhook create(UUID accountId, URI url, List<String> events, String secret, Change change) throws Exception;

    List<Webhook> list(UUID accountId) throws Exception;

    Optional<Webhook> find(UUID accountId, UUID webhookId) throws Exception;

    /** Deletes the webhook and its log; false when the account has no such webhook. */
    boolean delete(UUID accountId, UUID webhookId, Change change) throws Exception;

    /** The webhook's latest deliveries, newest first. */
    List<Delivery> deliveries(UUID accountId, UUID webhookId, int limit) throws Exception;

    /**
     * Claims up to {@code max} deliveries due at {@code now} for {@code lease}; none is claimed by two callers.
     * Pending deliveries made before {@code giveUpBefore} are failed first, attempts or not: a delivery whose
     * attempts never finished (a deliverer killed mid-post, again and again) still ends.
     */
    List<DueDelivery> claimDue(Instant now, int max, Duration lease, Instant giveUpBefore) throws Exception;

    /**
     * Records the attempt of a claim, unless the claim lapsed and the delivery was claimed again or ended
     * meanwhile (the later claim's outcome stands): {@code httpStatus} (null when no answer came) and {@code error} (null on success);
     * {@code next} is when to try again, or empty when the delivery is done: delivered if it succeeded, else failed.
     */
    void recordAttempt(DueDelivery claimed, Instant at, Integer httpStatus, String error, boolean succeeded, Optional<Instant> next)
            throws Exception;
}
