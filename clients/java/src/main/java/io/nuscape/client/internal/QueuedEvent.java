package io.nuscape.client.internal;

import java.util.UUID;

/** One usage event as the queue stores and uploads it. */
public record QueuedEvent(UUID eventId, long tsMillis, String kind, String key, long durationMs) {
}
