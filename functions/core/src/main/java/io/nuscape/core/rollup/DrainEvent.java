package io.nuscape.core.rollup;

import io.nuscape.core.event.UsageEvent;
import java.util.UUID;

/**
 * An event taken from the stream, with the account and device its entry carried, when ingest received it
 * and the generation of the token it came with (a token rotated away by then does not count).
 */
public record DrainEvent(UUID accountId, UUID deviceId, long receivedAtMillis, long tokenGeneration, UsageEvent event) {
}
