package io.nuscape.core.webhook;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A receiver an account registered for its alerts: where to post them and which types (CONTRACT.md "Webhooks"). */
public record Webhook(UUID webhookId, UUID accountId, URI url, List<String> events, Instant createdAt) {
    /** The alert types a webhook may subscribe to. */
    public static final List<String> EVENT_TYPES = List.of("limit.warning", "limit.exceeded", "quota.warning", "quota.exceeded");
    /** Webhooks an account may have. */
    public static final int MAX_PER_ACCOUNT = 20;
}
