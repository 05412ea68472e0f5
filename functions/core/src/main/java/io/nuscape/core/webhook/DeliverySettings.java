package io.nuscape.core.webhook;

import java.time.Duration;
import java.util.Optional;

/**
 * How alerts leave the service: whether webhooks may point at private and loopback addresses over http (the
 * local stack only: {@code NUSCAPE_WEBHOOK_ALLOW_PRIVATE}), how long a receiver may take to answer
 * ({@code NUSCAPE_WEBHOOK_TIMEOUT_MS}), the EventBridge bus every alert is also put on
 * ({@code NUSCAPE_ALERT_BUS_NAME}; none: no bus), and the function outside the VPC that makes the posts
 * ({@code NUSCAPE_WEBHOOK_SENDER_FUNCTION}; none: the alerts function posts itself).
 */
public record DeliverySettings(boolean allowPrivateReceivers, Duration receiverTimeout, Optional<String> eventBusName,
                               Optional<String> senderFunction) {
    public ReceiverGuard guard() {
        return allowPrivateReceivers ? ReceiverGuard.LOCAL : ReceiverGuard.PRODUCTION;
    }
}
