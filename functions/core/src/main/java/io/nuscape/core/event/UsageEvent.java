package io.nuscape.core.event;

/**
 * One validated usage event: a lower-case UUID {@code eventId}, its start {@code tsMillis} (epoch ms), its
 * {@code kind} and {@code key}, and how long it lasted.
 */
public record UsageEvent(String eventId, long tsMillis, String kind, String key, long durationMs) {
}
