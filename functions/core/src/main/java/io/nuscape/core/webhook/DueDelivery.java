package io.nuscape.core.webhook;

import io.nuscape.core.limit.Alert;
import java.net.URI;
import java.time.Instant;
import java.util.UUID;

/**
 * A delivery claimed for an attempt: the claim (only its attempt may be recorded), where it goes, the secret
 * that signs it, the alert it carries.
 */
public record DueDelivery(UUID deliveryId, UUID claimId, UUID webhookId, URI url, String secret, Alert alert, int attempts, Instant createdAt) {
    @Override
    public String toString() {
        return "DueDelivery[" + deliveryId + " of alert " + alert.alertId() + " to webhook " + webhookId + "]"; // never the secret
    }
}
