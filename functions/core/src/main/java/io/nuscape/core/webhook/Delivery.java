package io.nuscape.core.webhook;

import java.time.Instant;
import java.util.UUID;

/**
 * One alert's delivery to one webhook, as its log shows it: {@code pending} (due at {@code nextAttemptAt}),
 * {@code delivered} (a 2xx answered) or {@code failed} (retries ran out), with its last attempt.
 */
public record Delivery(UUID deliveryId, UUID webhookId, UUID alertId, String alertType, String status, int attempts,
                       Instant createdAt, Instant nextAttemptAt, Instant lastAttemptAt, Integer lastStatus, String lastError,
                       Instant completedAt) {
}
