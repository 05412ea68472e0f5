package io.nuscape.core.rollup;

import io.nuscape.core.event.UsageEvent;
import java.util.UUID;

/** An event taken from the stream, with the account and device its entry carried and when it was received. */
public record DrainEvent(UUID accountId, UUID deviceId, long receivedAtMillis, UsageEvent event) {
}
